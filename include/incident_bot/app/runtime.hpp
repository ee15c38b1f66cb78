// The running bot: one network thread with the Web API client and the Socket Mode client,
// SIGINT/SIGTERM handling and a clean shutdown.
#pragma once

#include <functional>
#include <memory>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/slack/web_api.hpp"

namespace incident_bot {

class runtime {
public:
    runtime(const config& cfg, const logger& log);
    ~runtime();

    /// The Web API client (valid for the runtime's life; call from any thread via `call`).
    web_api& api();
    /// Register listeners here before run().
    dispatcher& routes();

    /// Connects and serves until SIGINT/SIGTERM (exit status 0), stop(), or a fatal Slack
    /// condition such as a rejected token (exit status 1, with the reason logged).
    int run(bool handle_signals = true);
    /// Asks run() to shut down; thread-safe.
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace incident_bot

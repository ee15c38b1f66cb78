// The running bot: the store and its writer thread, one network thread with the Web API and
// Socket Mode clients, the features wired onto the dispatcher, SIGINT/SIGTERM handling and a
// clean shutdown.
#pragma once

#include <memory>

#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

class runtime {
public:
    /// Opens (and migrates) the database and wires every feature. Throws store_error or
    /// config_error with a clear message when that fails.
    runtime(const config& cfg, const logger& log);
    ~runtime();

    /// The Web API client (use `call` from other threads).
    web_api& api();

    /// Connects and serves until SIGINT/SIGTERM or stop() (exit status 0), or a fatal Slack
    /// condition such as a rejected token (exit status 1, with the reason logged). Pending
    /// timeline writes are committed before it returns.
    int run(bool handle_signals = true);
    /// Asks run() to shut down; thread-safe.
    void stop();

    /// Port of the health/metrics endpoint (0 when INCIDENT_BOT_HTTP is unset).
    unsigned short http_port() const;

    /// Runs `job` on the store's writer thread and waits for it (tests, the demo).
    void with_store(const std::function<void(store&)>& job);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace incident_bot

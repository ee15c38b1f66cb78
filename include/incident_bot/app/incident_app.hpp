// Wiring of the `/incident` command: Socket Mode envelope in, the store's writer thread for
// the work, then the ack and the follow-up Web API calls from the network thread; plus the periodic
// reminder check and the create_channel flow. The decisions live in commands/.
#pragma once

#include <chrono>
#include <memory>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

/// The `/incident` command and its reminders. Everything passed in must outlive this object
/// and the dispatcher's use of the listener; `rules` may be null.
class incident_app {
  public:
    /// Registers the `cfg.command` listener on `routes`.
    incident_app(dispatcher& routes,
                 store_executor& queue,
                 web_api& api,
                 const commands_config& cfg,
                 const rule_set* rules,
                 const logger& log);
    /// Stops the reminder timer.
    ~incident_app();
    incident_app(const incident_app&) = delete;
    incident_app& operator=(const incident_app&) = delete;

    /// Runs the reminder and digest check every `interval` (0: never) on the web_api's
    /// executor; the check itself runs on the store's writer thread.
    void start_reminders(std::chrono::milliseconds interval = std::chrono::minutes(1));
    /// Stops the reminder timer. Thread-safe, idempotent.
    void stop();

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace incident_bot

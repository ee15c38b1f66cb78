// Wiring of the `/incident` command: Socket Mode envelope in, the store's writer thread for
// the work, then the ack and the follow-up Web API calls from the network thread; plus the periodic
// reminder check and the create_channel flow. The decisions live in commands/.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/commands/incident_commands.hpp"
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

    /// Told (on the network thread) which incident a command changed and who ran it, so the
    /// App Homes of its people are re-published. Set before the bot runs.
    using change_listener = std::function<void(std::int64_t incident_id, const std::string& by)>;
    void on_change(change_listener l);
    /// Offered every command first; returns true when it took it (`declare` without a title
    /// opens the declare modal), and the command is then acked empty. Set before the bot runs.
    void on_bare_declare(std::function<bool(const slash_command&)> opener);
    /// Runs `cmd` as if typed, with `cfg` in place of the configured commands; `after` runs
    /// in the same store job, and `answer` gets the reply (the declare modal's submission).
    using after_command = std::function<void(store&, command_outcome&)>;
    void run_command(slash_command cmd,
                     commands_config cfg,
                     after_command after,
                     std::function<void(nlohmann::json)> answer);

    /// Replies in the thread of a message just marked as diagnosis with the past incidents
    /// that match it strongly, unless `suggest_related` is off. Thread-safe.
    void suggest_related(const diagnosis_mark& m);

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace incident_bot

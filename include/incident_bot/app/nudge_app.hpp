// Wiring of blameless-language nudges: stored messages in (a timeline_app observer on the
// store's writer thread), a private chat.postEphemeral out, and the Helpful / Not helpful
// buttons' votes back into the store. The decisions live in rules/nudge.hpp.
#pragma once

#include <mutex>
#include <string>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/app/timeline_app.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/ingest.hpp"

namespace incident_bot {

/// Sends nudges and records their feedback. Everything passed in must outlive this object
/// and the dispatcher's and timeline_app's use of its listeners.
class nudge_app {
  public:
    /// Observes `timeline`'s messages and listens for `block_actions` on `routes`. Call
    /// before the bot runs. `opt_out_command` is the slash command named in the nudge's
    /// opt-out hint (commands_config::command).
    nudge_app(timeline_app& timeline,
              dispatcher& routes,
              ingest_queue& queue,
              web_api& api,
              const nudges_config& cfg,
              const rule_set& rules,
              const logger& log,
              std::string opt_out_command = "/incident");
    nudge_app(const nudge_app&) = delete;
    nudge_app& operator=(const nudge_app&) = delete;

    /// The bot's own user id (auth.test `user_id`), so its messages are never checked even
    /// without `bot_id`. Thread-safe.
    void set_bot_user(std::string user_id);

  private:
    void on_message(const nlohmann::json& event, bool watched, store& s);
    void on_block_actions(const envelope& env, const ack_handle& ack);

    ingest_queue& queue_;
    web_api& api_;
    const nudges_config& cfg_;
    const rule_set& rules_;
    const logger& log_;
    std::string opt_out_command_;
    std::mutex bot_user_mutex_;
    std::string bot_user_;
};

}  // namespace incident_bot

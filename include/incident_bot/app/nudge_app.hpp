// Wiring of blameless-language nudges: a `message` listener beside the timeline's. The rules
// run on the network thread as the message arrives; only a message with findings costs a
// store job (opt-out, throttle and the record, one transaction on the store's thread), then
// a private chat.postEphemeral. The Helpful / Not helpful votes go back into the store. The
// decisions live in rules/nudge.hpp.
#pragma once

#include <mutex>
#include <string>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/rules/detector.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

/// Sends nudges and records their feedback. Everything passed in must outlive this object
/// and the dispatcher's use of its listeners.
class nudge_app {
  public:
    /// Listens for `message` events and `block_actions` on `routes`. Call before the bot
    /// runs. `opt_out_command` is the slash command named in the nudge's opt-out hint
    /// (commands_config::command).
    nudge_app(dispatcher& routes,
              store_executor& executor,
              web_api& api,
              const nudges_config& cfg,
              const blame_detector& detector,
              const logger& log,
              std::string opt_out_command = "/incident");
    nudge_app(const nudge_app&) = delete;
    nudge_app& operator=(const nudge_app&) = delete;

    /// The bot's own user id (auth.test `user_id`), so its messages are never checked even
    /// without `bot_id`. Thread-safe.
    void set_bot_user(std::string user_id);

  private:
    void on_message(const envelope& env);
    void on_block_actions(const envelope& env, const ack_handle& ack);

    store_executor& executor_;
    web_api& api_;
    const nudges_config& cfg_;
    const blame_detector& detector_;
    const logger& log_;
    std::string opt_out_command_;
    std::mutex bot_user_mutex_;
    std::string bot_user_;
};

}  // namespace incident_bot

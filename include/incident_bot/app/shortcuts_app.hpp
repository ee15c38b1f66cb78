// Wiring of the declare modal and the shortcuts (issue 18): `/incident declare` without a
// title and the global "Declare incident" shortcut open the modal (views.open with the
// trigger_id, inside Slack's 3 s); its submission is validated in place and then declared by
// `/incident declare` itself (incident_app::run_command); the "Add to timeline" message
// shortcut marks a message as a key event of its channel's incident.
#pragma once

#include <memory>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/app/incident_app.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

/// The modal and the shortcuts. Everything passed in must outlive this object and the
/// dispatcher's use of its listeners.
class shortcuts_app {
  public:
    /// Listens for `shortcut`, `message_action` and `view_submission` on `routes` and takes
    /// bare `declare` commands from `incidents`. Call before the bot runs.
    shortcuts_app(dispatcher& routes,
                  incident_app& incidents,
                  store_executor& queue,
                  web_api& api,
                  const commands_config& cfg,
                  const logger& log);
    shortcuts_app(const shortcuts_app&) = delete;
    shortcuts_app& operator=(const shortcuts_app&) = delete;

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace incident_bot

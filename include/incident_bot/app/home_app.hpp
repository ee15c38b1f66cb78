// Wiring of the App Home and the action item buttons (issue 18): `app_home_opened` publishes
// the person's Home (views.publish), block_actions from item posts and the Home close or
// snooze items under the same rule as `/incident done`, and a change re-publishes the Homes
// of the people it concerns who have opened theirs. Changes run on the store's writer
// thread, views are built on the read-only connection's; decisions live in
// commands/home.hpp and commands/action_items.hpp.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store_executor.hpp"
#include "incident_bot/store/store_reader.hpp"

namespace incident_bot {

/// The App Home and the item buttons. Everything passed in must outlive this object and
/// the dispatcher's use of its listeners.
class home_app {
  public:
    /// Listens for `app_home_opened` events, its own buttons (item done and snooze, Home
    /// filters and grouping) and buttons no app knows on `routes`. Call before the bot runs.
    home_app(dispatcher& routes,
             store_executor& queue,
             store_reader& reader,
             web_api& api,
             const commands_config& cfg,
             const logger& log);
    home_app(const home_app&) = delete;
    home_app& operator=(const home_app&) = delete;

    /// Re-publishes the Homes of the people in incident `incident_id` and of `by` that
    /// were opened before. Thread-safe.
    void refresh(std::int64_t incident_id, const std::string& by);

    struct state;

  private:
    std::shared_ptr<state> state_;
};

}  // namespace incident_bot

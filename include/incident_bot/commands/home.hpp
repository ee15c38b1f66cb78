// The bot's App Home (views.publish, type home) for one person, built from the store, and the
// Block Kit limits every view the bot sends must keep (issue 18). Runs on the store's writer
// thread, or on a read-only store (`incident-bot home`).
#pragma once

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "incident_bot/config.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// What to build a Home for.
struct home_request {
    /// Slack user id of the viewer.
    std::string user;
    /// Filter and grouping of "All open action items".
    home_filter filter = home_filter::open;
    home_grouping grouping = home_grouping::incident;
    /// "Today" for overdue items (UTC day).
    std::chrono::sys_days today{};
    /// A private answer shown at the top (a refused click); empty for none.
    std::string notice;
};

/// Action ids of the Home's own buttons (the item buttons are in action_items.hpp).
inline constexpr std::string_view home_filter_action = "home_filter";
inline constexpr std::string_view home_group_action = "home_group";

/// The Home view: "Your action items" (overdue first, Done / Snooze buttons), "Incidents you
/// are in", and "All open action items" with filter and grouping buttons and counts. A
/// private incident's items are shown only to people in it. Within Block Kit's limits;
/// past them it says how many more there are and how to list them.
nlohmann::json build_home_view(store& s, const commands_config& cfg, const home_request& r);

/// Whether `user` is in incident `i`: holds a role, declared it, wrote on its timeline
/// (`authored`), or owns or wrote one of `items` of it.
bool is_in_incident(const incident& i,
                    std::string_view user,
                    const std::set<std::int64_t>& authored,
                    const std::vector<action_item>& items);

/// Everyone in incident `i` (the people whose Home shows it as theirs).
std::set<std::string> incident_people(store& s, const incident& i);

/// What breaks Slack's Block Kit limits in a view or message (`blocks` and, for views,
/// `type`, `title`, ...): at most 100 blocks in a view (50 in a message), section text at
/// most 3000 characters, headers 150, button text 75, button values 2000, action and block
/// ids 255 and unique. Empty when it is fine.
std::vector<std::string> block_kit_problems(const nlohmann::json& view_or_message);

}  // namespace incident_bot

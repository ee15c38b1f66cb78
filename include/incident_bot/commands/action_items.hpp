// Closing and snoozing one action item, shared by `/incident done` and the Mark done / Snooze
// buttons on item posts and on the App Home, so a click and a command follow one rule and
// say the same things (issue 18). Runs on the store's writer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "incident_bot/commands/access.hpp"
#include "incident_bot/commands/incident_commands.hpp"

namespace incident_bot {

/// What a close or snooze came to.
enum class item_result {
    changed,  ///< closed or snoozed now
    already,  ///< already done: nothing changed (a double click)
    refused,  ///< not theirs to change: nothing changed
    missing   ///< no such item that they may see: nothing changed
};

/// The outcome of a close or snooze.
struct item_change {
    item_result result = item_result::missing;
    /// Private reply for the person who asked.
    std::string reply;
    /// The item after the change (absent when missing).
    std::optional<action_item> item;
    /// Its incident (absent when missing).
    std::optional<incident> inc;
    /// Calls to make afterwards: the "done" line in the incident's channel, and the update of
    /// the item's own post when the bot knows where it is.
    std::vector<api_call> follow_ups;
};

/// Closes item `id` for `who` if may_close_item allows, in one transaction. Outside a
/// private incident's channel its items do not exist, so a refusal there reads like an
/// unknown id.
item_change close_action_item(store& s,
                              const commands_config& cfg,
                              std::int64_t id,
                              const requester& who);

/// Moves item `id`'s due date `by` later, counted from today when it is overdue or has none;
/// the same rule as closing.
item_change snooze_action_item(store& s,
                               const commands_config& cfg,
                               std::int64_t id,
                               const requester& who,
                               std::chrono::days by,
                               std::chrono::sys_days today);

/// Button action ids; on the App Home a suffix after ':' keeps them unique in the view.
inline constexpr std::string_view item_done_action = "action_item_done";
inline constexpr std::string_view item_snooze_action = "action_item_snooze";
/// Days a Snooze click moves the due date.
inline constexpr std::chrono::days snooze_days{7};

/// A Done / Snooze button for item `id`; `suffix` makes the action id unique in a view.
nlohmann::json item_button(std::string_view action, std::int64_t id, std::string_view suffix = {});

/// Blocks of an item's post: its line (mrkdwn) and, while open, the Mark done and Snooze
/// buttons; once closed, who closed it and when instead.
nlohmann::json action_post_blocks(std::string_view line,
                                  std::int64_t id,
                                  const std::optional<std::string>& closed_by = {},
                                  std::optional<unix_time> closed_at = {});

/// The one-line text of an item's post: "☑ Action #7: text — owner <@U1>, due 2026-12-01".
std::string action_post_line(const action_item& a);

}  // namespace incident_bot

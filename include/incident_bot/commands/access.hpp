// Who may do what to an incident, and where its contents may be shown. Pure decisions:
// values in, a verdict out, so slash commands, buttons and views apply the same rules.
//
// Being "in the incident's channel" is not checked here: commands find their incident by the
// channel they were typed in, and Slack only delivers a command from a conversation its
// author can post in.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "incident_bot/config.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// Who is asking, and from which conversation.
struct requester {
    /// Slack user id.
    std::string_view user;
    /// Channel (or DM) id where they asked.
    std::string_view channel;
};

/// Nullopt when allowed; else the private reply that says what is refused and who may.
using refusal = std::optional<std::string>;

/// Declaring: anyone, or only `may_declare` and admins when that list is set.
refusal may_declare(const commands_config& cfg, std::string_view user);

/// Changing severity from the incident's channel: anyone there, or only `may_set_severity`,
/// the commander and admins when that list is set.
refusal may_set_severity(const commands_config& cfg, const incident& i, std::string_view user);

/// Resolving from the incident's channel: the commander, the declarer and admins; anyone in
/// the channel while no commander is set. When `may_resolve` is set, its people and admins.
refusal may_resolve(const commands_config& cfg, const incident& i, std::string_view user);

/// Publishing the post-mortem org-wide: the same people who may resolve the incident.
refusal may_publish(const commands_config& cfg, const incident& i, std::string_view user);

/// Closing or snoozing an action item, from anywhere: its owner, the incident's commander
/// and admins; for an item without an owner, also anyone in the incident's channel.
refusal may_close_item(const commands_config& cfg,
                       const action_item& item,
                       const incident& i,
                       const requester& who);

}  // namespace incident_bot

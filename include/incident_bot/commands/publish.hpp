// `/incident postmortem publish [anyway]`: the post-mortem for the whole organisation, names
// replaced by roles, posted to the share channel once the blameless check passes or the
// publisher chose "Publish anyway" (issue 19). Runs on the store's writer thread.
#pragma once

#include <string_view>

#include "incident_bot/commands/incident_commands.hpp"

namespace incident_bot {

/// action_id of the "Publish anyway" button on a held-back publication.
inline constexpr std::string_view publish_anyway_action = "postmortem_publish_anyway";

/// The command text a "Publish anyway" click runs as its clicker.
inline constexpr std::string_view publish_anyway_text = "postmortem publish anyway";

/// Publishes `inc`'s post-mortem for `cmd`'s author. Without a share channel, or for someone
/// who may not, a private reply and nothing changes. Unless `anyway`, blameless-check
/// findings (or a private incident channel) hold it back: the publisher gets them privately
/// with a "Publish anyway" button and nothing is posted. Otherwise the names-free text is
/// saved as the next draft version, posted to the share channel, and recorded as published
/// once Slack accepted the post.
command_outcome publish_postmortem(store& s,
                                   const slash_command& cmd,
                                   const commands_config& cfg,
                                   const rule_set* rules,
                                   const incident& inc,
                                   bool anyway);

}  // namespace incident_bot

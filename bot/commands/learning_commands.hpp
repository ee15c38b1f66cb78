// `/incident search` and `/incident learned` (issue 19), kept apart from the runner in
// incident_commands.cpp: pure apart from the store, like the rest of the commands.
#pragma once

#include <string>
#include <string_view>

#include "incident_bot/commands/incident_commands.hpp"

namespace incident_bot::detail {

/// Most incidents a `/incident search` answer lists.
inline constexpr std::size_t k_search_shown = 5;

/// The private answer to `/incident search WORDS` typed in `cmd.channel_id`: the best
/// incidents visible there with date, severity, a snippet and a link to their channel, or
/// what to do when nothing matches or no words were given. Changes nothing.
std::string search_reply(store& s,
                         const slash_command& cmd,
                         const commands_config& cfg,
                         std::string_view words);

/// The line posted to the incident channel for a new learning (mentions are quieted by
/// the caller).
std::string learning_echo(const slash_command& cmd, std::string_view text);

}  // namespace incident_bot::detail

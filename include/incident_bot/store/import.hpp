// Import of a Slack workspace export folder: one incident per incident channel with its
// timeline, resolved when its history says so, and users.json into the user cache.
// Everything is read and checked before anything is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "incident_bot/config.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/store/ingest.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// A malformed or missing export file; the message names the file and the position
/// ("general/2026-11-02.json: line 4, column 7: ...").
struct import_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// What to import.
struct import_options {
    /// Only the channel with this name, incident channel or not (else the incident channels
    /// of channels.json/groups.json).
    std::optional<std::string> channel;
    /// Every channel, incident channel or not.
    bool all = false;
    /// Which names are incident channels: an RE2 pattern matching the whole name
    /// (`import.channel_pattern`). An invalid one stops the import before anything is read.
    std::string channel_pattern = import_config{}.channel_pattern;
    /// The blameless rules run over people's imported messages; their findings are stored
    /// (store::imported_findings), nobody is messaged. Null: no check.
    const rule_set* rules = nullptr;
    /// Which reactions mark key events and stages, and the permalink host.
    capture_config capture;
    /// Largest export file read; a bigger one stops the import with an error naming it
    /// (an export is untrusted input, and a day file is parsed whole).
    std::uintmax_t max_file_bytes = 64 * 1024 * 1024;
};

/// Outcome for one channel.
struct imported_channel {
    /// Channel name (the folder name).
    std::string name;
    /// The incident created for it; absent when the channel was skipped.
    std::optional<std::int64_t> incident_id;
    /// Timeline entries written.
    std::size_t entries = 0;
    /// Why nothing was written ("already imported as incident 3"); empty when imported.
    std::string skipped;
    /// How the import found the incident was over; `none`: it stays open.
    resolution_rule resolved_by = resolution_rule::none;
    /// When it was resolved (from the message the rule used).
    std::optional<unix_time> resolved_at;
    /// Blameless-language findings stored for its messages.
    std::size_t findings = 0;
};

/// Outcome of a whole import.
struct import_summary {
    /// One line per channel, in channels.json order.
    std::vector<imported_channel> channels;
    /// Users written to the user cache.
    std::size_t users = 0;
};

/// True when `text`, after leading blanks, emoji codes (":tada:") and bold, italic or strike
/// marks, starts with `phrase` (lowercase) as whole words, in any case: "*Resolved:* pool
/// resized" starts with "resolved", "resolvedness" does not.
bool starts_with_phrase(std::string_view text, std::string_view phrase);

/// Which resolution rule one imported message satisfies (`bot_post`, `message` or `none`):
/// - `bot_post`: the bot's own announcement when `/incident resolve` ran ("*Incident #12
///   resolved* by …", bot/commands/lifecycle.cpp), posted by a bot.
/// - `message`: a person's top-level message (or thread broadcast) that starts, after any
///   emoji and bold/italic marks, with "resolved", "all clear", "incident resolved" or
///   "incident is resolved" as whole words, and asks nothing (no '?'). Deliberately narrow:
///   "not resolved yet", "is it resolved?" or a thread reply about a sub-problem do not count.
resolution_rule resolution_of(const timeline_entry& e);

/// Imports the export folder at `root`. Parses and validates every selected file first and
/// throws import_error before writing anything if one is malformed; then writes the users in
/// one transaction and each channel in its own. Channels whose name does not match the
/// pattern are skipped unread unless named by `channel` or `all` is set. A channel that
/// already has an incident is skipped, so running an import twice adds nothing. The incident
/// is resolved by the last message that satisfies a rule (`resolution_of`; the bot's post
/// wins over a person's), else when the channel is archived, at its last message; otherwise
/// it stays open. Zip archives are refused with a hint to unzip them (no zip library in this
/// build).
import_summary import_slack_export(store& s,
                                   const std::filesystem::path& root,
                                   const import_options& options = {});

}  // namespace incident_bot

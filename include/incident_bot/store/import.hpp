// Import of a Slack workspace export folder: one incident per channel with its timeline, and
// users.json into the user cache. Everything is read and checked before anything is written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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
    /// Only the channel with this name (else every channel in channels.json/groups.json).
    std::optional<std::string> channel;
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
};

/// Outcome of a whole import.
struct import_summary {
    /// One line per channel, in channels.json order.
    std::vector<imported_channel> channels;
    /// Users written to the user cache.
    std::size_t users = 0;
};

/// Imports the export folder at `root`. Parses and validates every selected file first and
/// throws import_error before writing anything if one is malformed; then writes the users in
/// one transaction and each channel in its own. A channel that already has an incident is
/// skipped, so running an import twice adds nothing. Archived channels become resolved
/// incidents (resolved at their last message); others stay open. Zip archives are refused
/// with a hint to unzip them (no zip library in this build).
import_summary import_slack_export(store& s,
                                   const std::filesystem::path& root,
                                   const import_options& options = {});

}  // namespace incident_bot

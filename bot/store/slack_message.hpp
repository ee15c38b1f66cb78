// Mapping of Slack message objects (from events or export day files) to timeline entries,
// shared by the live ingest and the export importer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "incident_bot/json_document.hpp"
#include "incident_bot/store/ingest.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot::detail {

/// The string at `key` of an object; nullopt when absent, null or not a string.
std::optional<std::string> get_string(const nlohmann::json& obj, std::string_view key);
std::optional<std::string> get_string(json_view obj, std::string_view key);

/// The object at `key`; nullptr when absent or not an object.
const nlohmann::json* get_object(const nlohmann::json& obj, std::string_view key);

/// A timeline entry for one message, or the reason it is not recorded.
struct mapped_message {
    /// The entry (incident_id left 0 for the caller to fill in).
    std::optional<timeline_entry> entry;
    /// Why there is no entry: malformed or a subtype that is not part of a timeline.
    std::string reason;
};

/// Maps a message object: people's messages (plain, thread replies, thread_broadcast,
/// me_message, file_share), bot messages (`bot_message` or any `bot_id`), joins
/// (`channel_join`, `group_join`) and export tombstones (deleted thread parents).
/// For export files (nlohmann::json) and live events (json_view, read in place).
template <class Json>
mapped_message map_message(const Json& msg, std::string_view channel, const capture_config& config);

}  // namespace incident_bot::detail

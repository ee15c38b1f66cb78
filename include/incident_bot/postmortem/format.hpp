// Text helpers shared by the post-mortem draft and the slash commands: times, durations,
// and byte-bounded UTF-8 truncation.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "incident_bot/store/store.hpp"

namespace incident_bot::detail {

/// "2h 14m", "45m", "3d 2h", "under a minute".
std::string format_duration(std::chrono::seconds d);

/// "2026-11-02 14:03 UTC".
std::string format_time(unix_time t);

/// "14:03".
std::string format_clock(unix_time t);

/// "2026-11-02".
std::string format_day(std::chrono::sys_days d);

/// Parses "YYYY-MM-DD" strictly (a real calendar day); nullopt otherwise.
std::optional<std::chrono::sys_days> parse_day(std::string_view s);

/// The seconds of a canonical Slack ts as a time; the epoch for malformed text.
unix_time ts_time(std::string_view ts);

/// At most `max_bytes` bytes of `text`, cut at a UTF-8 boundary, with "…" appended when cut.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes);

/// Newlines and tabs folded to spaces, runs of spaces collapsed, ends trimmed.
std::string one_line(std::string_view text);

}  // namespace incident_bot::detail

// Fast JSON parsing for Socket Mode frames, the bot's hottest input.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace incident_bot {

/// Parses `text` into the same value `nlohmann::json::parse(text, nullptr, false)` gives
/// (a discarded value when it is not valid JSON or not UTF-8), several times faster:
/// simdjson validates and tokenises, and only the DOM is built with nlohmann. Inputs
/// simdjson declines (integers beyond 64 bits, nesting deeper than 1,024, frames over
/// 64 KB) go to nlohmann's own parser, so the result never differs.
nlohmann::json parse_json(std::string_view text);

}  // namespace incident_bot

// Fast JSON parsing for Socket Mode frames, the bot's hottest input, and the one place that
// reads JSON leniently where Slack's text may hold half of a UTF-16 surrogate pair.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace incident_bot {

/// Deepest nesting of arrays and objects accepted in untrusted JSON. Slack's payloads nest
/// about a dozen levels (Block Kit included); code that walks a document recursively (dump,
/// comparisons, our own converters) then cannot be driven into a stack overflow.
inline constexpr std::size_t max_json_depth = 64;

/// True when arrays and objects in `text` nest deeper than `limit` (`{}` is one level).
/// Brackets inside strings do not count. A linear scan, run before any parser.
bool nested_deeper_than(std::string_view text, std::size_t limit = max_json_depth);

/// Parses `text` into the same value `nlohmann::json::parse(text, nullptr, false)` gives
/// (a discarded value when it is not valid JSON or not UTF-8), several times faster:
/// simdjson validates and tokenises, and only the DOM is built with nlohmann. Inputs
/// simdjson declines (integers beyond 64 bits) go to nlohmann's own parser, so the result
/// never differs. Text nested deeper than max_json_depth gives a discarded value: simdjson
/// (which does not recurse) is set to refuse it, and text for nlohmann's recursive parser is
/// checked first.
///
/// One leniency on top: a `\uD800`-`\uDFFF` escape that is not half of a high-low pair
/// (RFC 8259 allows it; a string cut in the middle of an emoji produces it) reads as
/// U+FFFD instead of failing the whole document, which both parsers would do. Valid input
/// never takes that path: it runs only after a failed parse (see replace_lone_surrogates).
nlohmann::json parse_json(std::string_view text);

/// Rewrites each unpaired surrogate escape in `text` (a `\uD800`-`\uDBFF` not followed by a
/// `\uDC00`-`\uDFFF` escape, or a `\uDC00`-`\uDFFF` not preceded by one) to `\uFFFD`. Both
/// are six characters, so byte offsets, and the positions parse errors name, stay the same.
/// Escapes are read in order, so `\\ud83d` (an escaped backslash, then text) is left alone.
/// Returns whether anything was rewritten: callers reparse only then.
bool replace_lone_surrogates(std::string& text);

}  // namespace incident_bot

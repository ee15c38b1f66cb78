// Socket Mode frames are parsed by parse_json (simdjson, then an nlohmann DOM); on every
// input it must give what nlohmann's own parser gives, valid or not, once unpaired surrogate
// escapes are read as U+FFFD (its one leniency).
#pragma once

#include "fuzz_support.hpp"
#include "incident_bot/json_parse.hpp"

namespace incident_bot::fuzz {

/// Same structure, types and values. The one allowed difference: an integer written "-0"
/// may come out unsigned (simdjson does not keep the sign of zero).
inline bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
    const bool zero_ints = a.is_number_integer() && b.is_number_integer() && a == 0 && b == 0;
    if (a.type() != b.type()) return zero_ints;
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it)
            if (!b.contains(it.key()) || !same_json(*it, b[it.key()])) return false;
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same_json(a[i], b[i])) return false;
        return true;
    }
    return a.is_discarded() || a == b;
}

/// What parse_json must give: nothing for text nested deeper than max_json_depth, else
/// nlohmann's result, or when nlohmann rejects the text, its result on the text with lone
/// surrogate escapes rewritten.
inline nlohmann::json reference_parse(std::string_view input) {
    if (nested_deeper_than(input)) return nlohmann::json(nlohmann::json::value_t::discarded);
    auto strict = nlohmann::json::parse(input, nullptr, false);
    std::string lenient(input);
    if (!strict.is_discarded() || !replace_lone_surrogates(lenient)) return strict;
    return nlohmann::json::parse(lenient, nullptr, false);
}

inline void run_json_parse(std::string_view input) {
    require(same_json(parse_json(input), reference_parse(input)),
            "parse_json differs from nlohmann::json::parse");
    // The rewrite keeps the length, leaves no lone surrogate behind, and has nothing to do
    // in text nlohmann accepts (valid JSON holds no unpaired surrogate escape).
    std::string rewritten(input);
    const bool changed = replace_lone_surrogates(rewritten);
    require(rewritten.size() == input.size(), "the rewrite changed the length");
    require(!replace_lone_surrogates(rewritten), "the rewrite left a lone surrogate");
    // nlohmann stops reading at a NUL byte, so only the text before one must be valid.
    const auto read = input.substr(0, input.find('\0'));
    std::string read_rewritten(read);
    require(!changed || !replace_lone_surrogates(read_rewritten) ||
                nlohmann::json::parse(read, nullptr, false).is_discarded(),
            "the rewrite changed valid JSON");
}

}  // namespace incident_bot::fuzz

// Socket Mode frames are parsed by parse_json (simdjson, then an nlohmann DOM); on every
// input it must give what nlohmann's own parser gives, valid or not.
#pragma once

#include "fuzz_support.hpp"
#include "protocol/json_parse.hpp"

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

inline void run_json_parse(std::string_view input) {
    require(same_json(parse_json(input), nlohmann::json::parse(input, nullptr, false)),
            "parse_json differs from nlohmann::json::parse");
}

}  // namespace incident_bot::fuzz

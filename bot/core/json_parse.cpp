#include "incident_bot/json_parse.hpp"

#include <cstdint>
#include <string>

#include <simdjson.h>

namespace incident_bot {

using json = nlohmann::json;

namespace {

// The parser keeps its buffers between calls, sized by the largest input it has seen;
// bigger frames take the slow path rather than leave a large parser behind.
constexpr std::size_t max_fast_bytes = 64 * 1024;

// `depth` counts the containers around `e`; one more than max_json_depth sets `too_deep`,
// the same verdict nested_deeper_than gives, without a second pass over the text.
json to_nlohmann(simdjson::dom::element e, std::size_t depth, bool& too_deep) {
    using type = simdjson::dom::element_type;
    switch (e.type()) {
        case type::OBJECT: {
            if (++depth > max_json_depth) break;
            json o(json::value_t::object);
            auto& members = o.get_ref<json::object_t&>();
            // Later duplicates win, as with nlohmann's parser.
            for (auto [key, value] : simdjson::dom::object(e)) {
                members.insert_or_assign(std::string(key), to_nlohmann(value, depth, too_deep));
                if (too_deep) return nullptr;
            }
            return o;
        }
        case type::ARRAY: {
            if (++depth > max_json_depth) break;
            json a(json::value_t::array);
            auto& items = a.get_ref<json::array_t&>();
            for (auto value : simdjson::dom::array(e)) {
                items.push_back(to_nlohmann(value, depth, too_deep));
                if (too_deep) return nullptr;
            }
            return a;
        }
        case type::STRING:
            return std::string(std::string_view(e));
        case type::INT64: {
            // nlohmann stores every non-negative integer as unsigned.
            const std::int64_t v = e;
            if (v >= 0) return static_cast<std::uint64_t>(v);
            return v;
        }
        case type::UINT64:
            return std::uint64_t(e);
        case type::DOUBLE:
            return double(e);
        case type::BOOL:
            return bool(e);
        case type::NULL_VALUE:
            return nullptr;
    }
    too_deep = true;
    return nullptr;
}

std::uint16_t hex4(std::string_view s) {
    std::uint16_t v = 0;
    for (char c : s) {
        v = static_cast<std::uint16_t>(v << 4);
        if (c >= '0' && c <= '9') v |= static_cast<std::uint16_t>(c - '0');
        else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint16_t>(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint16_t>(c - 'A' + 10);
        else return 0;  // not an escape the parser accepts either; 0 is no surrogate
    }
    return v;
}

// The UTF-16 code unit of the `\u` escape (four hex digits) starting at `at`; 0 when no
// such escape starts there.
std::uint16_t escape_at(std::string_view text, std::size_t at) {
    if (text.size() < at + 6 || text[at] != '\\' || text[at + 1] != 'u') return 0;
    return hex4(text.substr(at + 2, 4));
}

bool is_high(std::uint16_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool is_low(std::uint16_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

json parse_strict(std::string_view text) {
    if (text.size() <= max_fast_bytes) {
        thread_local simdjson::dom::parser parser(max_fast_bytes);
        thread_local std::string padded;
        padded.assign(text);
        padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
        simdjson::dom::element root;
        if (parser.parse(padded.data(), text.size(), false).get(root) == simdjson::SUCCESS) {
            bool too_deep = false;
            json doc = to_nlohmann(root, 0, too_deep);
            // Not a conditional expression: that would copy the whole document.
            if (too_deep) return json(json::value_t::discarded);
            return doc;
        }
    }
    // nlohmann's parser recurses: a deep document is refused before it reaches it.
    if (nested_deeper_than(text)) return json(json::value_t::discarded);
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

bool nested_deeper_than(std::string_view text, std::size_t limit) {
    std::size_t depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        switch (text[i]) {
            case '"':
                // Skip the whole string, escapes included: brackets in text do not nest.
                for (++i; i < text.size() && text[i] != '"'; ++i)
                    if (text[i] == '\\') ++i;
                break;
            case '[':
            case '{':
                if (++depth > limit) return true;
                break;
            case ']':
            case '}':
                if (depth > 0) --depth;
                break;
            default:
                break;
        }
    }
    return false;
}

bool replace_lone_surrogates(std::string& text) {
    bool changed = false;
    // Every backslash starts an escape of two characters or more, so stepping over whole
    // escapes never reads the `u` after an escaped backslash as a `\u` escape.
    for (std::size_t i = text.find('\\'); i != std::string::npos; i = text.find('\\', i)) {
        const std::uint16_t unit = escape_at(text, i);
        if (is_high(unit) && is_low(escape_at(text, i + 6))) {
            i += 12;  // a pair: one character outside the BMP
        } else if (is_high(unit) || is_low(unit)) {
            text.replace(i, 6, "\\uFFFD");
            changed = true;
            i += 6;
        } else {
            i += 2;
        }
    }
    return changed;
}

json parse_json(std::string_view text) {
    json doc = parse_strict(text);
    if (!doc.is_discarded() || text.find("\\u") == std::string_view::npos) return doc;
    std::string lenient(text);
    return replace_lone_surrogates(lenient) ? parse_strict(lenient) : doc;
}

}  // namespace incident_bot

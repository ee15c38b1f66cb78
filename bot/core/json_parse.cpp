#include "incident_bot/json_parse.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>
#include <type_traits>

#include <simdjson.h>

#include "incident_bot/json_document.hpp"

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

// A parser for documents up to `capacity` bytes that refuses nesting deeper than
// max_json_depth (simdjson counts levels as nested_deeper_than does).
simdjson::dom::parser depth_limited_parser(std::size_t capacity) {
    simdjson::dom::parser parser(capacity);
    if (parser.allocate(capacity, max_json_depth) != simdjson::SUCCESS) throw std::bad_alloc();
    return parser;
}

// Parses `text` into `doc`; false when simdjson declines it (not JSON, not UTF-8, too deep,
// integers beyond 64 bits, lone surrogate escapes). Frames up to max_fast_bytes use the
// thread's parser, which keeps its buffers; a larger one gets a parser of its own rather than
// leave a large one behind.
bool parse_fast(std::string_view text, simdjson::dom::document& doc, simdjson::dom::element& root) {
    auto parse = [&](simdjson::dom::parser& parser, std::string& padded) {
        padded.assign(text);
        padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
        return parser.parse_into_document(doc, padded.data(), text.size(), false).get(root) ==
               simdjson::SUCCESS;
    };
    if (text.size() <= max_fast_bytes) {
        thread_local simdjson::dom::parser parser = depth_limited_parser(max_fast_bytes);
        thread_local std::string padded;
        return parse(parser, padded);
    }
    auto parser = depth_limited_parser(text.size());
    std::string padded;
    return parse(parser, padded);
}

json parse_strict(std::string_view text) {
    thread_local simdjson::dom::document scratch;
    simdjson::dom::element root;
    if (parse_fast(text, scratch, root)) {
        bool too_deep = false;
        json doc = to_nlohmann(root, 0, too_deep);
        // Not a conditional expression: that would copy the whole document.
        if (too_deep) return json(json::value_t::discarded);
        return doc;
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

// ---- json_document --------------------------------------------------------------------------

namespace {

using element = simdjson::dom::element;
static_assert(std::is_trivially_copyable_v<element> && sizeof(element) == 16,
              "json_view keeps a simdjson::dom::element in 16 opaque bytes");

}  // namespace

struct json_view_access {
    static json_view make(element e) {
        json_view v;
        std::memcpy(v.element_, &e, sizeof e);
        v.present_ = true;
        return v;
    }
    static element get(const json_view& v) {
        element e;
        std::memcpy(&e, v.element_, sizeof e);
        return e;
    }
};

namespace {

using access = json_view_access;

bool has_type(const json_view& v, simdjson::dom::element_type t) {
    return v.present() && access::get(v).type() == t;
}

}  // namespace

bool json_view::is_object() const { return has_type(*this, simdjson::dom::element_type::OBJECT); }
bool json_view::is_array() const { return has_type(*this, simdjson::dom::element_type::ARRAY); }
bool json_view::is_string() const { return has_type(*this, simdjson::dom::element_type::STRING); }
bool json_view::is_null() const { return has_type(*this, simdjson::dom::element_type::NULL_VALUE); }

json_view json_view::operator[](std::string_view key) const {
    json_view found;
    if (!is_object()) return found;
    for (auto [k, value] : simdjson::dom::object(access::get(*this)))
        if (k == key) found = access::make(value);
    return found;
}

std::optional<std::string_view> json_view::string() const {
    if (!is_string()) return std::nullopt;
    return std::string_view(access::get(*this));
}

std::optional<std::int64_t> json_view::integer() const {
    std::int64_t v = 0;
    if (!present() || access::get(*this).get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
}

std::optional<bool> json_view::boolean() const {
    bool v = false;
    if (!present() || access::get(*this).get(v) != simdjson::SUCCESS) return std::nullopt;
    return v;
}

std::vector<json_view> json_view::items() const {
    std::vector<json_view> out;
    if (!is_array()) return out;
    for (element e : simdjson::dom::array(access::get(*this))) out.push_back(access::make(e));
    return out;
}

struct json_document::storage {
    simdjson::dom::document doc;
};

struct json_document::state {
    // Null for the default document.
    std::shared_ptr<const storage> store;
    json_view root;
    mutable std::once_flag built;
    mutable json tree;
};

namespace {

// simdjson sizes a document for the worst case, a tape of 8 bytes and a string buffer of
// 1.7 bytes per input byte; a Slack message uses about a tenth of the tape. A document kept
// until its event is acked keeps only what it uses (tape format: simdjson's doc/tape.md).
// Only for a document that is never parsed into again: simdjson still believes the old
// capacity.
void shrink_to_fit(simdjson::dom::document& doc) {
    using simdjson::internal::JSON_VALUE_MASK;
    // The root word at the start holds the tape's length (past the closing root word).
    const std::size_t tape_len = static_cast<std::size_t>(doc.tape[0] & JSON_VALUE_MASK);
    std::size_t strings_len = 0;
    for (std::size_t i = 1; i < tape_len; ++i) {
        const auto type = static_cast<char>(doc.tape[i] >> 56);
        if (type == 'l' || type == 'u' || type == 'd') {
            ++i;  // the number is in the next word
        } else if (type == '"') {
            const std::size_t at = static_cast<std::size_t>(doc.tape[i] & JSON_VALUE_MASK);
            std::uint32_t length = 0;
            std::memcpy(&length, doc.string_buf.get() + at, sizeof length);
            strings_len = std::max(strings_len, at + sizeof length + length + 1);
        }
    }
    auto tape = std::make_unique<std::uint64_t[]>(tape_len);
    std::memcpy(tape.get(), doc.tape.get(), tape_len * sizeof(std::uint64_t));
    auto strings = std::make_unique<std::uint8_t[]>(strings_len);
    std::memcpy(strings.get(), doc.string_buf.get(), strings_len);
    doc.tape = std::move(tape);
    doc.string_buf = std::move(strings);
}

}  // namespace

json_document::json_document() = default;

bool json_document::read_fast(std::string_view text, state& s) {
    auto store = std::make_shared<storage>();
    element root;
    if (!parse_fast(text, store->doc, root)) return false;
    shrink_to_fit(store->doc);
    s.root = access::make(root);
    s.store = std::move(store);
    return true;
}

json_document::json_document(const json& value) {
    auto s = std::make_shared<state>();
    // What parse_json accepted always reads back; a value built in code nested deeper than
    // max_json_depth keeps only its tree.
    read_fast(value.dump(-1, ' ', false, json::error_handler_t::replace), *s);
    std::call_once(s->built, [&] { s->tree = value; });
    state_ = std::move(s);
}

std::optional<json_document> json_document::parse(std::string_view text, std::string* error) {
    if (auto s = std::make_shared<state>(); read_fast(text, *s)) return json_document(std::move(s));
    // What simdjson declines goes through parse_json, whose verdict and value are the
    // contract; its value is then read back from its own dump.
    json value = parse_json(text);
    if (value.is_discarded()) {
        if (error)
            *error = nested_deeper_than(text) ? "JSON nested deeper than " +
                                                    std::to_string(max_json_depth) + " levels"
                                              : "not valid JSON or not UTF-8";
        return std::nullopt;
    }
    return json_document(value);
}

json_view json_document::root() const { return state_ ? state_->root : json_view{}; }

json_document json_document::subdocument(json_view part) const {
    auto s = std::make_shared<state>();
    if (state_ && part.present()) {
        s->store = state_->store;
        s->root = part;
    }
    return json_document(std::move(s));
}

const json& json_document::tree() const {
    static const json null_value;
    if (!state_) return null_value;
    std::call_once(state_->built, [this] {
        if (!state_->root.present()) return;
        bool too_deep = false;
        state_->tree = to_nlohmann(access::get(state_->root), 0, too_deep);
    });
    return state_->tree;
}

}  // namespace incident_bot

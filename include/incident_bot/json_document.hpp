// A parsed JSON document read in place. Socket Mode frames are parsed once with simdjson and
// the hot path (routing, dedupe, the timeline, nudges) reads the parser's tape directly; the
// nlohmann tree, which cost as much CPU to build and free as everything else an event does,
// is built only when code off the hot path (commands, clicks) asks for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace incident_bot {

class json_document;

/// A value inside a json_document, or nothing (a missing member, an item of a non-array).
/// Reading through a view never throws; asking an absent or differently typed value gives
/// nullopt or false. Valid while its document lives. Cheap to copy.
class json_view {
public:
    json_view() = default;

    bool present() const { return present_; }
    bool is_object() const;
    bool is_array() const;
    bool is_string() const;
    bool is_null() const;

    /// Member `key` of an object; absent otherwise. When a key repeats, the last one counts,
    /// as in the nlohmann tree of the same document.
    json_view operator[](std::string_view key) const;
    /// The member as a string, or nullopt when it is missing or not a string.
    std::optional<std::string_view> string(std::string_view key) const {
        return (*this)[key].string();
    }
    /// The value as a string (nullopt when not a string); points into the document.
    std::optional<std::string_view> string() const;
    /// The value as an integer within int64 range (nullopt for anything else).
    std::optional<std::int64_t> integer() const;
    /// The value as a boolean (nullopt for anything else).
    std::optional<bool> boolean() const;
    /// The items of an array, in order; empty for anything else.
    std::vector<json_view> items() const;

private:
    friend class json_document;
    friend struct json_view_access;

    // simdjson's dom::element (a document pointer and a tape index), kept opaque so that
    // simdjson's large header stays out of every file that reads an envelope.
    alignas(8) unsigned char element_[16] = {};
    bool present_ = false;
};

/// An immutable JSON value with shared storage: copies are cheap and thread-safe to read.
/// The default document is null.
class json_document {
public:
    json_document();
    /// The same value, for payloads built in code (tests, fakes, the demo). Implicit so that a
    /// literal can stand where a parsed payload would.
    json_document(const nlohmann::json& value);  // NOLINT(google-explicit-constructor)

    /// Parses `text` like parse_json (lone surrogate escapes read as U+FFFD, nesting
    /// deeper than max_json_depth refused). On failure returns nullopt and, when `error` is
    /// given, sets it to a plain reason.
    static std::optional<json_document> parse(std::string_view text, std::string* error = nullptr);

    /// The value, read in place.
    json_view root() const;
    /// A document for `part`, a view into this one, sharing its storage.
    json_document subdocument(json_view part) const;
    /// The value as an nlohmann tree, built on first use (thread-safe) and kept.
    const nlohmann::json& tree() const;

private:
    struct storage;
    struct state;
    explicit json_document(std::shared_ptr<const state> s) : state_(std::move(s)) {}
    // Parses `text` with simdjson into `s` (its storage and root); false when simdjson
    // declines it.
    static bool read_fast(std::string_view text, state& s);

    std::shared_ptr<const state> state_;
};

}  // namespace incident_bot

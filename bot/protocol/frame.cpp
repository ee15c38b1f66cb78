#include "incident_bot/protocol/frame.hpp"

#include <algorithm>

#include "incident_bot/json_parse.hpp"

namespace incident_bot {

using json = nlohmann::json;

std::string envelope::event_id() const {
    return std::string(payload.root().string("event_id").value_or(""));
}

namespace {

std::string string_field(json_view obj, std::string_view key) {
    return std::string(obj.string(key).value_or(""));
}

long long integer_field(json_view obj, std::string_view key) {
    return obj[key].integer().value_or(0);
}

// Characters Slack's envelope ids are made of, none of which JSON escapes.
bool plain_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

constexpr auto npos = std::string_view::npos;

std::size_t skip_space(std::string_view t, std::size_t i) {
    while (i < t.size() && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')) ++i;
    return i;
}

// From the opening quote to just past the closing one; what is inside is not checked.
std::size_t skip_string(std::string_view t, std::size_t i) {
    for (++i; i < t.size(); ++i) {
        if (t[i] == '\\') ++i;
        else if (t[i] == '"') return i + 1;
    }
    return npos;
}

// One value: a string, a scalar, or an object or array with matching brackets (strings
// inside are skipped whole, so brackets in message text do not count).
std::size_t skip_value(std::string_view t, std::size_t i) {
    if (i >= t.size()) return npos;
    if (t[i] == '"') return skip_string(t, i);
    if (t[i] != '{' && t[i] != '[') {
        const std::size_t end = t.find_first_of(",}] \t\n\r", i);
        return end == i ? npos : end;
    }
    std::string open;
    while (i < t.size()) {
        const char c = t[i];
        if (c == '"') {
            i = skip_string(t, i);
            if (i == npos) return npos;
            continue;
        }
        if (c == '{' || c == '[') open.push_back(c == '{' ? '}' : ']');
        else if (c == '}' || c == ']') {
            if (open.empty() || open.back() != c) return npos;
            open.pop_back();
            if (open.empty()) return i + 1;
        }
        ++i;
    }
    return npos;
}

// The top-level envelope_id of a frame no parser accepts (bad UTF-8 or a broken escape deep
// in a message), so that it is acked rather than redelivered and skipped until Slack gives
// up (issue 15). Only a frame that is one complete object, whose members all delimit
// cleanly and which holds exactly one envelope_id made of plain id characters, gives one;
// anything less certain gives "" and the frame is not acked.
std::string recover_envelope_id(std::string_view t) {
    std::size_t i = skip_space(t, 0);
    if (i >= t.size() || t[i] != '{') return {};
    std::string_view id;
    int ids = 0;
    for (i = skip_space(t, i + 1); i < t.size() && t[i] == '"';) {
        const std::size_t key_end = skip_string(t, i);
        if (key_end == npos) return {};
        const std::string_view key = t.substr(i + 1, key_end - i - 2);
        i = skip_space(t, key_end);
        if (i >= t.size() || t[i] != ':') return {};
        i = skip_space(t, i + 1);
        const std::size_t value_end = skip_value(t, i);
        if (value_end == npos) return {};
        if (key == "envelope_id") {
            ++ids;
            id = t.substr(i, value_end - i);
        }
        i = skip_space(t, value_end);
        if (i < t.size() && t[i] == '}') {
            if (skip_space(t, i + 1) != t.size() || ids != 1 || id.size() < 3 || id[0] != '"')
                return {};
            id = id.substr(1, id.size() - 2);
            if (!std::all_of(id.begin(), id.end(), plain_id_char)) return {};
            return std::string(id);
        }
        if (i >= t.size() || t[i] != ',') return {};
        i = skip_space(t, i + 1);
    }
    return {};
}

}  // namespace

frame parse_frame(std::string_view text) {
    std::string why;
    const auto parsed = json_document::parse(text, &why);
    if (!parsed) return bad_frame{std::move(why), recover_envelope_id(text)};
    const json_view doc = parsed->root();
    if (!doc.is_object()) return bad_frame{"not a JSON object", {}};

    const std::string type = string_field(doc, "type");
    if (type == "hello") {
        hello_frame h;
        h.num_connections = static_cast<int>(integer_field(doc, "num_connections"));
        if (const auto d = doc["debug_info"]; d.is_object())
            h.approximate_connection_time = integer_field(d, "approximate_connection_time");
        return h;
    }
    if (type == "disconnect") return disconnect_frame{string_field(doc, "reason")};

    std::string id = string_field(doc, "envelope_id");
    if (type != "events_api" && type != "slash_commands" && type != "interactive")
        return bad_frame{"unknown frame type '" + type.substr(0, 40) + "'", std::move(id)};
    if (id.empty()) return bad_frame{type + " without envelope_id", {}};

    envelope e;
    e.type = type;
    e.envelope_id = std::move(id);
    e.payload = parsed->subdocument(doc["payload"]);
    e.accepts_response_payload = doc["accepts_response_payload"].boolean().value_or(false);
    e.retry_attempt = static_cast<int>(integer_field(doc, "retry_attempt"));
    e.retry_reason = string_field(doc, "retry_reason");
    e.frame_bytes = text.size();
    return e;
}

std::string make_ack(const std::string& envelope_id, const json& payload, bool* dropped_payload) {
    if (dropped_payload) *dropped_payload = false;
    // Every envelope gets an ack, mostly without payload: build those directly.
    if (!payload.is_object() && std::all_of(envelope_id.begin(), envelope_id.end(), plain_id_char))
        return R"({"envelope_id":")" + envelope_id + "\"}";
    json ack = {{"envelope_id", envelope_id}};
    if (payload.is_object()) {
        ack["payload"] = payload;
        std::string text = ack.dump(-1, ' ', false, json::error_handler_t::replace);
        if (text.size() <= max_ack_bytes) return text;
        if (dropped_payload) *dropped_payload = true;
        ack.erase("payload");
    }
    return ack.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace incident_bot

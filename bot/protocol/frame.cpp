#include "protocol/frame.hpp"

#include <algorithm>

#include "protocol/json_parse.hpp"

namespace incident_bot {

using json = nlohmann::json;

std::string envelope::event_id() const {
    if (!payload.is_object()) return {};
    auto it = payload.find("event_id");
    return it != payload.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

namespace {

std::string string_field(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

long long integer_field(const json& obj, const char* key) {
    auto it = obj.find(key);
    return it != obj.end() && it->is_number_integer() ? it->get<long long>() : 0;
}

}  // namespace

frame parse_frame(std::string_view text) {
    json doc = parse_json(text);
    // nlohmann rejects ill-formed UTF-8 inside strings, so this covers non-UTF-8 too.
    if (doc.is_discarded()) return bad_frame{"not valid JSON or not UTF-8", {}};
    if (!doc.is_object()) return bad_frame{"not a JSON object", {}};

    const std::string type = string_field(doc, "type");
    if (type == "hello") {
        hello_frame h;
        h.num_connections = static_cast<int>(integer_field(doc, "num_connections"));
        if (auto d = doc.find("debug_info"); d != doc.end() && d->is_object())
            h.approximate_connection_time = integer_field(*d, "approximate_connection_time");
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
    if (auto p = doc.find("payload"); p != doc.end()) e.payload = std::move(*p);
    if (auto a = doc.find("accepts_response_payload"); a != doc.end() && a->is_boolean())
        e.accepts_response_payload = a->get<bool>();
    e.retry_attempt = static_cast<int>(integer_field(doc, "retry_attempt"));
    e.retry_reason = string_field(doc, "retry_reason");
    return e;
}

namespace {

// Characters Slack's envelope ids are made of, none of which JSON escapes.
bool plain_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

}  // namespace

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

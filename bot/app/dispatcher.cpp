#include "incident_bot/app/dispatcher.hpp"

namespace incident_bot {

namespace {

// Reads payload[outer][inner] (or payload[outer] when inner is empty) as a string, "" when
// the payload does not have that shape.
std::string route_key(const nlohmann::json& payload, const char* outer, const char* inner) {
    if (!payload.is_object()) return {};
    auto it = payload.find(outer);
    if (it == payload.end()) return {};
    if (inner) {
        if (!it->is_object()) return {};
        auto in = it->find(inner);
        return in != it->end() && in->is_string() ? in->get<std::string>() : std::string{};
    }
    return it->is_string() ? it->get<std::string>() : std::string{};
}

}  // namespace

void dispatcher::operator()(const envelope& env, const ack_handle& ack) const {
    const std::map<std::string, listener>* table = nullptr;
    std::string key;
    if (env.type == "events_api") {
        table = &events_;
        key = route_key(env.payload, "event", "type");
    } else if (env.type == "slash_commands") {
        table = &commands_;
        key = route_key(env.payload, "command", nullptr);
    } else if (env.type == "interactive") {
        table = &interactions_;
        key = route_key(env.payload, "type", nullptr);
    }
    if (table) {
        if (auto it = table->find(key); it != table->end()) {
            it->second(env, ack);
            return;
        }
    }
    log_.debug("dispatch", env.type + " '" + key.substr(0, 40) + "' has no listener; acked");
    ack();
}

}  // namespace incident_bot

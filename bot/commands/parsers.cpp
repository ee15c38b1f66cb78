// Reading what Slack sends with a command: the payload's fields, mentions, channels, ids.
#include <cctype>

#include "incident_bot/commands/incident_commands.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;

std::optional<std::string> string_field(const json& payload, const char* key) {
    auto it = payload.find(key);
    if (it == payload.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

// `<X...>` with the given sigil, up to an optional `|label`, as the id.
std::optional<std::string> parse_reference(std::string_view token, std::string_view sigil) {
    if (!token.starts_with(sigil) || !token.ends_with(">")) return std::nullopt;
    auto inner = token.substr(sigil.size(), token.size() - sigil.size() - 1);
    inner = inner.substr(0, inner.find('|'));
    if (inner.empty()) return std::nullopt;
    for (char c : inner)
        if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
    return std::string(inner);
}

}  // namespace

std::optional<slash_command> parse_slash_command(const json& payload) {
    if (!payload.is_object()) return std::nullopt;
    auto command = string_field(payload, "command");
    auto user = string_field(payload, "user_id");
    auto channel = string_field(payload, "channel_id");
    if (!command || !user || !channel || user->empty() || channel->empty()) return std::nullopt;
    return slash_command{std::move(*command),
                         string_field(payload, "text").value_or(""),
                         std::move(*user),
                         std::move(*channel),
                         string_field(payload, "response_url").value_or(""),
                         string_field(payload, "trigger_id").value_or("")};
}

std::optional<std::string> parse_user_mention(std::string_view token) {
    return parse_reference(token, "<@");
}

std::optional<std::string> parse_channel_mention(std::string_view token) {
    return parse_reference(token, "<#");
}

std::optional<std::int64_t> parse_id(std::string_view token) {
    if (token.starts_with("#")) token.remove_prefix(1);
    if (token.empty() || token.size() > 15) return std::nullopt;
    std::int64_t n = 0;
    for (char c : token) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n <= 0) return std::nullopt;
    return n;
}

}  // namespace incident_bot

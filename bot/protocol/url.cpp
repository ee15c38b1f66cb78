#include "incident_bot/protocol/url.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>

namespace incident_bot {

std::optional<url> parse_url(std::string_view text) {
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return std::nullopt;
    url u;
    u.scheme.assign(text.substr(0, sep));
    std::ranges::transform(u.scheme, u.scheme.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    if (u.scheme == "http" || u.scheme == "ws") u.port = "80";
    else if (u.scheme == "https" || u.scheme == "wss") u.port = "443";
    else return std::nullopt;

    std::string_view rest = text.substr(sep + 3);
    const auto path_start = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_start);
    if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no userinfo
    if (path_start != std::string_view::npos) {
        std::string_view tail = rest.substr(path_start);
        tail = tail.substr(0, tail.find('#'));  // fragments never go on the wire
        u.target.assign(tail);
        if (u.target.front() == '?') u.target.insert(0, "/");
    } else {
        u.target = "/";
    }

    std::string_view host = authority;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            u.port.assign(after.substr(1));
        }
    } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        u.port.assign(authority.substr(colon + 1));
    }
    if (host.empty() || u.port.empty() || u.port.size() > 5 ||
        !std::ranges::all_of(u.port, [](unsigned char c) { return std::isdigit(c); }))
        return std::nullopt;
    if (std::stoi(u.port) == 0 || std::stoi(u.port) > 65535) return std::nullopt;
    u.host.assign(host);
    return u;
}

bool is_ip_literal(std::string_view host) {
    const std::string h(host);
    unsigned char buf[16];
    return inet_pton(AF_INET, h.c_str(), buf) == 1 || inet_pton(AF_INET6, h.c_str(), buf) == 1;
}

namespace {

// Host names compare without regard to case (RFC 4343); IP literals are unaffected.
bool same_host(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

bool is_allowed_response_url(const url& target, const url& api_base, bool api_explicit) {
    // Slack documents response_url as https://hooks.slack.com/... (commands/actions/...).
    if (target.scheme == "https" && target.port == "443" &&
        same_host(target.host, "hooks.slack.com"))
        return true;
    return api_explicit && target.scheme == api_base.scheme && target.port == api_base.port &&
           same_host(target.host, api_base.host);
}

bool is_allowed_socket_url(const url& socket, const url& api_base) {
    if (socket.scheme == "wss") return true;
    return socket.scheme == "ws" && api_base.scheme == "http";
}

}  // namespace incident_bot

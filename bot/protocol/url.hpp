// Minimal absolute-URL parsing for the URLs the bot dials: the Web API base, the Socket Mode
// ticket URL and slash-command response_url.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace incident_bot {

/// A parsed http/https/ws/wss URL.
struct url {
    std::string scheme;  ///< lower-case: http, https, ws or wss
    std::string host;    ///< host name or IP literal (brackets removed for IPv6)
    std::string port;    ///< explicit port or the scheme's default
    std::string target;  ///< path plus query, at least "/"

    /// True for https and wss.
    bool tls() const { return scheme == "https" || scheme == "wss"; }
};

/// Parses `text`; nullopt for anything that is not an absolute http(s)/ws(s) URL with a host.
std::optional<url> parse_url(std::string_view text);

/// True when `host` is an IPv4 or IPv6 literal (those get no SNI).
bool is_ip_literal(std::string_view host);

}  // namespace incident_bot

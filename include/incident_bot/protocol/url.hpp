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

/// Whether a slash-command or interaction `response_url` may be posted to: only
/// https://hooks.slack.com/, or the scheme, host and port of the Web API base when
/// SLACK_API_URL was set explicitly (`api_explicit`; the fake Slack in tests). The URL comes
/// from a payload, so anything else would let it aim our HTTP client at any host.
bool is_allowed_response_url(const url& target, const url& api_base, bool api_explicit);

/// Whether a Socket Mode URL from apps.connections.open may be dialled: wss:// always, ws://
/// only when the Web API itself is plain http:// (local tests), so an answer can never
/// downgrade a TLS deployment to a clear-text socket.
bool is_allowed_socket_url(const url& socket, const url& api_base);

}  // namespace incident_bot

// Sans-io reconnect policy for one Socket Mode connection slot: events in (how a
// connection ended, how an apps.connections.open attempt failed, hello), decisions out.
// The network code only carries the decisions out.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"

namespace incident_bot {

/// Exponential backoff with jitter: attempt n waits a random time in
/// [d/2, d] where d = min(initial * 2^n, max).
class backoff {
public:
    backoff(milliseconds initial, milliseconds max, std::uint64_t seed)
        : initial_(initial), max_(max), rng_(seed) {}

    milliseconds next() { return next(max_); }
    /// The same, capped at `max` instead of the configured largest wait.
    milliseconds next(milliseconds max);
    void reset() { attempt_ = 0; }
    int attempts() const { return attempt_; }

private:
    milliseconds initial_;
    milliseconds max_;
    std::mt19937_64 rng_;
    int attempt_ = 0;
};

/// What the slot does next.
struct reconnect_decision {
    enum class kind {
        open_now,        ///< open a new connection immediately
        open_after,      ///< wait `delay`, then open
        replace,         ///< open a replacement now; keep the old one until its hello
        stop,            ///< give up: `message` says why (fatal auth, link disabled)
    };
    kind what = kind::open_now;
    milliseconds delay{0};
    std::string message;
};

/// Why an apps.connections.open + connect attempt failed.
struct open_failure {
    /// Slack's error string ("invalid_auth", "ratelimited", ...) or a transport error text.
    std::string error;
    /// HTTP status of apps.connections.open when the failure came from it (0 otherwise).
    int http_status = 0;
    /// Retry-After from a 429.
    std::optional<milliseconds> retry_after;
    /// The server's TLS certificate was refused (chain or host name): not a network blip,
    /// so the backoff may grow up to certificate_backoff_max.
    bool certificate_refused = false;
};

/// True for errors that retrying cannot fix (bad or revoked tokens, wrong token type).
bool is_fatal_open_error(std::string_view error, int http_status);

class reconnect_policy {
public:
    reconnect_policy(const socket_mode_config& cfg, std::uint64_t seed)
        : cfg_(cfg), backoff_(cfg.backoff_initial, cfg.backoff_max, seed) {}

    /// A connection said `disconnect` with `reason`.
    reconnect_decision on_disconnect(std::string_view reason);
    /// A connection died: TCP drop, TLS error, read timeout (half-open) or a close frame.
    reconnect_decision on_connection_lost();
    /// Opening a connection failed before its hello.
    reconnect_decision on_open_failed(const open_failure& f);
    /// A connection received hello: only now is the backoff reset (resetting on TCP connect
    /// defeats the backoff: a server that accepts and then closes would be hammered).
    void on_hello() { backoff_.reset(); }

private:
    const socket_mode_config& cfg_;
    backoff backoff_;
};

/// Logs refused TLS certificates without flooding the log from a retry loop: the first
/// refusal of a host, or one with another reason than the last, at warn; a repeat at debug.
/// A host whose certificate passes again is forgotten, so its next refusal is news again.
class certificate_refusals {
public:
    /// `component` is the logger component ("web_api", "socket_mode"); `reason` the error
    /// text, e.g. "certificate verify failed (self-signed certificate in certificate chain)".
    void refused(const logger& log,
                 std::string_view component,
                 const std::string& host,
                 const std::string& reason);
    void accepted(const std::string& host);

private:
    std::map<std::string, std::string> last_reason_;  // by host
};

}  // namespace incident_bot

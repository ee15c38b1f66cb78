// Sans-io reconnect policy for one Socket Mode connection slot: events in (how a
// connection ended, how an apps.connections.open attempt failed, hello), decisions out.
// The network code only carries the decisions out (slack-protocol.md section 7).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "incident_bot/config.hpp"

namespace incident_bot {

/// Exponential backoff with jitter: attempt n waits a random time in
/// [d/2, d] where d = min(initial * 2^n, max).
class backoff {
public:
    backoff(milliseconds initial, milliseconds max, std::uint64_t seed)
        : initial_(initial), max_(max), rng_(seed) {}

    milliseconds next();
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
    /// defeats the backoff, slack-protocol.md section 7 step 5).
    void on_hello() { backoff_.reset(); }

private:
    const socket_mode_config& cfg_;
    backoff backoff_;
};

}  // namespace incident_bot

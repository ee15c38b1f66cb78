// Reconnect helpers shared by the Socket Mode slots (session_fsm.hpp) and the Web API
// client: jittered exponential backoff, and logging refused certificates once.
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

// Sans-io state machine of one Socket Mode connection slot (Boost.Redis's run_fsm is the
// model): events in (opened, open failed, disconnect reason, connection lost, woken, stop),
// the next action out. The slot's coroutine (socket_mode.cpp) only carries actions out, so
// every sequence is testable without a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "incident_bot/config.hpp"
#include "incident_bot/protocol/reconnect.hpp"

namespace incident_bot {

/// Why an apps.connections.open + connect + hello attempt failed.
struct open_failure {
    /// What kind of failure (error.hpp): errc::tls lets the backoff grow to
    /// certificate_backoff_max, a fatal code stops the bot.
    std::error_code code;
    /// Text from outside for the log: Slack's error string, the TLS library's reason.
    std::string diagnostics;
    /// Retry-After from a 429 of apps.connections.open.
    std::optional<milliseconds> retry_after;
};

/// What the slot does next. Connection bookkeeping comes first: close the live connection,
/// keep it as the retiring one, close the retiring one; then `what`.
struct session_action {
    enum class kind {
        open,   ///< apps.connections.open, connect, wait for hello; report on_opened or on_open_failed
        watch,  ///< wait until the live connection ends; report on_disconnect or on_lost
        wait,   ///< sleep `delay`, then report on_woken
        stop,   ///< leave the loop; with `code` set, the bot stops with `message`
    };
    kind what = kind::open;
    milliseconds delay{0};
    /// Close the live connection (it ended, or the slot stops).
    bool close_live = false;
    /// Refresh, make before break: the live connection keeps reading and acking as the
    /// retiring one until its replacement says hello.
    bool keep_as_retiring = false;
    /// Close the retiring connection (its replacement said hello, or the slot stops).
    bool close_retiring = false;
    /// For stop: set when Slack made the bot stop (is_fatal).
    std::error_code code;
    /// For stop with a code: the line for the person running the bot. Otherwise the reason
    /// of a reconnect, for the log.
    std::string message;
};

class session_fsm {
public:
    enum class state {
        idle,     ///< before start()
        opening,  ///< an open is under way
        live,     ///< a connection said hello and is being watched
        waiting,  ///< sleeping before the next open
        stopped,  ///< done; every event answers stop
    };

    session_fsm(const socket_mode_config& cfg, std::uint64_t seed)
        : cfg_(cfg), backoff_(cfg.backoff_initial, cfg.backoff_max, seed) {}

    session_action start();
    /// The opened connection said hello: only now is the backoff reset (resetting on TCP
    /// connect defeats it: a server that accepts and then closes would be hammered).
    session_action on_opened();
    session_action on_open_failed(const open_failure& f);
    /// The live connection said `disconnect` with `reason`.
    session_action on_disconnect(std::string_view reason);
    /// The live connection died: TCP drop, TLS error, read timeout (half-open), close frame.
    session_action on_lost();
    /// The wait is over.
    session_action on_woken();
    /// stop() was called: from any state, close everything and leave.
    session_action on_stop();

    state current() const { return state_; }
    /// A refreshed connection is still open, waiting for its replacement's hello.
    bool has_retiring() const { return retiring_; }

private:
    session_action stop_with(std::error_code code, std::string message);
    session_action wait(milliseconds delay, std::string reason, bool close_live);

    const socket_mode_config& cfg_;
    backoff backoff_;
    state state_ = state::idle;
    bool retiring_ = false;
};

}  // namespace incident_bot

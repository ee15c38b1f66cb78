// Socket Mode client: keeps N WebSocket connections to Slack alive (refreshes with overlap,
// reconnects with backoff, half-open detection), acks every envelope as one frame, drops
// redeliveries, and hands each envelope once to a handler that must not block.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/slack/ack.hpp"
#include "incident_bot/protocol/envelope.hpp"
#include "incident_bot/slack/web_api.hpp"

namespace incident_bot {

namespace detail {
struct ack_state;
}

/// Called on the network thread for every new envelope. Must return quickly: hand work to
/// another executor and ack from there.
using envelope_handler = std::function<void(envelope env, ack_handle ack)>;

/// Counters, readable from any thread.
struct socket_mode_stats {
    std::atomic<std::uint64_t> connects{0};          ///< hellos received
    std::atomic<std::uint64_t> reconnects{0};        ///< connections opened after the first
    std::atomic<std::uint64_t> refreshes{0};         ///< disconnect warning/refresh_requested
    std::atomic<std::uint64_t> envelopes{0};         ///< envelopes received (duplicates too)
    std::atomic<std::uint64_t> duplicates{0};        ///< redeliveries dropped
    std::atomic<std::uint64_t> acks{0};              ///< acks written
    std::atomic<std::uint64_t> auto_acks{0};         ///< commands/interactions acked at the deadline
    std::atomic<std::uint64_t> bad_frames{0};        ///< frames skipped as unusable
    std::atomic<int> open_connections{0};            ///< connections past hello right now
    /// Upper bounds (seconds) of the ack latency histogram: envelope read to ack queued.
    static constexpr std::array<double, 8> ack_latency_bounds = {0.001, 0.005, 0.01, 0.05,
                                                                 0.1, 0.5, 1, 2.5};
    /// Cumulative-free bucket counts (one more for +Inf) and the sum in microseconds.
    std::array<std::atomic<std::uint64_t>, 9> ack_latency_buckets{};
    std::atomic<std::uint64_t> ack_latency_sum_us{0};
};

/// How async_run ended.
struct run_outcome {
    /// True when Slack made the bot stop (bad token, link_disabled); false after stop().
    bool fatal = false;
    /// Human-readable reason for a fatal stop.
    std::string message;
};

class socket_mode_client {
public:
    /// `api` is used for apps.connections.open with the app token. Everything runs on `ex`
    /// (one thread).
    socket_mode_client(boost::asio::any_io_executor ex,
                       const config& cfg,
                       web_api& api,
                       const logger& log,
                       envelope_handler handler);
    ~socket_mode_client();
    socket_mode_client(const socket_mode_client&) = delete;
    socket_mode_client& operator=(const socket_mode_client&) = delete;

    /// Runs all connection slots until stop() or a fatal condition.
    boost::asio::awaitable<run_outcome> async_run();

    /// Closes every connection with a close frame (bounded by close_timeout) and makes
    /// async_run return. Thread-safe.
    void stop();

    const socket_mode_stats& stats() const;

private:
    friend struct detail::ack_state;
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace incident_bot

// The Socket Mode client's state, shared by its translation units: socket_mode.cpp (the
// supervisor: connection slots, opening, stop) and envelopes.cpp (frames in, dedupe, the
// handler, ack tracking and the ack deadline). Private to bot/slack.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "net/tls.hpp"
#include "incident_bot/protocol/dedupe.hpp"
#include "incident_bot/protocol/reconnect.hpp"
#include "incident_bot/protocol/session_fsm.hpp"
#include "slack/ws_connection.hpp"

namespace incident_bot {

namespace detail {

struct ack_state final : ack_sink, std::enable_shared_from_this<ack_state> {
    enum : int { pending, acked, auto_acked };
    // pending until the first ack, reject or the deadline; only that first one acts.
    std::atomic<int> status{pending};
    std::string envelope_id;
    std::string dedupe_key;  // its event_id, or the envelope_id when it has none
    bool is_event = false;
    // Where a reply goes once the envelope was acked empty at the deadline (commands and
    // block actions carry one; view submissions do not).
    std::string response_url;
    std::weak_ptr<connection> conn;
    std::weak_ptr<socket_mode_client::impl> client;
    steady::time_point received = steady::now();
    // Redeliveries of this event that arrived while it was being stored (network thread
    // only): acked together with it, so that Slack stops retrying only once it is durable.
    std::vector<std::pair<std::string, std::weak_ptr<connection>>> redeliveries;

    bool claim() {
        int expected = pending;
        return status.compare_exchange_strong(expected, acked);
    }
    void ack(json payload) override;
    void reject() override;
};

}  // namespace detail

struct socket_mode_client::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor e,
         const config& c,
         web_api& a,
         const logger& l,
         envelope_handler h)
        : ex(std::move(e)),
          cfg(c),
          api(a),
          log(l),
          handler(std::move(h)),
          tls(net::make_client_tls(c.ca_file)),
          seen(c.socket_mode.dedupe_ttl),
          deadline_timer(ex),
          done_cv(ex) {}

    asio::awaitable<void> run_slot(int slot);
    asio::awaitable<std::shared_ptr<connection>> async_open_connection(int slot,
                                                                       open_failure& failure);
    void on_frame(const std::shared_ptr<connection>& conn, std::string_view text);
    void dispatch(const std::shared_ptr<connection>& conn, envelope env);
    void write_ack(detail::ack_state& s, const json& payload);
    void late_ack(const detail::ack_state& s, json payload);
    void queue_ack(std::shared_ptr<detail::ack_state> s, json payload);
    void write_waiting_acks();
    void watch_deadline(std::shared_ptr<detail::ack_state> state);
    void arm_deadline_timer();
    void forget_acked();
    void forget(const detail::ack_state& s);
    void leave_in_flight(const detail::ack_state& s);
    void on_deadline_timer();
    void fatal(std::string message);
    void do_stop();

    asio::any_io_executor ex;
    const config& cfg;
    web_api& api;
    const logger& log;
    envelope_handler handler;
    std::shared_ptr<asio::ssl::context> tls;
    certificate_refusals refusals;  // of the wss:// host (apps.connections.open's: web_api)
    // Keyed by event_id, or envelope_id when there is none (slash commands, interactivity):
    // an unacked envelope comes back with both unchanged, a retried event with a new
    // envelope_id and the same event_id.
    dedupe_set seen;
    // Envelopes not yet acked, oldest first. One deadline applies to all, so arrival order
    // is deadline order and one timer covers them (a timer per envelope cost an allocation,
    // a timer-queue insert and a cancellation per event).
    std::deque<std::shared_ptr<detail::ack_state>> awaiting_ack;
    // Acks from other threads, written by the next write_waiting_acks on the network thread.
    std::mutex acks_mutex;
    std::vector<std::pair<std::shared_ptr<detail::ack_state>, json>> acks_waiting;
    // Events handed to the handler and not yet acked or rejected, by event_id.
    std::unordered_map<std::string, std::shared_ptr<detail::ack_state>> in_flight;
    asio::steady_timer deadline_timer;
    bool deadline_armed = false;
    socket_mode_stats stats;
    bool stopping = false;
    run_outcome outcome;
    int next_connection_id = 0;
    int running_slots = 0;
    asio::steady_timer done_cv;
    std::set<std::shared_ptr<connection>> live;       // for stop()
    std::set<asio::steady_timer*> sleepers;           // backoff waits, cancelled by stop()
};

}  // namespace incident_bot

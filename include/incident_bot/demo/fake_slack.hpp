// An in-process fake Slack on 127.0.0.1 for `incident-bot demo`, the tests and the
// benchmarks: part of the product, since the demo runs the whole job on it. The Web API
// (every call recorded, scripted answers and failures) and Socket Mode (hello, envelopes,
// redelivery of unacked events, disconnects, drops, garbage, blackholed links), over TLS
// with a per-run throwaway CA, or plain for ws:// and http://.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace incident_bot::demo {

using std::chrono::milliseconds;

/// One Web API request as the fake saw it.
struct recorded_request {
    std::string method;         ///< "chat.postMessage"
    std::string verb;           ///< "GET" or "POST"
    std::string authorization;  ///< the Authorization header
    std::string content_type;
    nlohmann::json args;        ///< query, form and JSON body arguments merged
};

/// One ack received on a Socket Mode connection.
struct recorded_ack {
    std::string envelope_id;
    nlohmann::json payload;  ///< null when the ack carried none
    std::string event_id;    ///< the acked events_api envelope's event_id (redeliveries keep it)
    int connection = 0;
    double latency_ms = 0;   ///< from our send of the envelope to the ack's arrival
};

/// Which certificate the fake presents.
enum class fake_cert { trusted, wrong_host, untrusted };

struct fake_slack_options {
    /// https:// and wss:// with a test CA (see ca_file()); false for http:// and ws://.
    bool tls = true;
    fake_cert cert = fake_cert::trusted;
    std::string app_token = "xapp-1-A0001-test";
    std::string bot_token = "xoxb-0001-test";
    /// Redeliver unacked events_api envelopes after this long (0: never), up to 3 times,
    /// with retry_attempt + 1 and retry_reason "timeout", like Slack.
    milliseconds redeliver_after{0};
    /// Slack's per-app connection cap; the next one gets disconnect/too_many_websockets.
    int max_connections = 10;
    /// Scheme of the Socket Mode URLs apps.connections.open hands out (empty: wss with TLS,
    /// ws without); "ws" on a TLS fake plays a downgraded answer.
    std::string socket_scheme;
};

class fake_slack {
public:
    explicit fake_slack(fake_slack_options opts = {});
    ~fake_slack();
    fake_slack(const fake_slack&) = delete;
    fake_slack& operator=(const fake_slack&) = delete;

    /// Web API base URL, e.g. "https://127.0.0.1:41234/api/".
    std::string api_url() const;
    /// Path of a PEM file with the test CA (empty without TLS).
    std::string ca_file() const;

    // ---- Web API ----
    using method_handler = std::function<nlohmann::json(const recorded_request&)>;
    /// Answers `method` with `h`'s JSON (default for unknown methods: {"ok":true}).
    void on(const std::string& method, method_handler h);
    /// The next `count` calls of `method` get HTTP `status` (429 with Retry-After
    /// `retry_after_s` when >= 0).
    void fail_next(const std::string& method, int status, int count = 1, int retry_after_s = -1);
    /// Requests recorded so far, all or for one method.
    std::vector<recorded_request> requests(const std::string& method = "") const;
    /// TCP connections accepted on the Web API port (to see keep-alive reuse, or count
    /// handshakes when the client refuses our certificate).
    std::size_t tcp_accepts() const;
    /// When each of those connections was accepted, oldest first (to measure backoff).
    std::vector<std::chrono::steady_clock::time_point> tcp_accept_times() const;
    /// Waits until `n` TCP connections were accepted on the Web API port.
    bool wait_for_tcp_accepts(std::size_t n, milliseconds timeout) const;
    /// Waits until `n` requests of `method` were recorded.
    bool wait_for_requests(const std::string& method, std::size_t n, milliseconds timeout) const;

    // ---- Socket Mode ----
    /// Connections that got hello and are still open.
    int live_connections() const;
    /// Successful apps.connections.open calls so far.
    std::size_t opens() const;
    bool wait_for_connections(int n, milliseconds timeout) const;
    /// Sends an envelope of `type` with `payload` and returns its envelope_id. `conn` picks a
    /// connection (index into live ones, oldest first); -1 spreads round-robin.
    std::string send_envelope(const std::string& type,
                              nlohmann::json payload,
                              int conn = -1,
                              int retry_attempt = 0);
    /// An envelope serialised ahead of sending, so that a benchmark's clock does not time
    /// the fake's own JSON work (Slack does that on its machines, not the bot's).
    struct prepared_envelope {
        std::string id, type, text;
        nlohmann::json payload;
        int retry_attempt = 0;
    };
    prepared_envelope prepare_envelope(const std::string& type, nlohmann::json payload);
    /// Sends what prepare_envelope made, as send_envelope would.
    void send_prepared(prepared_envelope e, int conn = -1);
    /// Sends an arbitrary text (or binary) frame.
    void send_raw(const std::string& data, bool binary = false, int conn = -1);
    /// Sends disconnect with `reason` on one live connection (the oldest by default).
    void send_disconnect(const std::string& reason, int conn = 0);
    /// Closes a live connection's TCP socket without a close frame.
    void drop(int conn = 0);
    /// Stops forwarding bytes on every existing connection without closing them: the link
    /// is half-open. New connections work.
    void blackhole();
    /// Acks received so far.
    std::vector<recorded_ack> acks() const;
    bool wait_for_acks(std::size_t n, milliseconds timeout) const;
    /// Waits for the ack of one envelope; nullopt on timeout.
    std::optional<recorded_ack> wait_for_ack(const std::string& envelope_id, milliseconds timeout) const;
    /// Envelopes sent but not acked.
    std::size_t unacked() const;
    /// Close frames received from the client.
    std::size_t close_frames() const;
    /// Waits until `n` close frames were received.
    bool wait_for_close_frames(std::size_t n, milliseconds timeout) const;

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace incident_bot::demo

#include "incident_bot/slack/socket_mode.hpp"

#include <deque>
#include <mutex>
#include <set>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/http_client.hpp"
#include "net/tls.hpp"
#include "protocol/dedupe.hpp"
#include "protocol/frame.hpp"
#include "protocol/reconnect.hpp"
#include "protocol/session_fsm.hpp"
#include "protocol/url.hpp"

namespace incident_bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

namespace {

// Logs exceptions escaping spawned coroutines instead of terminating.
auto log_exceptions(const logger& log, std::string what) {
    return [&log, what = std::move(what)](std::exception_ptr e) {
        if (!e) return;
        try {
            std::rethrow_exception(e);
        } catch (const boost::system::system_error& ex) {
            if (ex.code() != asio::error::operation_aborted)
                log.warn("socket_mode", what + ": " + ex.code().message());
        } catch (const std::exception& ex) {
            log.error("socket_mode", what + ": " + ex.what());
        }
    };
}

asio::awaitable<void> async_sleep(asio::steady_timer& timer, milliseconds d) {
    timer.expires_after(d);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
}

}  // namespace

// One live WebSocket. Reader and writer run as separate coroutines; whichever fails first
// marks the connection dead and closes the socket, which ends the other.
class connection : public std::enable_shared_from_this<connection> {
public:
    /// Gets each text frame, valid only during the call (it points into the read buffer).
    using frame_sink = std::function<void(const std::shared_ptr<connection>&, std::string_view)>;

    connection(int id, const socket_mode_config& cfg, const logger& log)
        : id_(id), cfg_(cfg), log_(log) {}
    virtual ~connection() = default;

    /// TCP + TLS + WebSocket upgrade to `u`, bounded by handshake_timeout. Throws on failure.
    virtual asio::awaitable<void> async_open(const url& u) = 0;
    /// Starts reading (frames go to `sink`) and writing; arms the hello watchdog.
    virtual void start(frame_sink sink) = 0;
    /// Queues one text frame (sent unfragmented).
    void send(std::string frame) {
        if (dead_) return;
        queue_.push_back(std::move(frame));
        wake_writer();
    }
    /// Close frame, then destroy the socket after close_timeout at most (Slack often never
    /// answers the close frame).
    virtual void close() = 0;
    /// Destroys the socket at once.
    virtual void abort() = 0;

    int id() const { return id_; }
    bool dead() const { return dead_; }
    bool has_hello() const { return hello_; }
    const std::string& disconnect_reason() const { return disconnect_reason_; }

    void set_hello() {
        hello_ = true;
        notify();
    }
    void set_disconnect(std::string reason) {
        if (disconnect_reason_.empty()) disconnect_reason_ = std::move(reason);
        notify();
    }

    /// Waits until hello, a disconnect or death.
    asio::awaitable<void> async_wait_change(bool want_hello) {
        while (!dead_ && disconnect_reason_.empty() && !(want_hello && hello_)) {
            state_cv_->expires_at(steady::time_point::max());
            co_await state_cv_->async_wait(asio::as_tuple(use_awaitable));
        }
    }

protected:
    void notify() {
        if (state_cv_) state_cv_->cancel();
    }
    virtual void wake_writer() = 0;

    int id_;
    const socket_mode_config& cfg_;
    const logger& log_;
    bool dead_ = false;
    bool hello_ = false;
    bool closing_ = false;
    std::string disconnect_reason_;
    std::deque<std::string> queue_;
    std::unique_ptr<asio::steady_timer> state_cv_;
};

template <class NextLayer>
class ws_connection final : public connection {
public:
    template <class... Args>
    ws_connection(int id,
                  const socket_mode_config& cfg,
                  const logger& log,
                  asio::any_io_executor ex,
                  Args&&... layer_args)
        : connection(id, cfg, log),
          ws_(std::forward<Args>(layer_args)...),
          writer_cv_(ex),
          hello_timer_(ex),
          close_timer_(ex) {
        state_cv_ = std::make_unique<asio::steady_timer>(ex);
    }

    asio::awaitable<void> async_open(const url& u) override {
        auto endpoints = co_await net::async_resolve(u.host, u.port, cfg_.handshake_timeout);
        auto& tcp = beast::get_lowest_layer(ws_);
        tcp.expires_after(cfg_.handshake_timeout);
        co_await tcp.async_connect(endpoints, use_awaitable);
        // Acks are small frames written back to back: without this, Nagle holds an ack until
        // the previous one's TCP ACK arrives, which a delayed-ACK peer sends up to 40 ms late.
        tcp.socket().set_option(asio::ip::tcp::no_delay(true));
        if constexpr (std::is_same_v<NextLayer, net::tls_stream>)
            co_await net::async_client_handshake(ws_.next_layer(), u.host, cfg_.handshake_timeout);
        tcp.expires_never();  // the WebSocket timeout option takes over from here

        websocket::stream_base::timeout t;
        t.handshake_timeout = cfg_.handshake_timeout;
        t.idle_timeout = cfg_.idle_timeout.count() ? beast::websocket::stream_base::duration(
                                                         cfg_.idle_timeout)
                                                   : websocket::stream_base::none();
        // Pings at half the idle time; a peer that answers nothing fails the read at the
        // full idle time: that is the half-open detection.
        t.keep_alive_pings = cfg_.idle_timeout.count() != 0;
        ws_.set_option(t);
        ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
            req.set(beast::http::field::user_agent, "incident-bot/0.1");
        }));
        // Slack is believed to drop fragmented client frames (slack-go); acks go out whole.
        ws_.auto_fragment(false);
        // Beast fails the whole stream above this size; our own, smaller limit skips
        // oversized frames while keeping the connection.
        ws_.read_message_max(cfg_.max_message_bytes * 4);
        const bool default_port = (u.tls() && u.port == "443") || (!u.tls() && u.port == "80");
        const std::string host_header = default_port ? u.host : u.host + ":" + u.port;
        co_await ws_.async_handshake(host_header, u.target, use_awaitable);
        // From here Beast applies handshake_timeout to the closing handshake and TLS teardown,
        // which also run after an idle timeout: keep them short or a dead peer costs seconds.
        t.handshake_timeout = cfg_.close_timeout;
        ws_.set_option(t);
    }

    void start(frame_sink sink) override {
        auto self = std::static_pointer_cast<ws_connection>(shared_from_this());
        auto ex = ws_.get_executor();
        asio::co_spawn(ex, self->read_loop(std::move(sink)), log_exceptions(log_, "reader"));
        asio::co_spawn(ex, self->write_loop(), log_exceptions(log_, "writer"));
        if (cfg_.hello_timeout.count())
            asio::co_spawn(ex, self->hello_watchdog(), log_exceptions(log_, "hello watchdog"));
    }

    void close() override {
        if (dead_ || closing_) return;
        closing_ = true;
        auto self = std::static_pointer_cast<ws_connection>(shared_from_this());
        asio::co_spawn(ws_.get_executor(), self->close_gracefully(), log_exceptions(log_, "close"));
    }

    void abort() override {
        if (dead_) return;
        mark_dead();
    }

private:
    void wake_writer() override { writer_cv_.cancel(); }

    void mark_dead() {
        if (dead_) return;
        dead_ = true;
        boost::system::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        writer_cv_.cancel();
        hello_timer_.cancel();
        close_timer_.cancel();
        notify();
    }

    asio::awaitable<void> read_loop(frame_sink sink) {
        auto self = shared_from_this();
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws_.async_read(buffer, asio::as_tuple(use_awaitable));
            if (ec) {
                if (!closing_)
                    log_.info("socket_mode", "connection " + std::to_string(id_) +
                                                 " lost: " + ec.message());
                break;
            }
            if (!ws_.got_text()) {
                log_.debug("socket_mode", "binary frame ignored");
                buffer.consume(n);
                continue;
            }
            // Parsed where it was read: the envelope owns what it keeps, so no copy of the
            // frame is needed (a flat_buffer holds one contiguous frame).
            const auto data = buffer.data();
            sink(self, std::string_view(static_cast<const char*>(data.data()), data.size()));
            buffer.consume(n);
        }
        mark_dead();
    }

    asio::awaitable<void> write_loop() {
        auto self = shared_from_this();
        while (!dead_) {
            if (queue_.empty()) {
                writer_cv_.expires_at(steady::time_point::max());
                co_await writer_cv_.async_wait(asio::as_tuple(use_awaitable));
                continue;
            }
            std::string frame = std::move(queue_.front());
            queue_.pop_front();
            ws_.text(true);
            auto [ec, n] = co_await ws_.async_write(asio::buffer(frame),
                                                    asio::as_tuple(use_awaitable));
            if (ec) {
                log_.info("socket_mode", "connection " + std::to_string(id_) +
                                             " write failed: " + ec.message());
                mark_dead();
            }
        }
    }

    asio::awaitable<void> hello_watchdog() {
        auto self = shared_from_this();
        co_await async_sleep(hello_timer_, cfg_.hello_timeout);
        if (!hello_ && !dead_) {
            log_.warn("socket_mode", "connection " + std::to_string(id_) + ": no hello within " +
                                         std::to_string(cfg_.hello_timeout.count()) + " ms");
            mark_dead();
        }
    }

    asio::awaitable<void> close_gracefully() {
        auto self = std::static_pointer_cast<ws_connection>(shared_from_this());
        // Bound the close handshake ourselves: a watchdog destroys the socket in time.
        asio::co_spawn(
            ws_.get_executor(),
            [self]() -> asio::awaitable<void> {
                co_await async_sleep(self->close_timer_, self->cfg_.close_timeout);
                self->mark_dead();
            },
            asio::detached);
        co_await ws_.async_close(websocket::close_code::normal, asio::as_tuple(use_awaitable));
        mark_dead();
    }

    websocket::stream<NextLayer> ws_;
    asio::steady_timer writer_cv_;
    asio::steady_timer hello_timer_;
    asio::steady_timer close_timer_;
};

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

void detail::ack_state::ack(json payload) {
    auto client = this->client.lock();
    if (!client) return;
    if (claim()) {
        client->queue_ack(shared_from_this(), std::move(payload));
        return;
    }
    asio::dispatch(client->ex, [s = shared_from_this(), payload = std::move(payload)]() mutable {
        if (auto client = s->client.lock()) client->late_ack(*s, std::move(payload));
    });
}

void detail::ack_state::reject() {
    if (!claim()) return;
    auto client = this->client.lock();
    if (!client) return;
    asio::dispatch(client->ex, [s = shared_from_this()] {
        if (auto client = s->client.lock()) {
            client->forget(*s);
            client->log.warn("socket_mode", "envelope " + s->envelope_id +
                                                " not acked; Slack will redeliver it");
        }
    });
}

// The store's writer acks a whole committed batch in a burst from its own thread: those
// acks share one hand-over to the network thread instead of a wake-up each.
void socket_mode_client::impl::queue_ack(std::shared_ptr<detail::ack_state> s, json payload) {
    bool first = false;
    {
        std::lock_guard lock(acks_mutex);
        first = acks_waiting.empty();
        acks_waiting.emplace_back(std::move(s), std::move(payload));
    }
    // Inline when the handler acks on the network thread itself, else queued to it once.
    if (first) asio::dispatch(ex, [self = shared_from_this()] { self->write_waiting_acks(); });
}

void socket_mode_client::impl::write_waiting_acks() {
    std::vector<std::pair<std::shared_ptr<detail::ack_state>, json>> acks;
    {
        std::lock_guard lock(acks_mutex);
        acks.swap(acks_waiting);
    }
    for (auto& [s, payload] : acks) write_ack(*s, payload);
}

// An answer that missed the deadline still reaches the person through response_url (the
// command's own ack already went out empty); a repeated ack is a bug worth a log line.
void socket_mode_client::impl::late_ack(const detail::ack_state& s, json payload) {
    if (s.status != detail::ack_state::auto_acked) {
        log.warn("socket_mode", "second ack for " + s.envelope_id + " ignored");
        return;
    }
    if (!payload.is_object()) return;  // an empty answer: the deadline's ack said it all
    if (s.response_url.empty()) {
        log.error("socket_mode", "reply to " + s.envelope_id +
                                     " came after the ack deadline and has no response_url; "
                                     "it was dropped");
        return;
    }
    log.info("socket_mode", "reply to " + s.envelope_id + " missed the ack deadline; posting "
                            "it to its response_url");
    asio::co_spawn(ex,
                   api.async_post_response_url(s.response_url, std::move(payload)),
                   [this, self = shared_from_this(), id = s.envelope_id](std::exception_ptr e,
                                                                         api_result r) {
                       if (e || !r.ok)
                           log.error("socket_mode", "late reply to " + id + " not delivered: " +
                                                        (e ? "cancelled" : r.error));
                   });
}

void socket_mode_client::impl::watch_deadline(std::shared_ptr<detail::ack_state> state) {
    awaiting_ack.push_back(std::move(state));
    arm_deadline_timer();
}

void socket_mode_client::impl::arm_deadline_timer() {
    if (deadline_armed || awaiting_ack.empty()) return;
    deadline_armed = true;
    deadline_timer.expires_at(awaiting_ack.front()->received + cfg.socket_mode.ack_deadline);
    deadline_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        self->deadline_armed = false;
        if (!ec) self->on_deadline_timer();
    });
}

// Handlers ack in about the order envelopes came, so the front is usually the one just done.
void socket_mode_client::impl::forget_acked() {
    while (!awaiting_ack.empty() && awaiting_ack.front()->status != detail::ack_state::pending)
        awaiting_ack.pop_front();
}

void socket_mode_client::impl::on_deadline_timer() {
    const auto now = steady::now();
    while (!awaiting_ack.empty()) {
        auto state = awaiting_ack.front();
        if (state->status == detail::ack_state::pending &&
            state->received + cfg.socket_mode.ack_deadline > now)
            break;
        awaiting_ack.pop_front();
        int expected = detail::ack_state::pending;
        if (!state->status.compare_exchange_strong(expected, detail::ack_state::auto_acked))
            continue;
        ++stats.auto_acks;
        log.info("socket_mode", "no answer to " + state->envelope_id + " within " +
                                    std::to_string(cfg.socket_mode.ack_deadline.count()) +
                                    " ms; acked empty, the answer will follow");
        write_ack(*state, nullptr);
    }
    arm_deadline_timer();
}

// Only this state's own entry: after a reject, a redelivery may hold the same key.
void socket_mode_client::impl::leave_in_flight(const detail::ack_state& s) {
    if (auto it = in_flight.find(s.dedupe_key); it != in_flight.end() && it->second.get() == &s)
        in_flight.erase(it);
}

void socket_mode_client::impl::forget(const detail::ack_state& s) {
    forget_acked();
    seen.erase(s.dedupe_key);
    leave_in_flight(s);
}

void socket_mode_client::impl::write_ack(detail::ack_state& s, const json& payload) {
    forget_acked();
    leave_in_flight(s);
    // The event is durable now, so the copies Slack redelivered meanwhile are acked too.
    bool redelivery_acked = false;
    for (const auto& [id, weak] : s.redeliveries) {
        if (auto c = weak.lock(); c && !c->dead()) {
            c->send(make_ack(id, nullptr));
            ++stats.acks;
            redelivery_acked = true;
        }
    }
    auto conn = s.conn.lock();
    if (!conn || conn->dead()) {
        if (redelivery_acked) return;
        // The envelope's socket is gone; an ack on another socket is not accepted, so the
        // event comes back as a retry and is handled then.
        log.warn("socket_mode", "ack for " + s.envelope_id + " lost: its connection closed");
        seen.erase(s.dedupe_key);
        return;
    }
    bool dropped = false;
    conn->send(make_ack(s.envelope_id, payload, &dropped));
    const double seconds = std::chrono::duration<double>(steady::now() - s.received).count();
    std::size_t bucket = 0;
    while (bucket < socket_mode_stats::ack_latency_bounds.size() &&
           seconds > socket_mode_stats::ack_latency_bounds[bucket])
        ++bucket;
    ++stats.ack_latency_buckets[bucket];
    stats.ack_latency_sum_us += static_cast<std::uint64_t>(seconds * 1e6);
    if (dropped)
        log.error("socket_mode", "ack payload for " + s.envelope_id +
                                     " exceeds 20 KB and was dropped; use the Web API for "
                                     "large replies");
    ++stats.acks;
}

void socket_mode_client::impl::on_frame(const std::shared_ptr<connection>& conn,
                                        std::string_view text) {
    if (text.size() > cfg.socket_mode.max_message_bytes) {
        ++stats.bad_frames;
        log.warn("socket_mode", "frame of " + std::to_string(text.size()) +
                                    " bytes exceeds max_message_bytes; skipped");
        return;
    }
    auto f = parse_frame(text);
    if (auto* h = std::get_if<hello_frame>(&f)) {
        log.info("socket_mode", "connection " + std::to_string(conn->id()) +
                                    " ready (Slack counts " + std::to_string(h->num_connections) +
                                    " connections)");
        if (h->num_connections > cfg.socket_mode.connections + 1)
            log.warn("socket_mode", "Slack counts more connections than this bot holds; "
                                    "another instance or ghost connections share the app");
        conn->set_hello();
    } else if (auto* d = std::get_if<disconnect_frame>(&f)) {
        log.info("socket_mode", "connection " + std::to_string(conn->id()) +
                                    " disconnect: " + d->reason.substr(0, 64));
        conn->set_disconnect(d->reason.empty() ? "unknown" : d->reason);
    } else if (auto* b = std::get_if<bad_frame>(&f)) {
        ++stats.bad_frames;
        log.warn("socket_mode", "frame skipped: " + b->why);
        // Ack what can be acked so Slack does not redeliver something we cannot read.
        if (!b->envelope_id.empty()) conn->send(make_ack(b->envelope_id, nullptr));
    } else {
        auto& env = std::get<envelope>(f);
        env.connection = conn->id();
        dispatch(conn, std::move(env));
    }
}

void socket_mode_client::impl::dispatch(const std::shared_ptr<connection>& conn, envelope env) {
    ++stats.envelopes;
    std::string key = env.event_id();
    if (key.empty()) key = env.envelope_id;
    if (!seen.insert(key)) {
        ++stats.duplicates;
        if (auto it = in_flight.find(key); it != in_flight.end()) {
            // The first copy is still being stored: acking this one now would tell Slack
            // the event is safe before it is. It is acked when the first copy is.
            it->second->redeliveries.emplace_back(env.envelope_id, conn);
            log.debug("socket_mode", "redelivery " + env.envelope_id + " of " + key +
                                         " waits for the first copy to be stored");
            return;
        }
        // Ack duplicates too, or Slack keeps retrying them.
        log.debug("socket_mode", "duplicate " + env.type + " " + env.envelope_id +
                                     " (retry_attempt " + std::to_string(env.retry_attempt) +
                                     ") acked and dropped");
        conn->send(make_ack(env.envelope_id, nullptr));
        ++stats.acks;
        return;
    }

    auto state = std::make_shared<detail::ack_state>();
    state->envelope_id = env.envelope_id;
    state->dedupe_key = std::move(key);
    state->conn = conn;
    state->client = weak_from_this();
    state->is_event = env.type == "events_api";
    // Events are acked once stored, never on a timer: Slack redelivers an event whose ack
    // is late, while a command or click has one chance, so those get the deadline.
    if (state->is_event) {
        in_flight.emplace(state->dedupe_key, state);
    } else if (cfg.socket_mode.ack_deadline.count()) {
        if (auto url = env.payload.find("response_url");
            url != env.payload.end() && url->is_string())
            state->response_url = url->get<std::string>();
        watch_deadline(state);
    }
    try {
        handler(std::move(env), ack_handle(state));
    } catch (const std::exception& e) {
        log.error("socket_mode", std::string("handler failed: ") + e.what());
        if (state->is_event) state->reject();
        else state->ack(nullptr);
    }
}

asio::awaitable<std::shared_ptr<connection>> socket_mode_client::impl::async_open_connection(
    int slot, open_failure& failure) {
    auto opened = co_await api.async_call("apps.connections.open", json::object(), token_kind::app);
    if (!opened.ok) {
        // slack-go reads a 404 from apps.connections.open as bad credentials.
        failure = {opened.http_status == 404 ? make_error_code(errc::invalid_auth) : opened.code,
                   opened.error,
                   opened.retry_after};
        co_return nullptr;
    }
    const std::string link = opened.body.value("url", std::string());
    auto u = parse_url(link);
    if (!u || (u->scheme != "wss" && u->scheme != "ws")) {
        failure = {errc::protocol, "apps.connections.open returned no usable ws(s):// url", {}};
        co_return nullptr;
    }
    if (!is_allowed_socket_url(*u, *parse_url(cfg.api_url))) {
        failure = {errc::protocol,
                   "apps.connections.open returned a ws:// url while the Web API is https; "
                   "refusing an unencrypted socket",
                   {}};
        co_return nullptr;
    }
    const int id = next_connection_id++;
    std::shared_ptr<connection> conn;
    if (u->tls())
        conn = std::make_shared<ws_connection<net::tls_stream>>(id, cfg.socket_mode, log, ex, ex, *tls);
    else
        conn = std::make_shared<ws_connection<beast::tcp_stream>>(id, cfg.socket_mode, log, ex, ex);
    log.info("socket_mode", "slot " + std::to_string(slot) + ": connecting connection " +
                                std::to_string(id) + " to " + u->host);
    try {
        co_await conn->async_open(*u);
    } catch (const boost::system::system_error& e) {
        if (e.code() == asio::error::operation_aborted && stopping) throw;
        // A declined upgrade (e.g. 409) means the ticket is spent: never redial it.
        const bool refused = net::is_certificate_error(e.code());
        if (refused) refusals.refused(log, "socket_mode", u->host, e.code().message());
        failure = {refused ? errc::tls : errc::network,
                   "handshake with " + u->host + " failed: " + e.code().message(),
                   {}};
        co_return nullptr;
    }
    refusals.accepted(u->host);
    live.insert(conn);
    conn->start([self = shared_from_this()](const std::shared_ptr<connection>& c, std::string_view t) {
        self->on_frame(c, t);
    });
    co_await conn->async_wait_change(/*want_hello=*/true);
    if (!conn->has_hello()) {
        live.erase(conn);
        conn->abort();
        failure = {errc::network,
                   conn->disconnect_reason().empty() ? "connection closed before hello"
                                                     : conn->disconnect_reason(),
                   {}};
        co_return nullptr;
    }
    co_return conn;
}

// Carries out the slot's session_fsm: every decision is the machine's, this only does I/O
// and keeps the counters.
asio::awaitable<void> socket_mode_client::impl::run_slot(int slot) {
    session_fsm fsm(cfg.socket_mode, static_cast<std::uint64_t>(slot) * 7919 + 1);
    asio::steady_timer sleeper(ex);
    sleepers.insert(&sleeper);
    std::shared_ptr<connection> current, retiring;
    bool first = true;

    auto retire = [this](std::shared_ptr<connection>& c) {
        if (!c) return;
        live.erase(c);
        c->close();
        c = nullptr;
        --stats.open_connections;
    };

    auto action = fsm.start();
    for (;;) {
        if (stopping && action.what != session_action::kind::stop) action = fsm.on_stop();
        if (action.close_retiring) retire(retiring);
        if (action.keep_as_retiring) {
            ++stats.refreshes;
            // Keep reading and acking on the old socket until the new one says hello.
            retiring = std::move(current);
        }
        if (action.close_live) retire(current);
        switch (action.what) {
            case session_action::kind::open: {
                open_failure failure;
                auto conn = co_await async_open_connection(slot, failure);
                if (conn) {
                    current = std::move(conn);
                    ++stats.connects;
                    ++stats.open_connections;
                    if (!first) ++stats.reconnects;
                    first = false;
                    action = fsm.on_opened();
                } else {
                    // A refused certificate was already logged once, with its host and reason.
                    const auto line = "slot " + std::to_string(slot) + ": " + failure.diagnostics;
                    if (failure.code == errc::tls) log.debug("socket_mode", line);
                    else log.warn("socket_mode", line);
                    action = fsm.on_open_failed(failure);
                }
                break;
            }
            case session_action::kind::watch:
                co_await current->async_wait_change(/*want_hello=*/false);
                action = current->dead() ? fsm.on_lost()
                                         : fsm.on_disconnect(current->disconnect_reason());
                break;
            case session_action::kind::wait:
                log.info("socket_mode", "slot " + std::to_string(slot) + ": reconnecting in " +
                                            std::to_string(action.delay.count()) + " ms");
                co_await async_sleep(sleeper, action.delay);
                action = fsm.on_woken();
                break;
            case session_action::kind::stop:
                if (action.code) fatal(action.message);
                // A connection opened while stop() ran is not the machine's to know of.
                retire(current);
                retire(retiring);
                sleepers.erase(&sleeper);
                co_return;
        }
    }
}

void socket_mode_client::impl::fatal(std::string message) {
    if (outcome.fatal) return;
    log.error("socket_mode", message);
    outcome = {true, std::move(message)};
    do_stop();
}

void socket_mode_client::impl::do_stop() {
    if (stopping) return;
    stopping = true;
    for (auto* t : sleepers) t->cancel();
    auto conns = live;
    for (const auto& c : conns) {
        c->close();
        c->set_disconnect("shutdown");  // wakes the slot waiting on it
    }
}

socket_mode_client::socket_mode_client(asio::any_io_executor ex,
                                       const config& cfg,
                                       web_api& api,
                                       const logger& log,
                                       envelope_handler handler)
    : impl_(std::make_shared<impl>(std::move(ex), cfg, api, log, std::move(handler))) {}

socket_mode_client::~socket_mode_client() = default;

const socket_mode_stats& socket_mode_client::stats() const { return impl_->stats; }

void socket_mode_client::stop() {
    asio::post(impl_->ex, [i = impl_] { i->do_stop(); });
}

asio::awaitable<run_outcome> socket_mode_client::async_run() {
    auto i = impl_;
    i->running_slots = i->cfg.socket_mode.connections;
    for (int slot = 0; slot < i->cfg.socket_mode.connections; ++slot)
        asio::co_spawn(i->ex, i->run_slot(slot), [i](std::exception_ptr e) {
            log_exceptions(i->log, "slot")(e);
            if (e) i->fatal("connection slot failed unexpectedly");
            --i->running_slots;
            i->done_cv.cancel();
        });
    while (i->running_slots > 0) {
        i->done_cv.expires_at(steady::time_point::max());
        co_await i->done_cv.async_wait(asio::as_tuple(use_awaitable));
    }
    co_return i->outcome;
}

}  // namespace incident_bot

// Envelopes in and acks out: each frame is parsed, deduped and handed to the handler with an
// ack handle; acks from any thread are written on the network thread, in the connection the
// envelope came on (or a live one), and commands and interactivity past the ack deadline are
// acked empty with their answer sent through response_url. Events are never acked by time.
#include "slack/socket_mode_impl.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "incident_bot/failpoint.hpp"
#include "incident_bot/protocol/frame.hpp"

namespace incident_bot {

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
    failpoint(failpoints::ack_sending);
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
        if (const auto url = env.payload.root().string("response_url"))
            state->response_url = *url;
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

}  // namespace incident_bot

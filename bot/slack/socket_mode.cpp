// The Socket Mode supervisor: N connection slots, each opening a fresh URL with
// apps.connections.open and running the session state machine's actions (connect, refresh
// make-before-break, back off, stop); and the client's public face.
#include "slack/socket_mode_impl.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>


namespace incident_bot {

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

// One Socket Mode WebSocket (the transport): TCP, TLS and the upgrade, then the reader, the
// writer and the hello watchdog as one group per connection, and a bounded close. Private
// to bot/slack; included by the client's translation units only (it holds Beast).
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "incident_bot/slack/socket_mode.hpp"
#include "net/coalescing_stream.hpp"
#include "net/http_client.hpp"
#include "net/tls.hpp"
#include "incident_bot/protocol/url.hpp"

namespace incident_bot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::use_awaitable;
using json = nlohmann::json;
using steady = std::chrono::steady_clock;

namespace detail {

// Logs exceptions escaping spawned coroutines instead of terminating.
inline auto log_exceptions(const logger& log, std::string what) {
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

inline asio::awaitable<void> async_sleep(asio::steady_timer& timer, milliseconds d) {
    timer.expires_after(d);
    co_await timer.async_wait(asio::as_tuple(use_awaitable));
}

}  // namespace detail

using detail::async_sleep;
using detail::log_exceptions;

// One live WebSocket. Reader, writer and hello watchdog run as one group: whichever ends
// first marks the connection dead and closes the socket, and the group cancels the others.
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
            co_await net::async_client_handshake(ws_.next_layer().next_layer(), u.host,
                                                 cfg_.handshake_timeout);
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
        asio::co_spawn(ws_.get_executor(), self->run(std::move(sink)), log_exceptions(log_, "connection"));
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

    // The group owns the connection until its three parts have ended; each part marks the
    // connection dead before it ends, so the others stop even without the cancellation.
    asio::awaitable<void> run(frame_sink sink) {
        auto self = shared_from_this();
        auto ex = ws_.get_executor();
        auto group = asio::experimental::make_parallel_group(
            asio::co_spawn(ex, read_loop(std::move(sink)), asio::deferred),
            asio::co_spawn(ex, write_loop(), asio::deferred),
            asio::co_spawn(ex, hello_watchdog(), asio::deferred));
        auto [order, read_error, write_error, watchdog_error] = co_await group.async_wait(
            asio::experimental::wait_for_one(), use_awaitable);
        mark_dead();
        log_exceptions(log_, "reader")(read_error);
        log_exceptions(log_, "writer")(write_error);
        log_exceptions(log_, "hello watchdog")(watchdog_error);
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
        const auto cancelled = co_await asio::this_coro::cancellation_state;
        while (!dead_ && cancelled.cancelled() == asio::cancellation_type::none) {
            if (queue_.empty()) {
                writer_cv_.expires_at(steady::time_point::max());
                co_await writer_cv_.async_wait(asio::as_tuple(use_awaitable));
                continue;
            }
            std::string frame = std::move(queue_.front());
            queue_.pop_front();
            // A burst of acks goes out in one write: each is held while another is queued.
            if (!queue_.empty()) ws_.next_layer().hold_next_write();
            ws_.text(true);
            auto [ec, n] = co_await ws_.async_write(asio::buffer(frame),
                                                    asio::as_tuple(use_awaitable));
            if (ec) {
                log_.info("socket_mode", "connection " + std::to_string(id_) +
                                             " write failed: " + ec.message());
                mark_dead();
            }
        }
        mark_dead();
    }

    // Ends the connection when no hello comes in time; after a hello it only waits for the
    // connection's end (mark_dead or the group's cancellation).
    asio::awaitable<void> hello_watchdog() {
        if (cfg_.hello_timeout.count()) {
            co_await async_sleep(hello_timer_, cfg_.hello_timeout);
            if (!hello_ && !dead_) {
                log_.warn("socket_mode", "connection " + std::to_string(id_) +
                                             ": no hello within " +
                                             std::to_string(cfg_.hello_timeout.count()) + " ms");
                mark_dead();
            }
        }
        if (dead_) co_return;
        hello_timer_.expires_at(steady::time_point::max());
        co_await hello_timer_.async_wait(asio::as_tuple(use_awaitable));
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

    websocket::stream<net::coalescing_stream<NextLayer>> ws_;
    asio::steady_timer writer_cv_;
    asio::steady_timer hello_timer_;
    asio::steady_timer close_timer_;
};

}  // namespace incident_bot

// A stream layer under the WebSocket that can hold writes back and send them as one. Acks
// leave in bursts (a group commit makes a few dozen durable at once) and Beast writes each
// message on its own: one TLS record and one sendmsg per ack, about a tenth of the bot's
// CPU at full speed. When the writer says another frame follows, this layer copies the
// next write's bytes aside and completes it at once; the next write that is not held sends
// everything together. A hold covers one write only, so a control frame Beast sends on its
// own (a pong, the close frame) is never kept back, and neither is what was held before it.
// Beast serializes its writes, so at most one write is ever in flight here. Private to bot/slack and bot/net (it holds Beast).
#pragma once

#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace incident_bot::net {

template <class NextLayer>
class coalescing_stream {
public:
    using executor_type = typename NextLayer::executor_type;

    template <class... Args>
    explicit coalescing_stream(Args&&... args) : next_(std::forward<Args>(args)...) {}

    executor_type get_executor() noexcept { return next_.get_executor(); }
    NextLayer& next_layer() noexcept { return next_; }
    const NextLayer& next_layer() const noexcept { return next_; }

    /// Keeps the next write back: the caller promises another write after it.
    void hold_next_write() noexcept { hold_next_ = true; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return next_.async_read_some(buffers, std::forward<Token>(token));
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::beast::error_code, std::size_t)>(
            write_op<ConstBuffers>{*this, buffers}, token, next_);
    }

private:
    template <class ConstBuffers>
    struct write_op {
        coalescing_stream& s;
        ConstBuffers buffers;
        std::size_t size = 0;
        enum { start, passed_on, held, flushed } state = start;

        template <class Self>
        void operator()(Self& self, boost::beast::error_code ec = {}, std::size_t n = 0) {
            switch (state) {
                case start: {
                    const bool hold = std::exchange(s.hold_next_, false);
                    if (!hold && s.pending_.empty()) {
                        state = passed_on;
                        s.next_.async_write_some(buffers, std::move(self));
                        return;
                    }
                    for (auto it = boost::asio::buffer_sequence_begin(buffers);
                         it != boost::asio::buffer_sequence_end(buffers); ++it) {
                        const boost::asio::const_buffer b(*it);
                        s.pending_.append(static_cast<const char*>(b.data()), b.size());
                        size += b.size();
                    }
                    if (hold) {
                        state = held;
                        boost::asio::post(s.next_.get_executor(), std::move(self));
                        return;
                    }
                    state = flushed;
                    s.in_flight_.swap(s.pending_);
                    boost::asio::async_write(s.next_, boost::asio::buffer(s.in_flight_),
                                             std::move(self));
                    return;
                }
                case passed_on:
                    self.complete(ec, n);
                    return;
                case held:
                    self.complete({}, size);
                    return;
                case flushed:
                    s.in_flight_.clear();
                    self.complete(ec, ec ? 0 : size);
                    return;
            }
        }
    };

    NextLayer next_;
    bool hold_next_ = false;
    std::string pending_;    // held bytes, in write order
    std::string in_flight_;  // the bytes of the one flush under way
};

/// The WebSocket's closing handshake tears down the layer below.
template <class NextLayer, class Handler>
void async_teardown(boost::beast::role_type role, coalescing_stream<NextLayer>& s, Handler&& handler) {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::forward<Handler>(handler));
}

}  // namespace incident_bot::net

// The write-coalescing layer under the Socket Mode WebSocket, on a real loopback TCP pair:
// what a hold keeps back leaves with the next write, in order, in one write to the socket.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <string>
#include <vector>

#include "net/coalescing_stream.hpp"

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// A socket that counts the writes that reach it.
struct counting_socket {
    using executor_type = tcp::socket::executor_type;
    explicit counting_socket(asio::io_context& io) : socket(io) {}
    executor_type get_executor() { return socket.get_executor(); }
    template <class Buffers, class Token>
    auto async_write_some(const Buffers& b, Token&& t) {
        ++writes;
        return socket.async_write_some(b, std::forward<Token>(t));
    }
    template <class Buffers, class Token>
    auto async_read_some(const Buffers& b, Token&& t) {
        return socket.async_read_some(b, std::forward<Token>(t));
    }
    tcp::socket socket;
    int writes = 0;
};

struct loopback {
    asio::io_context io;
    incident_bot::net::coalescing_stream<counting_socket> client{io};
    tcp::socket server{io};

    loopback() {
        tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        client.next_layer().socket.connect(acceptor.local_endpoint());
        acceptor.accept(server);
    }

    // Writes each text in turn (each starts when the previous completed, as Beast does),
    // holding those marked; returns the sizes the writes completed with.
    std::vector<std::size_t> write(const std::vector<std::pair<std::string, bool>>& texts) {
        std::vector<std::size_t> done;
        std::size_t next = 0;
        std::function<void()> start = [&] {
            if (next == texts.size()) return;
            const auto& [text, hold] = texts[next++];
            if (hold) client.hold_next_write();
            asio::async_write(client, asio::buffer(text), [&](boost::system::error_code ec, std::size_t n) {
                EXPECT_FALSE(ec) << ec.message();
                done.push_back(n);
                start();
            });
        };
        start();
        io.run();
        io.restart();
        return done;
    }

    std::string received(std::size_t n) {
        std::string out(n, '\0');
        asio::read(server, asio::buffer(out));
        return out;
    }
};

TEST(CoalescingStream, HeldWritesLeaveWithTheNextInOneWrite) {
    loopback l;
    const auto sizes = l.write({{"ack-1,", true}, {"ack-22,", true}, {"ack-333", false}});
    EXPECT_EQ(sizes, (std::vector<std::size_t>{6, 7, 7}));
    EXPECT_EQ(l.received(20), "ack-1,ack-22,ack-333");
    EXPECT_EQ(l.client.next_layer().writes, 1);
}

TEST(CoalescingStream, AHoldCoversOneWriteOnly) {
    loopback l;
    l.write({{"a", true}, {"b", false}, {"c", false}});
    EXPECT_EQ(l.received(3), "abc");
    EXPECT_EQ(l.client.next_layer().writes, 2);  // "ab" together, then "c" on its own
}

TEST(CoalescingStream, WritesWithoutHoldsPassStraightThrough) {
    loopback l;
    l.write({{"one", false}, {"two", false}});
    EXPECT_EQ(l.received(6), "onetwo");
    EXPECT_EQ(l.client.next_layer().writes, 2);
}

}  // namespace

#include "incident_bot/net/http_server.hpp"

#include <list>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "incident_bot/config.hpp"

namespace incident_bot::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

struct http_server::impl : std::enable_shared_from_this<impl> {
    impl(asio::any_io_executor ex, handler h, const logger& l, http_server_limits lim)
        : acceptor(ex), pause(ex), on_request(std::move(h)), log(l), limits(lim) {}

    // One accepted socket. `waiting` while it reads a request (idle keep-alive included):
    // such a connection may be closed to make room for a newcomer.
    struct connection {
        explicit connection(tcp::socket s) : stream(std::move(s)) {}
        beast::tcp_stream stream;
        bool waiting = true;
        bool listed = false;
        std::list<std::shared_ptr<connection>>::iterator pos;
    };

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        bool failing = false;
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
            if (!acceptor.is_open()) co_return;  // stopped
            if (ec) {
                // EMFILE, ENFILE, ENOBUFS, ECONNABORTED: the listening socket is fine and the
                // condition passes, so retry after a pause instead of spinning or giving up.
                if (!failing) log.warn("http", "accept failed: " + ec.message() + "; retrying");
                failing = true;
                pause.expires_after(limits.accept_pause);
                co_await pause.async_wait(tuple_awaitable);
                continue;
            }
            if (failing) log.info("http", "accepting again");
            failing = false;
            if (connections.size() >= limits.max_connections && !drop_longest_waiting()) {
                boost::system::error_code ignored;
                socket.close(ignored);  // every connection is busy answering
                continue;
            }
            auto c = std::make_shared<connection>(std::move(socket));
            c->pos = connections.insert(connections.end(), c);
            c->listed = true;
            asio::co_spawn(acceptor.get_executor(), serve(std::move(c)), asio::detached);
        }
    }

    // Closes the connection that has waited longest for a request; false when none waits.
    bool drop_longest_waiting() {
        for (auto& c : connections) {
            if (!c->waiting) continue;
            auto victim = c;  // keep it alive past unlist
            unlist(*victim);
            victim->stream.close();  // its pending read ends with operation_aborted
            return true;
        }
        return false;
    }

    void unlist(connection& c) {
        if (!c.listed) return;
        connections.erase(c.pos);
        c.listed = false;
    }

    asio::awaitable<void> serve(std::shared_ptr<connection> c) {
        auto self = shared_from_this();
        struct unlist_on_exit {
            impl& server;
            connection& c;
            ~unlist_on_exit() { server.unlist(c); }
        } guard{*this, *c};
        beast::flat_buffer buffer;
        while (c->listed) {
            // The longest-waiting connection is the first one dropped for a newcomer.
            c->waiting = true;
            connections.splice(connections.end(), connections, c->pos);
            // Headers only: nothing we answer needs a body, so none is ever read.
            http::request_parser<http::empty_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
            c->stream.expires_after(limits.request_timeout);
            auto [ec, n] =
                co_await http::async_read_header(c->stream, buffer, parser, tuple_awaitable);
            if (ec) co_return;
            c->waiting = false;
            const auto& req = parser.get();
            http::response<http::string_body> res;
            // Refusals are answered right after the headers, and the connection is closed:
            // whatever body follows is never read.
            if (req.method() != http::verb::get && req.method() != http::verb::head) {
                res = reply(req, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"});
                res.set(http::field::allow, "GET, HEAD");
                res.keep_alive(false);
            } else if (!parser.is_done()) {
                res = reply(req, {413, "text/plain; charset=utf-8", "no request body expected\n"});
                res.keep_alive(false);
            } else {
                res = reply(
                    req, on_request(std::string(req.target().substr(0, req.target().find('?')))));
            }
            if (req.method() == http::verb::head) res.body().clear();
            res.prepare_payload();
            c->stream.expires_after(limits.request_timeout);
            auto [wec, w] = co_await http::async_write(c->stream, res, tuple_awaitable);
            if (wec || !res.keep_alive()) co_return;
        }
    }

    static http::response<http::string_body> reply(const http::request<http::empty_body>& req,
                                                   http_reply r) {
        http::response<http::string_body> res{static_cast<http::status>(r.status), req.version()};
        res.set(http::field::content_type, r.content_type);
        res.keep_alive(req.keep_alive());
        res.body() = std::move(r.body);
        return res;
    }

    tcp::acceptor acceptor;
    asio::steady_timer pause;
    handler on_request;
    const logger& log;
    const http_server_limits limits;
    // Open connections, the one that started waiting for a request longest ago first.
    std::list<std::shared_ptr<connection>> connections;
};

http_server::http_server(asio::any_io_executor ex,
                         const std::string& listen,
                         handler h,
                         const logger& log,
                         http_server_limits limits)
    : impl_(std::make_shared<impl>(ex, std::move(h), log, limits)) {
    const auto colon = listen.rfind(':');
    std::string host = colon == std::string::npos ? "" : listen.substr(0, colon);
    const std::string port_text = colon == std::string::npos ? listen : listen.substr(colon + 1);
    if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "127.0.0.1";
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec || port_text.empty() || port_text.find_first_not_of("0123456789") != std::string::npos ||
        port_text.size() > 5)
        throw config_error("setting 'INCIDENT_BOT_HTTP': expected ADDRESS:PORT, got '" + listen + "'");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(std::stoi(port_text)));
    auto& a = impl_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw config_error("setting 'INCIDENT_BOT_HTTP': cannot listen on " + listen + ": " + ec.message());
    log.info("http", "health and metrics on http://" + host + ":" + std::to_string(port()) +
                         "/healthz and /metrics");
    asio::co_spawn(ex, impl_->accept_loop(), asio::detached);
}

http_server::~http_server() { stop(); }

unsigned short http_server::port() const { return impl_->acceptor.local_endpoint().port(); }

void http_server::stop() {
    asio::post(impl_->acceptor.get_executor(), [i = impl_] {
        boost::system::error_code ignored;
        i->acceptor.close(ignored);
        i->pause.cancel();
    });
}

}  // namespace incident_bot::net

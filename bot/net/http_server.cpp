#include "net/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
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
    impl(asio::any_io_executor ex, handler h, const logger& l)
        : acceptor(ex), on_request(std::move(h)), log(l) {}

    asio::awaitable<void> accept_loop() {
        auto self = shared_from_this();
        for (;;) {
            auto [ec, socket] = co_await acceptor.async_accept(tuple_awaitable);
            if (ec) co_return;
            asio::co_spawn(acceptor.get_executor(), serve(beast::tcp_stream(std::move(socket))),
                           asio::detached);
        }
    }

    asio::awaitable<void> serve(beast::tcp_stream stream) {
        auto self = shared_from_this();
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            stream.expires_after(std::chrono::seconds(10));  // idle scrapers do not pin sockets
            auto [ec, n] = co_await http::async_read(stream, buffer, req, tuple_awaitable);
            if (ec) co_return;
            http_reply reply;
            if (req.method() != http::verb::get && req.method() != http::verb::head)
                reply = {405, "text/plain; charset=utf-8", "only GET\n"};
            else
                reply = on_request(std::string(req.target().substr(0, req.target().find('?'))));
            http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
            res.set(http::field::content_type, reply.content_type);
            res.keep_alive(req.keep_alive());
            if (req.method() != http::verb::head) res.body() = std::move(reply.body);
            res.prepare_payload();
            auto [wec, w] = co_await http::async_write(stream, res, tuple_awaitable);
            if (wec || !res.keep_alive()) co_return;
        }
    }

    tcp::acceptor acceptor;
    handler on_request;
    const logger& log;
};

http_server::http_server(asio::any_io_executor ex, const std::string& listen, handler h, const logger& log)
    : impl_(std::make_shared<impl>(ex, std::move(h), log)) {
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
    });
}

}  // namespace incident_bot::net

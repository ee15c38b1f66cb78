#include "net/http_client.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/version.hpp>

#include "net/tls.hpp"

namespace incident_bot::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

asio::awaitable<std::vector<asio::ip::tcp::endpoint>> async_resolve(
    const std::string& host, const std::string& port, std::chrono::milliseconds timeout) {
    auto ex = co_await asio::this_coro::executor;
    boost::system::error_code ec;
    const auto literal = asio::ip::make_address(host, ec);
    if (!ec) co_return std::vector{asio::ip::tcp::endpoint(literal, std::stoi(port))};

    asio::ip::tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, timeout);
    auto result = co_await (resolver.async_resolve(host, port, use_awaitable) ||
                            timer.async_wait(use_awaitable));
    if (result.index() == 1) throw boost::system::system_error(asio::error::timed_out, "resolve");
    std::vector<asio::ip::tcp::endpoint> out;
    for (const auto& entry : std::get<0>(result)) out.push_back(entry.endpoint());
    co_return out;
}

struct http_client::connection {
    std::string key;
    std::unique_ptr<beast::tcp_stream> plain;
    std::unique_ptr<tls_stream> secure;
    beast::flat_buffer buffer;

    beast::tcp_stream& lowest() { return secure ? secure->next_layer() : *plain; }
};

namespace {

std::string pool_key(const url& u) { return u.scheme + "://" + u.host + ":" + u.port; }

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v) {
    if (v.empty() || v.size() > 6) return std::nullopt;
    long long secs = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        secs = secs * 10 + (c - '0');
    }
    return std::chrono::seconds(secs);
}

}  // namespace

http_client::http_client(asio::any_io_executor ex,
                         std::shared_ptr<asio::ssl::context> tls,
                         std::chrono::milliseconds timeout,
                         std::size_t max_idle_per_host)
    : ex_(std::move(ex)), tls_(std::move(tls)), timeout_(timeout), max_idle_(max_idle_per_host) {}

http_client::~http_client() = default;

void http_client::close_idle() { idle_.clear(); }

asio::awaitable<std::unique_ptr<http_client::connection>> http_client::async_connect(const url& u) {
    auto c = std::make_unique<connection>();
    c->key = pool_key(u);
    const auto endpoints = co_await async_resolve(u.host, u.port, timeout_);
    if (u.tls()) c->secure = std::make_unique<tls_stream>(ex_, *tls_);
    else c->plain = std::make_unique<beast::tcp_stream>(ex_);
    c->lowest().expires_after(timeout_);
    co_await c->lowest().async_connect(endpoints, use_awaitable);
    c->lowest().socket().set_option(asio::ip::tcp::no_delay(true));  // requests are small writes
    if (c->secure) co_await async_client_handshake(*c->secure, u.host, timeout_);
    co_return c;
}

asio::awaitable<http_response> http_client::async_exchange(connection& c,
                                                           const url& u,
                                                           const http_request& r) {
    http::request<http::string_body> req{r.verb, r.target.empty() ? u.target : r.target, 11};
    const bool default_port = (u.tls() && u.port == "443") || (!u.tls() && u.port == "80");
    req.set(http::field::host, default_port ? u.host : u.host + ":" + u.port);
    req.set(http::field::user_agent, "incident-bot/0.1");
    req.set(http::field::accept, "application/json");
    if (!r.authorization.empty()) req.set(http::field::authorization, r.authorization);
    if (!r.content_type.empty()) req.set(http::field::content_type, r.content_type);
    req.keep_alive(true);
    req.body() = r.body;
    req.prepare_payload();

    http::response_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    c.lowest().expires_after(timeout_);
    if (c.secure) {
        co_await http::async_write(*c.secure, req, use_awaitable);
        co_await http::async_read(*c.secure, c.buffer, parser, use_awaitable);
    } else {
        co_await http::async_write(*c.plain, req, use_awaitable);
        co_await http::async_read(*c.plain, c.buffer, parser, use_awaitable);
    }
    c.lowest().expires_never();
    auto res = parser.release();
    http_response out;
    out.status = res.result_int();
    out.retry_after = parse_retry_after(res[http::field::retry_after]);
    out.body = std::move(res.body());
    if (!res.keep_alive()) c.key.clear();  // not reusable
    co_return out;
}

asio::awaitable<http_response> http_client::async_send(const url& base, http_request req) {
    const std::string key = pool_key(base);
    std::unique_ptr<connection> c;
    bool reused = false;
    if (auto it = idle_.find(key); it != idle_.end() && !it->second.empty()) {
        c = std::move(it->second.back());
        it->second.pop_back();
        reused = true;
    }
    if (!c) c = co_await async_connect(base);

    http_response res;
    try {
        res = co_await async_exchange(*c, base, req);
    } catch (const boost::system::system_error&) {
        // The server may have closed an idle keep-alive connection; that is not a failure
        // of this request, so try once more on a fresh connection.
        if (!reused) throw;
        c = nullptr;
    }
    if (!c) {
        c = co_await async_connect(base);
        res = co_await async_exchange(*c, base, req);
    }
    if (!c->key.empty()) {
        auto& pool = idle_[key];
        if (pool.size() < max_idle_) pool.push_back(std::move(c));
    }
    co_return res;
}

}  // namespace incident_bot::net

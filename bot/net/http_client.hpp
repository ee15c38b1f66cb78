// A small HTTP/1.1 client over TCP or TLS with per-host keep-alive connection reuse and a
// bound on every step. Internal to bot_net; the Web API facade sits on top.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/verb.hpp>

#include "incident_bot/protocol/url.hpp"

namespace incident_bot::net {

/// A finished HTTP exchange.
struct http_response {
    unsigned status = 0;
    std::string body;
    /// Parsed Retry-After (delta-seconds form), when present.
    std::optional<std::chrono::milliseconds> retry_after;
};

/// One request; `target` overrides the URL's target when not empty.
struct http_request {
    boost::beast::http::verb verb = boost::beast::http::verb::post;
    std::string target;
    std::string content_type;
    std::string authorization;  ///< full header value, e.g. "Bearer xoxb-..."
    std::string body;
};

class http_client {
public:
    http_client(boost::asio::any_io_executor ex,
                std::shared_ptr<boost::asio::ssl::context> tls,
                std::chrono::milliseconds timeout,
                std::size_t max_idle_per_host);
    ~http_client();

    /// Sends `req` to `base`'s host and returns the response. Throws boost::system::system_error
    /// on transport failures (DNS, connect, TLS, timeout, malformed response). A reused
    /// keep-alive connection that turns out to be closed is retried once on a fresh one.
    boost::asio::awaitable<http_response> async_send(const url& base, http_request req);

    /// Drops idle connections (shutdown).
    void close_idle();

private:
    struct connection;
    boost::asio::awaitable<std::unique_ptr<connection>> async_connect(const url& u);
    boost::asio::awaitable<http_response> async_exchange(connection& c,
                                                         const url& u,
                                                         const http_request& req);

    boost::asio::any_io_executor ex_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    std::chrono::milliseconds timeout_;
    std::size_t max_idle_;
    std::map<std::string, std::vector<std::unique_ptr<connection>>> idle_;
};

/// Resolves `host:port` with a bound (Asio's resolver has none of its own).
boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> async_resolve(
    const std::string& host, const std::string& port, std::chrono::milliseconds timeout);

}  // namespace incident_bot::net

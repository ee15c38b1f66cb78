// A tiny HTTP/1.1 server for the local health and metrics endpoint (plain HTTP, loopback by
// default). Handlers run on the server's executor, the bot's network thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "incident_bot/log.hpp"

namespace incident_bot::net {

/// Status code, content type and body for one request target ("/healthz").
struct http_reply {
    unsigned status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// Bounds that keep an unauthenticated endpoint from pinning the bot's memory or sockets.
struct http_server_limits {
    /// Connections held open at most. A newcomer beyond it takes the place of the connection
    /// that has waited longest for a request, so idle or slow clients cannot lock out the
    /// kubelet's probes; when every connection is busy answering, the newcomer is closed.
    std::size_t max_connections = 64;
    /// Request line plus headers, in bytes; more closes the connection.
    std::size_t max_header_bytes = 8 * 1024;
    /// Bound on reading one request and writing its answer.
    std::chrono::milliseconds request_timeout{10'000};
    /// Pause after a failed accept (file descriptors exhausted, ...) before the next one.
    std::chrono::milliseconds accept_pause{100};
};

class http_server {
public:
    using handler = std::function<http_reply(const std::string& target)>;

    /// Listens on `listen` ("ADDRESS:PORT", or ":PORT"/"PORT" for 127.0.0.1; port 0 picks a
    /// free one). Answers GET and HEAD only (405 otherwise, 413 for a request with a body).
    /// Throws config_error naming INCIDENT_BOT_HTTP when it cannot listen.
    http_server(boost::asio::any_io_executor ex,
                const std::string& listen,
                handler h,
                const logger& log,
                http_server_limits limits = {});
    ~http_server();

    /// The bound port.
    unsigned short port() const;
    /// Stops accepting; open requests finish.
    void stop();

private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace incident_bot::net

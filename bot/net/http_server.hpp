// A tiny HTTP/1.1 server for the local health and metrics endpoint (plain HTTP, loopback by
// default). Handlers run on the server's executor, the bot's network thread.
#pragma once

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

class http_server {
public:
    using handler = std::function<http_reply(const std::string& target)>;

    /// Listens on `listen` ("ADDRESS:PORT", or ":PORT"/"PORT" for 127.0.0.1; port 0 picks a
    /// free one). Throws config_error naming INCIDENT_BOT_HTTP when it cannot listen.
    http_server(boost::asio::any_io_executor ex, const std::string& listen, handler h, const logger& log);
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

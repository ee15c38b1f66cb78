// TLS client setup shared by the Web API client and Socket Mode: certificate chain and host
// name verification against the system store plus an optional extra CA bundle.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

namespace incident_bot::net {

using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

/// A TLS 1.2+ client context that verifies peers against the system CA store and, when
/// `ca_file` is not empty, the PEM bundle in it. Throws config_error when the file cannot
/// be loaded, naming INCIDENT_BOT_CA_FILE.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const std::string& ca_file);

/// Errors for a peer certificate we refused: the value is OpenSSL's verify result
/// (X509_V_ERR_*), the message "certificate verify failed (<OpenSSL's reason>)".
const boost::system::error_category& certificate_category();

/// True when `ec` is a refused certificate (untrusted chain, expired, wrong host). Unlike a
/// network error it does not go away on a quick retry: the peer or our CA bundle must change.
bool is_certificate_error(const boost::system::error_code& ec);

/// The client handshake with `host` on a connected `stream`, bounded by `timeout`: SNI (not
/// for IP literals, RFC 6066) and verification of the chain and of the host name (or IP).
/// Throws boost::system::system_error; a refused certificate carries a certificate_category()
/// code that says why, where OpenSSL's own error only says "certificate verify failed".
boost::asio::awaitable<void> async_client_handshake(tls_stream& stream,
                                                    const std::string& host,
                                                    std::chrono::milliseconds timeout);

}  // namespace incident_bot::net

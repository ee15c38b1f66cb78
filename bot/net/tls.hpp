// TLS client setup shared by the Web API client and Socket Mode: certificate chain and host
// name verification against the system store plus an optional extra CA bundle.
#pragma once

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace incident_bot::net {

using tls_stream = boost::asio::ssl::stream<boost::beast::tcp_stream>;

/// A TLS 1.2+ client context that verifies peers against the system CA store and, when
/// `ca_file` is not empty, the PEM bundle in it. Throws config_error when the file cannot
/// be loaded, naming INCIDENT_BOT_CA_FILE.
std::shared_ptr<boost::asio::ssl::context> make_client_tls(const std::string& ca_file);

/// Prepares `stream` for a handshake with `host`: SNI (not for IP literals, RFC 6066) and
/// host-name (or IP) verification of the certificate.
void prepare_client_stream(tls_stream& stream, const std::string& host);

}  // namespace incident_bot::net

#include "net/tls.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/errc.hpp>
#include <boost/system/system_error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "incident_bot/config.hpp"
#include "incident_bot/protocol/url.hpp"

namespace incident_bot::net {

namespace asio = boost::asio;
namespace ssl = asio::ssl;

std::shared_ptr<ssl::context> make_client_tls(const std::string& ca_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_default_verify_paths();
    if (!ca_file.empty()) {
        boost::system::error_code ec;
        ctx->load_verify_file(ca_file, ec);
        if (ec)
            throw config_error("setting 'INCIDENT_BOT_CA_FILE': cannot load CA bundle '" +
                               ca_file + "': " + ec.message());
    }
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
    return ctx;
}

namespace {

class certificate_category_impl final : public boost::system::error_category {
public:
    const char* name() const noexcept override { return "tls certificate"; }
    std::string message(int verify_result) const override {
        return std::string("certificate verify failed (") +
               X509_verify_cert_error_string(verify_result) + ")";
    }
};

}  // namespace

const boost::system::error_category& certificate_category() {
    static const certificate_category_impl category;
    return category;
}

bool is_certificate_error(const boost::system::error_code& ec) {
    return ec.category() == certificate_category();
}

asio::awaitable<void> async_client_handshake(tls_stream& stream,
                                             const std::string& host,
                                             std::chrono::milliseconds timeout) {
    SSL* ssl_handle = stream.native_handle();
    if (!is_ip_literal(host)) SSL_set_tlsext_host_name(ssl_handle, host.c_str());
    // Asio sets SSL_MODE_RELEASE_BUFFERS on every stream: OpenSSL then frees its ~17 KB read
    // and write buffers whenever they drain and mallocs them again for the next record, once
    // per frame each way (perf, bench_net_bot_load). Two buffers per connection are cheap;
    // keep them.
    SSL_clear_mode(ssl_handle, SSL_MODE_RELEASE_BUFFERS);
    // OpenSSL's own host check (IP literals against IP SANs, names against DNS SANs, as
    // X509_check_host/ip with no flags): unlike a verify callback, a mismatch then leaves
    // a verify result that names it, so the log can say why.
    const int host_set =
        is_ip_literal(host)
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), host.c_str())
            : SSL_set1_host(ssl_handle, host.c_str());
    if (host_set != 1)
        throw boost::system::system_error(
            boost::system::errc::make_error_code(boost::system::errc::invalid_argument),
            "cannot check a certificate against '" + host + "'");

    boost::beast::get_lowest_layer(stream).expires_after(timeout);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::client,
                                                asio::as_tuple(asio::use_awaitable));
    if (!ec) co_return;
    const long verify_result = SSL_get_verify_result(ssl_handle);
    if (ec.category() == asio::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED &&
        verify_result != X509_V_OK)
        throw boost::system::system_error(
            boost::system::error_code(static_cast<int>(verify_result), certificate_category()));
    throw boost::system::system_error(ec);
}

}  // namespace incident_bot::net

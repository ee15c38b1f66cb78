#include "net/tls.hpp"

#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>

#include "incident_bot/config.hpp"
#include "protocol/url.hpp"

namespace incident_bot::net {

namespace ssl = boost::asio::ssl;

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

void prepare_client_stream(tls_stream& stream, const std::string& host) {
    if (!is_ip_literal(host)) SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    // Asio sets SSL_MODE_RELEASE_BUFFERS on every stream: OpenSSL then frees its ~17 KB read
    // and write buffers whenever they drain and mallocs them again for the next record, once
    // per frame each way. Those large requests make glibc consolidate its fastbins every time
    // (perf, bench_net_bot_load: ~8 us of the network thread's CPU per event). Two buffers
    // per connection are cheap; keep them.
    SSL_clear_mode(stream.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    // host_name_verification checks IP literals against the IP SANs, names against DNS SANs.
    stream.set_verify_callback(ssl::host_name_verification(host));
}

}  // namespace incident_bot::net

// The reconnect policy without a network: failures in, waits out (issue 15: a refused TLS
// certificate backs off like any failure, but on to minutes, and is logged once).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/reconnect.hpp"

namespace incident_bot {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

socket_mode_config production_backoff() {
    socket_mode_config c;
    c.backoff_initial = seconds(1);
    c.backoff_max = seconds(60);
    c.certificate_backoff_max = minutes(5);
    return c;
}

open_failure refused_certificate() {
    open_failure f;
    f.error = "network: certificate verify failed (self-signed certificate in certificate chain)";
    f.certificate_refused = true;
    return f;
}

std::vector<milliseconds> waits(reconnect_policy& p, const open_failure& f, int n) {
    std::vector<milliseconds> out;
    for (int i = 0; i < n; ++i) {
        const auto d = p.on_open_failed(f);
        EXPECT_EQ(d.what, reconnect_decision::kind::open_after);
        out.push_back(d.delay);
    }
    return out;
}

TEST(ReconnectPolicy, RefusedCertificateBacksOffExponentiallyUpToMinutes) {
    const auto cfg = production_backoff();
    for (std::uint64_t seed : {1, 2, 3}) {
        reconnect_policy p(cfg, seed);
        const auto w = waits(p, refused_certificate(), 14);
        for (std::size_t n = 0; n < w.size(); ++n) {
            // Attempt n waits a jittered [d/2, d], d = min(1 s * 2^n, 5 min).
            const auto full = std::min<milliseconds>(seconds(1) * (1LL << n), minutes(5));
            EXPECT_GE(w[n], full / 2) << "attempt " << n;
            EXPECT_LE(w[n], full) << "attempt " << n;
        }
        EXPECT_GE(w.back(), minutes(2) + seconds(30));  // well past backoff_max
    }
}

TEST(ReconnectPolicy, OtherOpenFailuresStayCappedAtBackoffMax) {
    const auto cfg = production_backoff();
    reconnect_policy p(cfg, 7);
    open_failure f;
    f.error = "network: Connection refused";
    for (const auto w : waits(p, f, 14)) EXPECT_LE(w, seconds(60));
}

TEST(ReconnectPolicy, HelloResetsTheCertificateBackoff) {
    const auto cfg = production_backoff();
    reconnect_policy p(cfg, 7);
    (void)waits(p, refused_certificate(), 10);
    p.on_hello();
    EXPECT_LE(p.on_open_failed(refused_certificate()).delay, seconds(1));
}

TEST(ReconnectPolicy, CertificateCapBelowBackoffMaxDoesNotShortenTheWaits) {
    auto cfg = production_backoff();
    cfg.certificate_backoff_max = seconds(10);
    reconnect_policy p(cfg, 7);
    EXPECT_GE(waits(p, refused_certificate(), 12).back(), seconds(30));
}

struct captured_log {
    std::vector<std::string> lines;
    logger log{log_level::debug, log_format::text, [this](std::string_view l) {
                   lines.emplace_back(l);
               }};
    // The level and message of the last line, without the timestamp.
    std::string last() const {
        const auto& l = lines.back();
        return l.substr(l.find(' ') + 1);
    }
};

TEST(CertificateRefusals, LogsAtWarnOncePerHostAndReasonThenAtDebug) {
    captured_log c;
    certificate_refusals r;
    const std::string self_signed = "certificate verify failed (self-signed certificate)";
    const std::string expired = "certificate verify failed (certificate has expired)";

    r.refused(c.log, "web_api", "slack.com", self_signed);
    EXPECT_EQ(c.last(), "warn web_api: TLS: certificate for slack.com refused: " + self_signed);
    r.refused(c.log, "web_api", "slack.com", self_signed);
    EXPECT_EQ(c.last(), "debug web_api: TLS: certificate for slack.com refused: " + self_signed);
    r.refused(c.log, "web_api", "slack.com", expired);  // another reason is news
    EXPECT_EQ(c.last(), "warn web_api: TLS: certificate for slack.com refused: " + expired);
    r.refused(c.log, "web_api", "slack.com", self_signed);
    EXPECT_TRUE(c.last().starts_with("warn ")) << c.last();
    r.refused(c.log, "socket_mode", "wss-primary.slack.com", self_signed);  // another host
    EXPECT_TRUE(c.last().starts_with("warn ")) << c.last();
    r.refused(c.log, "web_api", "slack.com", self_signed);
    EXPECT_TRUE(c.last().starts_with("debug ")) << c.last();

    // Once the certificate passes, the next refusal is news again.
    r.accepted("slack.com");
    r.refused(c.log, "web_api", "slack.com", self_signed);
    EXPECT_TRUE(c.last().starts_with("warn ")) << c.last();
    EXPECT_EQ(c.lines.size(), 7u);
}

}  // namespace
}  // namespace incident_bot

// Refused TLS certificates are logged once per host and reason, not at every retry (issue 15).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "incident_bot/protocol/reconnect.hpp"

namespace incident_bot {
namespace {

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

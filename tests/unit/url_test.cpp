// Which hosts a payload's response_url and apps.connections.open's socket URL may name.
#include <gtest/gtest.h>

#include "incident_bot/protocol/url.hpp"

namespace incident_bot {
namespace {

url parsed(std::string_view text) {
    auto u = parse_url(text);
    EXPECT_TRUE(u) << text;
    return u.value_or(url{});
}

TEST(ResponseUrl, OnlySlacksHookHostUnlessTheApiUrlWasSetExplicitly) {
    const url slack = parsed("https://slack.com/api/");
    EXPECT_TRUE(
        is_allowed_response_url(parsed("https://hooks.slack.com/commands/T1/2/x"), slack, false));
    EXPECT_TRUE(
        is_allowed_response_url(parsed("https://HOOKS.slack.com/actions/T1/2/x"), slack, false));
    for (const char* refused : {"http://hooks.slack.com/commands/T1/2/x",
                                "https://hooks.slack.com:8443/commands/T1/2/x",
                                "https://hooks.slack.com.evil.example/commands",
                                "https://evilhooks.slack.com/commands",
                                "https://slack.com/api/chat.postMessage",
                                "https://169.254.169.254/latest/meta-data/",
                                "https://127.0.0.1/"})
        EXPECT_FALSE(is_allowed_response_url(parsed(refused), slack, false)) << refused;

    // A test pointing SLACK_API_URL at its fake may answer there, on that host and port only.
    const url fake = parsed("https://127.0.0.1:4443/api/");
    EXPECT_TRUE(is_allowed_response_url(parsed("https://127.0.0.1:4443/hook"), fake, true));
    EXPECT_TRUE(is_allowed_response_url(parsed("https://hooks.slack.com/commands/x"), fake, true));
    EXPECT_FALSE(is_allowed_response_url(parsed("https://127.0.0.1:4443/hook"), fake, false));
    EXPECT_FALSE(is_allowed_response_url(parsed("https://127.0.0.1:4444/hook"), fake, true));
    EXPECT_FALSE(is_allowed_response_url(parsed("http://127.0.0.1:4443/hook"), fake, true));
    EXPECT_FALSE(is_allowed_response_url(parsed("https://localhost:4443/hook"), fake, true));
}

TEST(SocketUrl, PlainWebSocketOnlyWhenTheWebApiIsPlainHttp) {
    const url wss = parsed("wss://wss-primary.slack.com/link/?ticket=1");
    const url ws = parsed("ws://127.0.0.1:8080/link/?ticket=1");
    EXPECT_TRUE(is_allowed_socket_url(wss, parsed("https://slack.com/api/")));
    EXPECT_TRUE(is_allowed_socket_url(wss, parsed("http://127.0.0.1:8080/api/")));
    EXPECT_FALSE(is_allowed_socket_url(ws, parsed("https://slack.com/api/")));
    EXPECT_FALSE(is_allowed_socket_url(ws, parsed("https://127.0.0.1:8443/api/")));
    EXPECT_TRUE(is_allowed_socket_url(ws, parsed("http://127.0.0.1:8080/api/")));
}

}  // namespace
}  // namespace incident_bot

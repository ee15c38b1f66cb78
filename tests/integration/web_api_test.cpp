// The real Web API client against the fake Slack over TLS.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace incident_bot::testing {
namespace {

using json = nlohmann::json;

TEST(WebApi, PostsJsonWithBearerTokenAndReturnsTypedResult) {
    fake_slack fake;
    fake.on("chat.postMessage", [](const recorded_request& r) {
        return json{{"ok", true}, {"channel", r.args["channel"]}, {"ts", "1700000000.000100"}};
    });
    bot_under_test bot(fast_config(fake));
    const auto r = bot.call("chat.postMessage", {{"channel", "C1"}, {"text", "hello"}});
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.body["ts"], "1700000000.000100");
    const auto reqs = fake.requests("chat.postMessage");
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].verb, "POST");
    EXPECT_EQ(reqs[0].authorization, "Bearer xoxb-0001-test");
    EXPECT_EQ(reqs[0].content_type, "application/json; charset=utf-8");
    EXPECT_EQ(reqs[0].args["text"], "hello");
}

TEST(WebApi, ReadMethodsUseGetWithQueryString) {
    fake_slack fake;
    fake.on("users.info", [](const recorded_request&) { return fixture("users.info.ok.json"); });
    bot_under_test bot(fast_config(fake));
    const auto r = bot.call("users.info", {{"user", "U 1&x"}});
    EXPECT_TRUE(r.ok);
    const auto reqs = fake.requests("users.info");
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_EQ(reqs[0].verb, "GET");
    EXPECT_EQ(reqs[0].args["user"], "U 1&x");  // percent-encoded on the way, intact on arrival
}

TEST(WebApi, ErrorsAndWarningsAreTyped) {
    fake_slack fake;
    fake.on("chat.postEphemeral", [](const recorded_request&) {
        return fixture("chat.postEphemeral.error_user_not_in_channel.json");
    });
    fake.on("conversations.join", [](const recorded_request&) {
        return fixture("conversations.join.ok_with_warning.json");
    });
    bot_under_test bot(fast_config(fake));
    const auto err = bot.call("chat.postEphemeral", {{"channel", "C1"}, {"user", "U1"}, {"text", "x"}});
    EXPECT_FALSE(err.ok);
    EXPECT_EQ(err.error, "user_not_in_channel");
    EXPECT_EQ(err.attempts, 1);  // Slack errors are answers, not retried
    const auto warn = bot.call("conversations.join", {{"channel", "C1"}});
    EXPECT_TRUE(warn.ok);
    ASSERT_FALSE(warn.warnings.empty());
    EXPECT_EQ(warn.warnings[0], "already_in_channel");
}

TEST(WebApi, HonoursRetryAfterOn429) {
    fake_slack fake;
    fake.fail_next("chat.update", 429, 1, /*retry_after_s=*/1);
    bot_under_test bot(fast_config(fake));
    const auto t0 = std::chrono::steady_clock::now();
    const auto r = bot.call("chat.update", {{"channel", "C1"}, {"ts", "1.2"}, {"text", "x"}});
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 1s);
    EXPECT_EQ(bot.api().stats().rate_limited, 1u);
}

// Issue 16: at shutdown no retrying call keeps the executor alive: a call sitting out a
// long Retry-After ends at stop(), and later calls are refused without reaching Slack.
TEST(WebApi, StopEndsRateLimitWaitsAndRefusesNewCalls) {
    fake_slack fake;
    fake.fail_next("chat.update", 429, 1, /*retry_after_s=*/60);
    bot_under_test bot(fast_config(fake));
    eventual<api_result> waiting;
    bot.api().call("chat.update", {{"channel", "C1"}, {"ts", "1.2"}, {"text", "x"}}, waiting);
    ASSERT_TRUE(fake.wait_for_requests("chat.update", 1, 10s));
    EXPECT_FALSE(waiting.get(200ms));  // sitting out the 60 s
    bot.api().stop();
    const auto r = waiting.get(5s);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->ok);
    EXPECT_EQ(r->error, "shutting_down");
    EXPECT_EQ(r->code, errc::network);
    const auto later = bot.call("chat.postMessage", {{"channel", "C1"}, {"text", "x"}});
    EXPECT_EQ(later.error, "shutting_down");
    EXPECT_EQ(fake.requests("chat.update").size(), 1u);
    EXPECT_TRUE(fake.requests("chat.postMessage").empty());
}

TEST(WebApi, RefusesCallsBeyondThePendingLimitAtOnceAndLosesNoneItTook) {
    fake_slack fake;
    fake.fail_next("chat.update", 429, 2, /*retry_after_s=*/2);  // keeps the first two pending
    auto cfg = fast_config(fake);
    cfg.web_api.max_pending = 2;
    bot_under_test bot(cfg);
    ASSERT_TRUE(bot.wait_for_hellos(1, 10s));  // its apps.connections.open is no longer pending
    const json args = {{"channel", "C1"}, {"ts", "1.2"}, {"text", "x"}};
    eventual<api_result> first, second;
    bot.api().call("chat.update", args, first);
    bot.api().call("chat.update", args, second);
    const auto refused = bot.call("chat.update", args);
    EXPECT_FALSE(refused.ok);
    EXPECT_EQ(refused.error, "queue_full");
    EXPECT_TRUE(bot.logs().contains("chat.update: refused, 2 calls already pending"));
    // "At once": the refusal came back while both pending calls still sat out their
    // 2 s Retry-After.
    EXPECT_FALSE(first.get(0ms));
    EXPECT_FALSE(second.get(0ms));
    const auto r1 = first.get(20s), r2 = second.get(20s);
    ASSERT_TRUE(r1 && r2);
    EXPECT_TRUE(r1->ok) << r1->error;
    EXPECT_TRUE(r2->ok) << r2->error;
    // Two 429s and two retries: the refused call never reached Slack.
    EXPECT_EQ(fake.requests("chat.update").size(), 4u);
}

TEST(WebApi, RetriesServerErrorsThenReportsFailure) {
    fake_slack fake;
    fake.fail_next("reactions.add", 503, 2);
    fake.fail_next("pins.add", 500, 10);
    bot_under_test bot(fast_config(fake));
    const auto recovered = bot.call("reactions.add", {{"channel", "C1"}, {"timestamp", "1.2"}, {"name", "eyes"}});
    EXPECT_TRUE(recovered.ok);
    EXPECT_EQ(recovered.attempts, 3);
    const auto failed = bot.call("pins.add", {{"channel", "C1"}, {"timestamp", "1.2"}});
    EXPECT_FALSE(failed.ok);
    EXPECT_EQ(failed.error, "http_500");
    EXPECT_EQ(failed.attempts, 5);
    EXPECT_TRUE(bot.logs().contains("pins.add: failed after 5 attempts"));
}

TEST(WebApi, PacesPostMessagePerChannel) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.web_api.post_message_interval = 150ms;
    bot_under_test bot(cfg);
    std::vector<eventual<api_result>> done(4);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 3; ++i)
        bot.api().call("chat.postMessage", {{"channel", "C1"}, {"text", "m"}}, done[i]);
    bot.api().call("chat.postMessage", {{"channel", "C2"}, {"text", "m"}}, done[3]);
    for (const auto& d : done) ASSERT_TRUE(d.get(5s));
    // Three messages to C1 need two full intervals (a lower bound: load only adds to it).
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
    // C2 is not queued behind C1's paced messages.
    const auto reqs = fake.requests("chat.postMessage");
    EXPECT_NE(reqs.back().args["channel"], "C2");
}

TEST(WebApi, PaginatesUntilCursorIsEmpty) {
    fake_slack fake;
    fake.on("conversations.list", [](const recorded_request& r) {
        return r.args.contains("cursor") ? fixture("conversations.list.page2_last.json")
                                         : fixture("conversations.list.page1.json");
    });
    bot_under_test bot(fast_config(fake));
    eventual<web_api::page_result> p;
    boost::asio::co_spawn(bot.ioc(),
                          bot.api().async_paginate("conversations.list", json::object(), "channels"),
                          [p](std::exception_ptr, web_api::page_result r) { p(std::move(r)); });
    const auto result = p.get(10s);
    ASSERT_TRUE(result);
    const auto& r = *result;
    EXPECT_TRUE(r.last.ok);
    EXPECT_EQ(fake.requests("conversations.list").size(), 2u);
    EXPECT_EQ(r.items.size(),
              fixture("conversations.list.page1.json")["channels"].size() +
                  fixture("conversations.list.page2_last.json")["channels"].size());
}

TEST(WebApi, PostsToResponseUrlWithoutToken) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    eventual<api_result> p;
    const std::string url = fake.api_url() + "response.hook?secret=abc";
    boost::asio::co_spawn(bot.ioc(),
                          bot.api().async_post_response_url(url, {{"text", "done"}, {"response_type", "ephemeral"}}),
                          [p](std::exception_ptr, api_result r) { p(std::move(r)); });
    const auto result = p.get(10s);
    ASSERT_TRUE(result);
    const auto& r = *result;
    const auto reqs = fake.requests("response.hook");
    ASSERT_EQ(reqs.size(), 1u);
    EXPECT_TRUE(reqs[0].authorization.empty());
    EXPECT_EQ(reqs[0].args["text"], "done");
    EXPECT_FALSE(bot.logs().contains("secret=abc"));
    EXPECT_EQ(r.http_status, 200u);
}

// response_url comes from a payload: pointed at any other host (here the same fake under
// another name, which would accept it), nothing is sent.
TEST(WebApi, ResponseUrlToAnotherHostIsRefused) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));  // its own Web API traffic is done
    const auto accepts = fake.tcp_accepts();
    auto url = fake.api_url();
    url.replace(url.find("127.0.0.1"), 9, "localhost");  // the fake's certificate covers it
    eventual<api_result> p;
    boost::asio::co_spawn(
        bot.ioc(),
        bot.api().async_post_response_url(url + "response.hook", {{"text", "leak"}}),
        [p](std::exception_ptr, api_result r) { p(std::move(r)); });
    const auto result = p.get(10s);
    ASSERT_TRUE(result);
    const auto& r = *result;
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, "response_url_refused");
    EXPECT_EQ(r.attempts, 0);
    EXPECT_TRUE(fake.requests("response.hook").empty());
    EXPECT_EQ(fake.tcp_accepts(), accepts);
    EXPECT_TRUE(bot.logs().contains("response_url to https://localhost refused"));
}

TEST(WebApi, ReusesKeepAliveConnection) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));  // its apps.connections.open is done
    const auto before = fake.tcp_accepts();
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(bot.call("auth.test").ok);
    EXPECT_LE(fake.tcp_accepts() - before, 1u);
}

}  // namespace
}  // namespace incident_bot::testing

// The real Socket Mode client against the fake Slack over TLS on loopback.
#include <algorithm>
#include <fstream>
#include <future>
#include <mutex>
#include <set>

#include <gtest/gtest.h>

#include "harness.hpp"

namespace incident_bot::testing {

nlohmann::json fixture(const std::string& name) {
    std::ifstream in(std::string(INCIDENT_BOT_SOURCE_DIR) + "/tests/data/fixtures/" + name);
    return nlohmann::json::parse(in);
}

namespace {

using json = nlohmann::json;

// An events_api payload from the fixture with a fresh event_id.
json event_payload(const std::string& event_id) {
    json p = fixture("sm_events_api_message.json")["payload"];
    p["event_id"] = event_id;
    return p;
}

TEST(SocketMode, ConnectsWithHelloAndAcksEveryEnvelopeType) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake), [](const envelope& e, const ack_handle& ack) {
        if (e.type == "slash_commands") ack.ack({{"text", "on it"}});
        else ack();
    });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));

    const auto ev = fake.send_envelope("events_api", event_payload("Ev1"));
    const auto cmd = fake.send_envelope("slash_commands", fixture("sm_slash_commands.json")["payload"]);
    const auto act = fake.send_envelope("interactive", fixture("sm_interactive_block_actions.json")["payload"]);
    ASSERT_TRUE(fake.wait_for_acks(3, 5s));

    std::map<std::string, json> acks;
    for (const auto& a : fake.acks()) acks[a.envelope_id] = a.payload;
    ASSERT_EQ(acks.size(), 3u);
    EXPECT_TRUE(acks.at(ev).is_null());
    EXPECT_EQ(acks.at(cmd)["text"], "on it");
    EXPECT_TRUE(acks.at(act).is_null());

    const auto seen = bot.envelopes();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].type, "events_api");
    EXPECT_EQ(seen[0].event_id(), "Ev1");
    EXPECT_EQ(seen[1].payload.tree()["command"], "/hello-socket-mode");
    EXPECT_TRUE(seen[1].accepts_response_payload);
    EXPECT_EQ(seen[2].payload.tree()["type"], "block_actions");

    // apps.connections.open used the app token, never the bot token.
    const auto opens = fake.requests("apps.connections.open");
    ASSERT_EQ(opens.size(), 1u);
    EXPECT_EQ(opens[0].authorization, "Bearer xapp-1-A0001-test");
    EXPECT_EQ(opens[0].verb, "POST");
}

TEST(SocketMode, RefreshOpensReplacementBeforeClosingOldAndLosesNothing) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));

    fake.send_disconnect("warning");
    // The old socket still delivers and acks while the replacement is being opened.
    fake.send_envelope("events_api", event_payload("EvDuringRefresh"), 0);
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
    ASSERT_TRUE(fake.wait_for_requests("apps.connections.open", 2, 5s));
    // Old one retired with a close frame once the new one said hello.
    ASSERT_TRUE(fake.wait_for_close_frames(1, 5s));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    EXPECT_EQ(fake.live_connections(), 1);

    fake.send_envelope("events_api", event_payload("EvAfterRefresh"));
    ASSERT_TRUE(fake.wait_for_acks(2, 5s));
    EXPECT_EQ(bot.envelopes().size(), 2u);
    EXPECT_EQ(fake.opens(), 2u);  // a fresh ticket for the replacement
    EXPECT_EQ(bot.client().stats().refreshes.load(), 1u);
}

TEST(SocketMode, ReconnectsAfterAbruptDrop) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(bot.wait_for_hellos(1, 5s));
    fake.drop();
    ASSERT_TRUE(fake.wait_for_requests("apps.connections.open", 2, 5s));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("events_api", event_payload("EvAfterDrop"));
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
    EXPECT_TRUE(bot.wait_for_hellos(2, 5s));
}

TEST(SocketMode, DetectsHalfOpenSocketAndReconnects) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(bot.wait_for_hellos(1, 5s));
    fake.blackhole();  // no bytes either way, nothing closed
    // Only the unanswered keep-alive pings (idle timeout 400 ms) can notice a link that
    // stays silent and open; without them this waits out its deadline.
    ASSERT_TRUE(fake.wait_for_requests("apps.connections.open", 2, 5s));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("events_api", event_payload("EvAfterBlackhole"));
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
}

TEST(SocketMode, SkipsBadFramesAndStaysConnected) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.socket_mode.max_message_bytes = 64 * 1024;
    bot_under_test bot(cfg);
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));

    fake.send_raw("");
    fake.send_raw("not json at all {");
    fake.send_raw("[1,2,3]");
    // A broken escape: valid UTF-8 on the wire, no parser reads it, but its envelope_id is
    // certain. (Raw non-UTF-8 bytes in a text frame are an RFC 6455 protocol error that Beast
    // answers by closing; see README. A lone surrogate escape is read, as U+FFFD.)
    fake.send_raw(R"({"type":"events_api","envelope_id":"broken-1","payload":{"t":"\x"}})");
    fake.send_raw("\x01\x02binary", /*binary=*/true);
    fake.send_raw(R"({"type":"brand_new_type","envelope_id":"unknown-1"})");
    fake.send_raw(R"({"type":"events_api","payload":{}})");  // no envelope_id
    fake.send_raw(R"({"type":"events_api","envelope_id":"big","payload":{"x":")" +
                  std::string(100 * 1024, 'a') + "\"}}");
    fake.send_envelope("events_api", event_payload("EvGood"));

    ASSERT_TRUE(bot.wait_for_envelopes(1, 5s));
    ASSERT_TRUE(fake.wait_for_acks(3, 5s));
    EXPECT_EQ(bot.envelopes().size(), 1u);
    EXPECT_EQ(bot.envelopes()[0].event_id(), "EvGood");
    EXPECT_EQ(fake.opens(), 1u);  // never reconnected
    EXPECT_GE(bot.client().stats().bad_frames.load(), 6u);
    // The unknown type and the broken frame carried an envelope_id: acked so Slack does not
    // keep sending them.
    std::set<std::string> acked;
    for (const auto& a : fake.acks()) acked.insert(a.envelope_id);
    EXPECT_TRUE(acked.contains("unknown-1"));
    EXPECT_TRUE(acked.contains("broken-1"));
}

TEST(SocketMode, DropsRedeliveredEventsButAcksThem) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("events_api", event_payload("EvSame"));
    fake.send_envelope("events_api", event_payload("EvSame"), -1, /*retry_attempt=*/1);
    fake.send_envelope("events_api", event_payload("EvOther"), -1, /*retry_attempt=*/2);
    ASSERT_TRUE(fake.wait_for_acks(3, 5s));
    const auto seen = bot.envelopes();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].event_id(), "EvSame");
    // A retry of an event we never saw is the only copy: it must be handled.
    EXPECT_EQ(seen[1].event_id(), "EvOther");
    EXPECT_EQ(seen[1].retry_attempt, 2);
    EXPECT_EQ(bot.client().stats().duplicates.load(), 1u);
}

TEST(SocketMode, RejectedEventIsHandledAgainOnRedelivery) {
    fake_slack_options opts;
    opts.redeliver_after = 150ms;
    fake_slack fake(opts);
    std::atomic<int> calls{0};
    bot_under_test bot(fast_config(fake), [&](const envelope&, const ack_handle& ack) {
        if (calls++ == 0) ack.reject();  // e.g. the store could not take it
        else ack();
    });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("events_api", event_payload("EvRetry"));
    ASSERT_TRUE(bot.wait_for_envelopes(2, 5s));
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
    EXPECT_EQ(bot.envelopes()[1].retry_attempt, 1);
}

TEST(SocketMode, SlowCommandIsAckedAtTheDeadlineAndAnsweredThroughResponseUrl) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.socket_mode.ack_deadline = 100ms;
    std::promise<ack_handle> held;
    bot_under_test bot(cfg, [&](const envelope&, const ack_handle& ack) { held.set_value(ack); });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    auto payload = fixture("sm_slash_commands.json")["payload"];
    payload["response_url"] = fake.api_url() + "commands.hook?secret=abc";
    fake.send_envelope("slash_commands", payload);
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
    EXPECT_TRUE(fake.acks()[0].payload.is_null());
    EXPECT_EQ(bot.client().stats().auto_acks.load(), 1u);

    // The answer comes once the slow work is done: it goes where the person will see it.
    held.get_future().get().ack({{"response_type", "ephemeral"}, {"text", "done at last"}});
    ASSERT_TRUE(fake.wait_for_requests("commands.hook", 1, 5s));
    const auto reply = fake.requests("commands.hook")[0];
    EXPECT_EQ(reply.args["text"], "done at last");
    EXPECT_TRUE(reply.authorization.empty());
    EXPECT_EQ(fake.acks().size(), 1u);
    EXPECT_FALSE(bot.logs().contains("secret=abc"));
}

// Events are never acked on a timer: only the handler acks them, once they are stored. A
// redelivery that arrives meanwhile is not acked ahead of the first copy.
TEST(SocketMode, EventsWaitForTheirHandlerHoweverLongItTakes) {
    fake_slack_options opts;
    opts.redeliver_after = 200ms;
    fake_slack fake(opts);
    auto cfg = fast_config(fake);
    cfg.socket_mode.ack_deadline = 100ms;
    std::mutex mu;
    std::vector<ack_handle> held;
    bot_under_test bot(cfg, [&](const envelope&, const ack_handle& ack) {
        std::lock_guard lock(mu);
        held.push_back(ack);
    });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    const auto first = fake.send_envelope("events_api", event_payload("EvSlow"));
    // The fake redelivers only a copy still unacked, so the third redelivery reaching the
    // bot proves no ack went out for 3 x 200 ms, six ack deadlines.
    ASSERT_TRUE(bot.logs().wait_for_count({"waits for the first copy to be stored"}, 3, 5s))
        << bot.logs().all();
    EXPECT_TRUE(fake.acks().empty());
    EXPECT_EQ(bot.client().stats().auto_acks.load(), 0u);
    {
        std::lock_guard lock(mu);
        ASSERT_EQ(held.size(), 1u);  // the redeliveries were not handed over again
        held[0]();
    }
    // The first copy and every redelivery (Slack's three retries) are acked together.
    ASSERT_TRUE(fake.wait_for_ack(first, 5s));
    ASSERT_TRUE(fake.wait_for_acks(4, 5s));
    std::set<std::string> acked;
    for (const auto& a : fake.acks()) acked.insert(a.envelope_id);
    EXPECT_EQ(acked.size(), 4u);  // four copies, each acked once
    EXPECT_EQ(bot.client().stats().duplicates.load(), 3u);
    EXPECT_EQ(fake.unacked(), 0u);
}

TEST(SocketMode, ASecondAckIsALoggedNoOp) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake), [](const envelope&, const ack_handle& ack) {
        ack.ack({{"text", "first"}});
        ack.ack({{"text", "second"}});
    });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    const auto id = fake.send_envelope("slash_commands", fixture("sm_slash_commands.json")["payload"]);
    const auto ack = fake.wait_for_ack(id, 5s);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->payload["text"], "first");
    EXPECT_TRUE(bot.logs().contains("second ack for " + id + " ignored"));
    EXPECT_EQ(fake.acks().size(), 1u);
}

TEST(SocketMode, OversizedAckPayloadIsDroppedNotSent) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake), [](const envelope&, const ack_handle& ack) {
        ack.ack({{"text", std::string(30 * 1024, 'x')}});
    });
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("slash_commands", fixture("sm_slash_commands.json")["payload"]);
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
    EXPECT_TRUE(fake.acks()[0].payload.is_null());
    EXPECT_TRUE(bot.logs().contains("exceeds 20 KB"));
}

TEST(SocketMode, InvalidAppTokenStopsWithClearMessage) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.app_token = secret("xapp-1-revoked-secret-value");
    bot_under_test bot(cfg);
    auto outcome = bot.finished(5s);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_TRUE(outcome->fatal);
    EXPECT_NE(outcome->message.find("invalid_auth"), std::string::npos);
    EXPECT_EQ(fake.requests("apps.connections.open").size(), 1u);  // no retry loop
    EXPECT_FALSE(bot.logs().contains("revoked-secret-value"));
}

// Issue 16: a 429 from apps.connections.open that outlasts the Web API's own retries sets
// the slot's wait: at least Slack's Retry-After, however short the configured backoff.
TEST(SocketMode, RateLimitedOpenWaitsForRetryAfter) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.web_api.max_attempts = 1;
    fake.fail_next("apps.connections.open", 429, 1, /*retry_after_s=*/1);
    bot_under_test bot(cfg);
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    EXPECT_EQ(fake.requests("apps.connections.open").size(), 2u);
    EXPECT_TRUE(bot.logs().contains("slot 0: reconnecting in 1000 ms")) << bot.logs().all();
    EXPECT_TRUE(bot.logs().contains("slot 0: ratelimited")) << bot.logs().all();
}

TEST(SocketMode, LinkDisabledStops) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_disconnect("link_disabled");
    auto outcome = bot.finished(5s);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_TRUE(outcome->fatal);
    EXPECT_NE(outcome->message.find("link_disabled"), std::string::npos);
    EXPECT_EQ(fake.opens(), 1u);
}

TEST(SocketMode, TooManyWebsocketsClosesThenBacksOff) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    const auto t0 = std::chrono::steady_clock::now();
    fake.send_disconnect("too_many_websockets");
    ASSERT_TRUE(fake.wait_for_requests("apps.connections.open", 2, 5s));
    // Closed first (no overlap), and waited at least the configured pause.
    EXPECT_GE(std::chrono::steady_clock::now() - t0, 300ms);
    EXPECT_EQ(fake.close_frames(), 1u);
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
}

TEST(SocketMode, RunsSeveralConnectionsSharingOneHandler) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.socket_mode.connections = 3;
    bot_under_test bot(cfg);
    ASSERT_TRUE(fake.wait_for_connections(3, 5s));
    for (int i = 0; i < 30; ++i) fake.send_envelope("events_api", event_payload("Ev" + std::to_string(i)));
    ASSERT_TRUE(fake.wait_for_acks(30, 5s));
    std::set<int> connections;
    for (const auto& e : bot.envelopes()) connections.insert(e.connection);
    EXPECT_EQ(connections.size(), 3u);
    EXPECT_EQ(bot.envelopes().size(), 30u);
}

TEST(SocketMode, StopSendsCloseFrameAndEndsCleanly) {
    fake_slack fake;
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(bot.wait_for_hellos(1, 5s));
    bot.client().stop();
    auto outcome = bot.finished(5s);
    ASSERT_TRUE(outcome.has_value());
    EXPECT_FALSE(outcome->fatal);
    EXPECT_TRUE(fake.wait_for_close_frames(1, 5s));
    EXPECT_EQ(fake.close_frames(), 1u);
}

TEST(SocketMode, PlainWebSocketUrlIsAccepted) {
    fake_slack_options opts;
    opts.tls = false;
    fake_slack fake(opts);
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_connections(1, 5s));
    fake.send_envelope("events_api", event_payload("EvPlain"));
    ASSERT_TRUE(fake.wait_for_acks(1, 5s));
}

// An answer to apps.connections.open must not downgrade a TLS deployment to a clear-text
// socket: ws:// is refused (and the open retried) while the Web API is https.
TEST(SocketMode, PlainWebSocketUrlIsRefusedWhenTheWebApiIsHttps) {
    fake_slack_options opts;
    opts.socket_scheme = "ws";
    fake_slack fake(opts);
    bot_under_test bot(fast_config(fake));
    ASSERT_TRUE(fake.wait_for_requests("apps.connections.open", 2, 5s));
    EXPECT_TRUE(bot.logs().contains("returned a ws:// url while the Web API is https"));
    EXPECT_FALSE(bot.logs().contains("connecting connection"));
    EXPECT_EQ(fake.live_connections(), 0);
}

TEST(SocketMode, UntrustedCertificateIsRefused) {
    fake_slack_options opts;
    opts.cert = fake_cert::untrusted;
    fake_slack fake(opts);
    bot_under_test bot(fast_config(fake));
    const auto r = bot.call("auth.test");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("network"), std::string::npos) << r.error;
    EXPECT_EQ(r.code, errc::tls);
    EXPECT_EQ(r.attempts, 1);  // not retried like a network error: it would fail again
    EXPECT_TRUE(fake.requests().empty());  // nothing got past the TLS handshake
    EXPECT_EQ(fake.live_connections(), 0);
}

// Issue 15: a refused certificate used to cost five quick Web API retries per reconnect,
// and the slot's backoff stopped growing at backoff_max. Now each attempt is one handshake,
// the waits keep doubling past backoff_max, and the refusal is logged once.
TEST(SocketMode, UntrustedCertificateBacksOffAndIsLoggedOnce) {
    fake_slack_options opts;
    opts.cert = fake_cert::untrusted;
    fake_slack fake(opts);
    auto cfg = fast_config(fake);
    cfg.socket_mode.backoff_initial = 100ms;
    cfg.socket_mode.backoff_max = 200ms;
    cfg.socket_mode.certificate_backoff_max = 10s;
    bot_under_test bot(cfg);

    // One handshake per attempt, and the wait before attempt i + 1 is at least half of
    // 100 ms << i: 50, 100, 200, 400 ms. The last one is past backoff_max (200 ms), and a
    // quick retry would show as a gap near zero. Gaps are measured at the fake, so load
    // only makes them longer.
    ASSERT_TRUE(fake.wait_for_tcp_accepts(5, 10s));
    const auto accepted = fake.tcp_accept_times();
    for (std::size_t i = 0; i + 1 < 5; ++i)
        EXPECT_GE(accepted[i + 1] - accepted[i], milliseconds(50 << i)) << "before attempt " << i + 2;

    // The first refusal at warn, every repeat at debug.
    const std::string_view refused =
        "TLS: certificate for 127.0.0.1 refused: certificate verify failed (";
    ASSERT_TRUE(bot.logs().wait_for_count({" debug ", refused}, 1, 5s)) << bot.logs().all();
    EXPECT_EQ(bot.logs().count({" warn ", refused}), 1u) << bot.logs().all();
    EXPECT_TRUE(fake.requests().empty());
}

TEST(SocketMode, CertificateForAnotherHostIsRefused) {
    fake_slack_options opts;
    opts.cert = fake_cert::wrong_host;
    fake_slack fake(opts);
    bot_under_test bot(fast_config(fake));
    const auto r = bot.call("auth.test");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("(IP address mismatch)"), std::string::npos) << r.error;
    EXPECT_TRUE(fake.requests().empty());
}

}  // namespace
}  // namespace incident_bot::testing

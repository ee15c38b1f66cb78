// The whole bot (runtime: store writer thread, timeline capture, /incident, Socket Mode) on a
// real SQLite file against the fake Slack.
#include <filesystem>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "e2e_support.hpp"
#include "harness.hpp"
#include "loopback_http.hpp"
#include "incident_bot/app/runtime.hpp"

namespace incident_bot::testing {
namespace {

using json = nlohmann::json;

json message_event(int i) {
    return {{"type", "event_callback"},
            {"event_id", "EvE2E" + std::to_string(i)},
            {"event",
             {{"type", "message"},
              {"channel", "C0INC"},
              {"user", "U0BEN"},
              {"text", "update " + std::to_string(i) + ": checkout errors are dropping"},
              {"ts", std::to_string(1795000000 + i) + ".000100"}}}};
}

std::size_t human_messages(runtime& bot) {
    std::size_t n = 0;
    bot.with_store([&](store& s) {
        for (const auto& e : s.list_timeline(1))
            if (e.source == entry_source::message) ++n;
    });
    return n;
}

TEST(BotEndToEnd, StoresEachAckedEventExactlyOnceAcrossRestarts) {
    fake_slack fake;
    bot_setup s(fake);
    {
        running_bot b(s.cfg, s.log);
        ASSERT_TRUE(fake.wait_for_connections(1, 10s));
        const auto reply = ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
        EXPECT_NE(reply.value("text", "").find("declared"), std::string::npos) << reply.dump();

        for (int i = 0; i < 100; ++i) fake.send_envelope("events_api", message_event(i));
        ASSERT_TRUE(fake.wait_for_acks(101, 10s));
        // Acks come after the commit: every acked event is already readable.
        EXPECT_EQ(human_messages(b.bot), 100u);

        for (int i = 0; i < 10; ++i) fake.send_envelope("events_api", message_event(i), -1, 1);
        ASSERT_TRUE(fake.wait_for_acks(111, 10s));
        EXPECT_EQ(human_messages(b.bot), 100u);
    }
    // A new process on the same file: redeliveries of stored events are still recognised.
    fake_slack fake2;
    auto cfg2 = fast_config(fake2);
    cfg2.db_path = s.db.path();
    running_bot b2(cfg2, s.log);
    ASSERT_TRUE(fake2.wait_for_connections(1, 10s));
    for (int i = 90; i < 110; ++i) fake2.send_envelope("events_api", message_event(i), -1, 2);
    ASSERT_TRUE(fake2.wait_for_acks(20, 10s));
    EXPECT_EQ(human_messages(b2.bot), 110u);
    EXPECT_FALSE(s.logs.contains("checkout errors are dropping"));  // no message text at info
}

// A store that stalls (a checkpoint, a slow disk) must not get events acked before they are
// durable; a command waiting on it is acked at the deadline and answered through its
// response_url once the store is back.
TEST(BotEndToEnd, HeldWriterDelaysEveryEventAckAndCommandsAnswerThroughResponseUrl) {
    fake_slack_options opts;
    opts.redeliver_after = 1500ms;
    fake_slack fake(opts);
    bot_setup s(fake);
    s.cfg.socket_mode.ack_deadline = 300ms;
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
    const auto acks_before = fake.acks().size();

    std::promise<void> holding;
    std::promise<void> release;
    std::thread holder([&, released = release.get_future()] {
        b.bot.with_store([&](store&) {
            holding.set_value();
            released.wait();
        });
    });
    holding.get_future().wait();
    for (int i = 0; i < 20; ++i) fake.send_envelope("events_api", message_event(i));
    auto note = slash("note the load balancer drops health checks");
    note["response_url"] = fake.api_url() + "commands.hook";
    fake.send_envelope("slash_commands", note);

    // Five seconds with the writer held: only the command's empty deadline ack goes out.
    EXPECT_FALSE(fake.wait_for_acks(acks_before + 2, 5s));
    ASSERT_EQ(fake.acks().size(), acks_before + 1);
    EXPECT_TRUE(fake.acks().back().payload.is_null());
    EXPECT_TRUE(fake.requests("commands.hook").empty());

    release.set_value();
    holder.join();
    ASSERT_TRUE(fake.wait_for_requests("commands.hook", 1, 10s));
    EXPECT_FALSE(fake.requests("commands.hook")[0].args.value("text", "").empty());
    // Every event (first copies and the retries Slack sent meanwhile) is acked once stored.
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (fake.unacked() > 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(fake.unacked(), 0u);
    EXPECT_EQ(human_messages(b.bot), 20u);
}

TEST(BotEndToEnd, WholeIncidentFromDeclareToResolvePostsTheDraft) {
    fake_slack fake;
    bot_setup s(fake);
    s.cfg.web_api.post_message_interval = 10ms;
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));

    // A command in a channel with no incident says how to declare one.
    EXPECT_NE(ack_payload(fake, "slash_commands", slash("note hello")).value("text", "").find("declare"),
              std::string::npos);
    ack_payload(fake, "slash_commands", slash("declare sev1 Payments failing"));
    for (int i = 0; i < 5; ++i) fake.send_envelope("events_api", message_event(i));
    ack_payload(fake, "slash_commands", slash("status identified card processor timeouts"));
    ack_payload(fake, "slash_commands", slash("action Add processor timeout alert <@U0BEN|ben> due:2026-12-31"));
    const auto bad = ack_payload(fake, "slash_commands", slash("severity sev9"));
    EXPECT_EQ(bad.value("response_type", "ephemeral"), "ephemeral");
    const auto resolved = ack_payload(fake, "slash_commands", slash("resolve processor recovered"));
    EXPECT_EQ(resolved.value("response_type", ""), "in_channel");

    // The draft is posted to the channel and stored as version 1.
    ASSERT_TRUE(fake.wait_for_requests("chat.postMessage", 3, 10s));
    bool draft_posted = false;
    for (int i = 0; i < 200 && !draft_posted; ++i) {
        for (const auto& r : fake.requests("chat.postMessage"))
            draft_posted |= r.args.dump().find("Contributing factors") != std::string::npos;
        if (!draft_posted) std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(draft_posted);
    std::optional<draft> d;
    b.bot.with_store([&](store& s) { d = s.latest_draft(1); });
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(d->version, 1);
    const auto summary = d->markdown.find("## Summary");
    const auto timeline = d->markdown.find("## Timeline");
    const auto actions = d->markdown.find("## Action items");
    EXPECT_LT(summary, timeline);
    EXPECT_LT(timeline, actions);
    EXPECT_NE(d->markdown.find("Add processor timeout alert"), std::string::npos);
    for (const auto& r : fake.requests())
        EXPECT_EQ(r.authorization.rfind("Bearer ", 0), 0u) << r.method;
}

// Issue 17: the bot asks Slack whether an incident's channel is private; a private incident
// and its action items are then shown only in its own channel, and nobody else closes its
// items from a DM.
TEST(BotEndToEnd, PrivateChannelIncidentIsShownOnlyInItsChannel) {
    fake_slack fake;
    fake.on("conversations.info", [](const recorded_request& r) {
        return json{{"ok", true},
                    {"channel", {{"id", r.args.value("channel", "")}, {"is_private", true}}}};
    });
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev1 Merger data room down"));
    ack_payload(fake, "slash_commands", slash("action Rotate data room keys <@U0BEN>"));
    ASSERT_TRUE(fake.wait_for_requests("conversations.info", 1, 10s));
    EXPECT_EQ(fake.requests("conversations.info").front().args.value("channel", ""), "C0INC");
    std::optional<bool> is_private;
    for (int i = 0; i < 500 && !is_private; ++i) {
        b.bot.with_store([&](store& st) { is_private = st.get_incident(1)->is_private; });
        if (!is_private) std::this_thread::sleep_for(10ms);
    }
    EXPECT_EQ(is_private, true);

    const auto text_of = [&](json payload) {
        return ack_payload(fake, "slash_commands", std::move(payload)).value("text", "");
    };
    EXPECT_EQ(text_of(slash("list", "U0CAL", "C0OTHER")).find("Merger"), std::string::npos);
    EXPECT_EQ(text_of(slash("actions all", "U0CAL", "C0OTHER")).find("Rotate"), std::string::npos);
    EXPECT_NE(text_of(slash("list", "U0CAL")).find("Merger data room down"), std::string::npos);
    const auto refused = text_of(slash("done 1", "U0CAL", "D0CAL"));
    EXPECT_NE(refused.find("no action #1"), std::string::npos) << refused;
    b.bot.with_store([&](store& st) { EXPECT_EQ(st.list_action_items().size(), 1u); });
    EXPECT_NE(text_of(slash("done 1", "U0BEN", "D0BEN")).find("Marked action #1 done"),
              std::string::npos);
}

// Issue 17: a message that pinged the channel is quoted in the draft posted at resolve
// without pinging it again.
TEST(BotEndToEnd, DraftQuotesABroadcastWithoutNotifyingAgain) {
    fake_slack fake;
    bot_setup s(fake);
    s.cfg.web_api.post_message_interval = 10ms;
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev1 Payments failing"));
    auto alert = message_event(1);
    alert["event"]["text"] = "<!channel> payments are failing, <!subteam^S0SRE|@sre> please join";
    // The first report: the draft's timeline quotes it.
    ASSERT_TRUE(fake.wait_for_ack(fake.send_envelope("events_api", alert), 10s));
    ack_payload(fake, "slash_commands", slash("resolve processor recovered"));
    std::string posted;
    for (int i = 0; i < 500 && posted.find("Contributing factors") == std::string::npos; ++i) {
        posted.clear();
        for (const auto& r : fake.requests("chat.postMessage")) posted += r.args.dump();
        std::this_thread::sleep_for(10ms);
    }
    ASSERT_NE(posted.find("Contributing factors"), std::string::npos);
    EXPECT_NE(posted.find("@channel payments are failing, @sre please join"), std::string::npos)
        << posted;
    EXPECT_EQ(posted.find("<!"), std::string::npos);
}

json message_from(const std::string& id, const std::string& user, const std::string& text) {
    return {{"type", "event_callback"},
            {"event_id", id},
            {"event",
             {{"type", "message"},
              {"channel", "C0INC"},
              {"user", user},
              {"text", text},
              {"ts", "1795000100." + id.substr(id.size() - 3) + "000"}}}};
}

// Issue 14: the bot learns who people are from users.info (authors and mentions, once each),
// keeps their names in the store, and from then on reads a name as a person: "caused by
// marta" earns a private nudge only once Marta is known. The names survive a restart.
TEST(BotEndToEnd, LearnsNamesFromUsersInfoAndReadsThemAsPeople) {
    fake_slack fake;
    fake.on("users.info", [](const recorded_request& r) {
        const bool marta = r.args.dump().find("U0MARTA") != std::string::npos;
        return json{{"ok", true},
                    {"user",
                     {{"id", marta ? "U0MARTA" : "U0BEN"},
                      {"name", marta ? "marta.ruiz" : "ben"},
                      {"real_name", marta ? "Marta Ruiz" : "Ben Okafor"},
                      {"profile", {{"display_name", marta ? "marta" : "ben"}}}}}};
    });
    bot_setup s(fake);
    const std::string blame = "caused by marta, rolling back";
    {
        running_bot b(s.cfg, s.log);
        ASSERT_TRUE(fake.wait_for_connections(1, 10s));
        ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
        // Before anyone knows Marta, the same words are only a status update.
        ASSERT_TRUE(fake.wait_for_ack(fake.send_envelope("events_api", message_from("EvN001", "U0BEN", blame)), 10s));
        ASSERT_TRUE(fake.wait_for_requests("users.info", 1, 10s));
        // Marta speaks, and Ben mentions her: one users.info call for her, none again for Ben.
        fake.send_envelope("events_api", message_from("EvN002", "U0MARTA", "looking at the pool"));
        fake.send_envelope("events_api", message_from("EvN003", "U0BEN", "thanks <@U0MARTA>"));
        ASSERT_TRUE(fake.wait_for_requests("users.info", 2, 10s));
        std::vector<std::string> names;
        for (int i = 0; i < 200 && names.empty(); ++i) {
            b.bot.with_store([&](store& s) {
                for (const auto& p : s.people())
                    if (p.user == "U0MARTA") names = p.names;
            });
            if (names.empty()) std::this_thread::sleep_for(20ms);
        }
        EXPECT_EQ(names, (std::vector<std::string>{"marta", "Marta Ruiz", "marta.ruiz"}));
        EXPECT_TRUE(fake.requests("chat.postEphemeral").empty());

        fake.send_envelope("events_api", message_from("EvN004", "U0BEN", blame));
        ASSERT_TRUE(fake.wait_for_requests("chat.postEphemeral", 1, 10s));
        const auto nudge = fake.requests("chat.postEphemeral").front().args;
        EXPECT_EQ(nudge.value("user", ""), "U0BEN");
        EXPECT_NE(nudge.dump().find("caused by marta"), std::string::npos) << nudge.dump();
    }
    EXPECT_EQ(fake.requests("users.info").size(), 2u);
    {
        // After a restart the names come from the store: no new lookups for known people.
        running_bot b(s.cfg, s.log);
        ASSERT_TRUE(fake.wait_for_connections(1, 10s));
        fake.send_envelope("events_api", message_from("EvN005", "U0MARTA", blame));
        ASSERT_TRUE(fake.wait_for_requests("chat.postEphemeral", 2, 10s));
        EXPECT_EQ(fake.requests("users.info").size(), 2u);
    }
}

// A lookup Slack refuses for one person (a deleted account) is not repeated on their every
// message; a refused scope stops the lookups for everyone.
TEST(BotEndToEnd, FailedNameLookupsAreNotRepeatedPerMessage) {
    fake_slack fake;
    fake.on("users.info", [](const recorded_request& r) {
        const bool gone = r.args.dump().find("U0GONE") != std::string::npos;
        return json{{"ok", false}, {"error", gone ? "user_not_found" : "missing_scope"}};
    });
    bot_setup s(fake);
    s.log = s.logs.make(log_level::debug);  // the failed lookup is logged at debug
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
    const auto say = [&](const char* id, const char* user) {
        return fake.wait_for_ack(fake.send_envelope("events_api", message_from(id, user, "on it")), 10s);
    };
    const auto wait_for_log = [&](std::string_view line) {
        for (int i = 0; i < 500 && !s.logs.contains(line); ++i) std::this_thread::sleep_for(20ms);
        return s.logs.contains(line);
    };
    ASSERT_TRUE(say("EvF001", "U0GONE"));
    ASSERT_TRUE(wait_for_log("users.info U0GONE: user_not_found"));
    for (const char* id : {"EvF002", "EvF003"}) ASSERT_TRUE(say(id, "U0GONE"));
    ASSERT_TRUE(say("EvF004", "U0BEN"));
    ASSERT_TRUE(wait_for_log("add the users:read scope"));
    ASSERT_TRUE(say("EvF005", "U0ANA"));
    // U0GONE once, U0BEN once; nobody after the scope was refused.
    EXPECT_EQ(fake.requests("users.info").size(), 2u);
}

// Issue 15: Slack may send half of a surrogate pair (a message cut mid-emoji). Such an event
// is stored once, with U+FFFD in its place, and acked once; a frame no parser reads is
// still acked when its envelope_id is certain, so Slack stops redelivering it.
TEST(BotEndToEnd, LoneSurrogateEventIsStoredOnceAndAckedOnce) {
    fake_slack fake;
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));

    // nlohmann cannot write a lone surrogate escape, so the frame is spliced by hand.
    const auto frame = [](const std::string& envelope_id, int retry, const std::string& text) {
        json payload = message_event(1);
        payload["event"]["text"] = "TEXT";
        std::string p = payload.dump();
        p.replace(p.find("TEXT"), 4, text);
        return R"({"envelope_id":")" + envelope_id + R"(","type":"events_api","payload":)" + p +
               R"(,"accepts_response_payload":false,"retry_attempt":)" +
               std::to_string(retry) + "}";
    };
    fake.send_raw(frame("lone-1", 0, R"(checkout is back \ud83d)"));
    ASSERT_TRUE(fake.wait_for_ack("lone-1", 10s));
    // Slack's redelivery of the same event (new envelope_id, same event_id) is acked and
    // dropped, and a frame with a broken escape is acked without being stored.
    fake.send_raw(frame("lone-2", 1, R"(checkout is back \ud83d)"));
    fake.send_raw(frame("unreadable-1", 0, R"(broken \x escape)"));
    ASSERT_TRUE(fake.wait_for_ack("lone-2", 10s));
    ASSERT_TRUE(fake.wait_for_ack("unreadable-1", 10s));
    // An ordinary envelope after them: once it is acked, every ack before it has arrived.
    ack_payload(fake, "slash_commands", slash("note all clear"));

    std::map<std::string, int> acks;
    for (const auto& a : fake.acks()) ++acks[a.envelope_id];
    EXPECT_EQ(acks["lone-1"], 1);
    EXPECT_EQ(acks["lone-2"], 1);
    EXPECT_EQ(acks["unreadable-1"], 1);
    std::vector<std::string> stored;
    b.bot.with_store([&](store& s) {
        for (const auto& e : s.list_timeline(1))
            if (e.source == entry_source::message && e.text) stored.push_back(*e.text);
    });
    EXPECT_EQ(stored, std::vector<std::string>{"checkout is back \xEF\xBF\xBD"});
    EXPECT_TRUE(s.logs.contains("frame skipped: not valid JSON or not UTF-8"));
}

// A plain HTTP/1.0 GET on loopback; returns the whole response (status line, headers, body).
std::string http_get(unsigned short port, const std::string& path) {
    return http_exchange(port, "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n");
}

TEST(BotEndToEnd, HealthAndMetricsEndpointAnswersOnLoopback) {
    fake_slack fake;
    bot_setup s(fake);
    s.cfg.http_listen = "127.0.0.1:0";
    running_bot b(s.cfg, s.log);
    const auto port = b.bot.http_port();
    ASSERT_NE(port, 0);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev3 Search is slow"));

    std::string health;
    for (int i = 0; i < 200 && health.find(" 200 ") == std::string::npos; ++i) {
        health = http_get(port, "/healthz");
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_NE(health.find("HTTP/1.0 200"), std::string::npos) << health;

    const auto metrics = http_get(port, "/metrics");
    EXPECT_NE(metrics.find("incident_bot_socket_connections 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("incident_bot_envelopes_acked_total 1"), std::string::npos);
    EXPECT_NE(metrics.find("incident_bot_ack_latency_seconds_count 1"), std::string::npos);
    EXPECT_NE(metrics.find("incident_bot_web_api_requests_total{method=\"apps.connections.open\",status=\"200\"} 1"),
              std::string::npos);
    EXPECT_NE(http_get(port, "/nope").find(" 404 "), std::string::npos);

    // Losing Slack (and failing to reconnect) turns the health check red.
    fake.fail_next("apps.connections.open", 500, 1000);
    fake.blackhole();
    std::string red;
    for (int i = 0; i < 200 && red.find(" 503 ") == std::string::npos; ++i) {
        red = http_get(port, "/healthz");
        std::this_thread::sleep_for(10ms);
    }
    EXPECT_NE(red.find("not connected to Slack"), std::string::npos) << red;
}

}  // namespace
}  // namespace incident_bot::testing

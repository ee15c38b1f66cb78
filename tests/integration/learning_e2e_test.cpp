// Issue 19 end to end, through the real bot against the fake Slack: `/incident postmortem
// publish` (held back by the blameless check, published by "Publish anyway", names-free in
// the share channel, recorded once Slack took it, a failed post told to the publisher), and
// the "possibly related" posts at declare and on a diagnosis mark.
#include <gtest/gtest.h>

#include "e2e_support.hpp"
#include "incident_bot/commands/publish.hpp"

namespace incident_bot::testing {
namespace {

// A public channel, as conversations.info tells it.
void public_channels(fake_slack& fake) {
    fake.on("conversations.info", [](const recorded_request& r) {
        return json{{"ok", true},
                    {"channel", {{"id", r.args.value("channel", "")}, {"is_private", false}}}};
    });
}

// "Publish anyway" clicked on the private message the publish command answered with.
json publish_anyway_click(const fake_slack& fake, const std::string& user) {
    return {{"type", "block_actions"},
            {"user", {{"id", user}, {"username", "someone"}, {"team_id", "T1"}}},
            {"team", {{"id", "T1"}}},
            {"container",
             {{"type", "message"}, {"message_ts", "1795000000.000900"}, {"channel_id", "C0INC"},
              {"is_ephemeral", true}}},
            {"channel", {{"id", "C0INC"}, {"name", "inc"}}},
            {"response_url", fake.api_url() + "actions.hook"},
            {"actions",
             {{{"type", "button"}, {"action_id", std::string(publish_anyway_action)},
               {"block_id", "b"}, {"value", "1"}, {"action_ts", "1795000001.000200"}}}}};
}

// Every chat.postMessage to the share channel, as one text.
std::string shared_posts(const fake_slack& fake) {
    std::string all;
    for (const auto& r : fake.requests("chat.postMessage"))
        if (r.args.value("channel", "") == "C0SHARE") all += r.args.dump() + "\n";
    return all;
}

struct PublishEndToEnd : ::testing::Test {
    PublishEndToEnd() {
        public_channels(fake);
        s.cfg.commands.share_channel = "C0SHARE";
    }

    // An incident with a commander the bot knows by name, and blaming words in its impact.
    void incident_with_blame(running_bot& b) {
        ASSERT_TRUE(fake.wait_for_connections(1, 10s));
        b.bot.with_store([](store& st) {
            st.remember_person(
                {"U0BEN", {"ben", "Ben Okafor"}, std::chrono::floor<std::chrono::seconds>(st.now())});
        });
        ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
        ack_payload(fake, "slash_commands", slash("role commander <@U0BEN>"));
        ack_payload(fake, "slash_commands", slash("summary Ben Okafor rolled back the release"));
        ack_payload(fake, "slash_commands", slash("impact Checkout failed; this was human error"));
    }

    fake_slack fake;
    bot_setup s{fake};
};

TEST_F(PublishEndToEnd, HeldBackThenPublishedAnywayWithoutNames) {
    running_bot b(s.cfg, s.log);
    incident_with_blame(b);

    const auto held = ack_payload(fake, "slash_commands", slash("postmortem publish"));
    EXPECT_EQ(held.value("response_type", ""), "ephemeral");
    EXPECT_NE(held.dump().find("human error"), std::string::npos) << held.dump();
    EXPECT_NE(held.dump().find(std::string(publish_anyway_action)), std::string::npos);

    const auto ack = fake.wait_for_ack(
        fake.send_envelope("interactive", publish_anyway_click(fake, "U0ANA")), 10s);
    ASSERT_TRUE(ack.has_value());
    EXPECT_LT(ack->latency_ms, 3000);
    ASSERT_TRUE(wait_for_request_where(fake, "chat.postMessage", [](const json& a) {
        return a.value("channel", "") == "C0SHARE";
    }));
    const auto shared = shared_posts(fake);
    EXPECT_EQ(shared.find("Ben"), std::string::npos) << shared;
    EXPECT_EQ(shared.find("ben"), std::string::npos) << shared;
    EXPECT_EQ(shared.find("<@"), std::string::npos) << shared;
    EXPECT_NE(shared.find("The commander rolled back the release"), std::string::npos) << shared;

    // The click's answer replaces the held-back message.
    ASSERT_TRUE(wait_for_request_where(fake, "actions.hook", [](const json& a) {
        return a.value("replace_original", false) &&
               a.value("text", "").find("Publishing version") != std::string::npos;
    }));
    ASSERT_TRUE(eventually(b, [](store& st) { return st.publication_of(1, 1).has_value(); }));
    b.bot.with_store([](store& st) {
        const auto p = st.publication_of(1, 1);
        EXPECT_EQ(p->published_by, "U0ANA");
        EXPECT_TRUE(p->forced);
        EXPECT_EQ(st.draft_version(1, 1)->markdown.find("Ben"), std::string::npos);
    });
}

TEST_F(PublishEndToEnd, AFailedPostIsToldAndNotRecorded) {
    fake.on("chat.postMessage", [](const recorded_request& r) {
        if (r.args.value("channel", "") == "C0SHARE")
            return json{{"ok", false}, {"error", "not_in_channel"}};
        return json{{"ok", true}, {"ts", "1795000000.000100"}};
    });
    running_bot b(s.cfg, s.log);
    incident_with_blame(b);
    auto cmd = slash("postmortem publish anyway");
    cmd["response_url"] = fake.api_url() + "commands.hook";
    ack_payload(fake, "slash_commands", cmd);
    ASSERT_TRUE(wait_for_request_where(fake, "commands.hook", [](const json& a) {
        return a.value("text", "").find("couldn't post the post-mortem") != std::string::npos &&
               a.value("text", "").find("not_in_channel") != std::string::npos &&
               a.value("response_type", "") == "ephemeral";
    }));
    b.bot.with_store([](store& st) { EXPECT_FALSE(st.publication_of(1, 1)); });
}

json event(const std::string& id, json inner) {
    return {{"type", "event_callback"}, {"event_id", id}, {"event", std::move(inner)}};
}

TEST(RelatedEndToEnd, DeclareAndDiagnosisMarkPointToPastIncidents) {
    fake_slack fake;
    public_channels(fake);
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    b.bot.with_store([](store& st) {
        new_incident past;
        past.title = "Kafka consumer lag on orders";
        past.channel = "C0OLD";
        past.is_private = false;
        st.create_incident(past);
    });
    ack_payload(fake, "slash_commands", slash("declare sev2 Payments slow"));
    ack_payload(fake, "slash_commands", slash("declare sev2 Kafka consumer lag", "U0ANA", "C0INC2"));
    // Only the second declare matches strongly, and says so in its channel.
    ASSERT_TRUE(wait_for_request_where(fake, "chat.postMessage", [](const json& a) {
        return a.value("channel", "") == "C0INC2" &&
               a.value("text", "").find("Possibly related") != std::string::npos &&
               a.value("text", "").find("#1 Kafka consumer lag on orders") != std::string::npos;
    }));

    // A message marked :bulb: in the first incident gets the related ones in its thread, once.
    const auto text = "kafka consumer group rebalancing keeps stalling payments";
    fake.wait_for_ack(fake.send_envelope("events_api",
                                         event("EvR1", {{"type", "message"}, {"channel", "C0INC"},
                                                        {"user", "U0BEN"}, {"text", text},
                                                        {"ts", "1795000100.000100"}})),
                      10s);
    for (const char* who : {"U0ANA", "U0BEN"})
        fake.wait_for_ack(
            fake.send_envelope("events_api",
                               event(std::string("EvB") + who,
                                     {{"type", "reaction_added"}, {"user", who}, {"reaction", "bulb"},
                                      {"item", {{"type", "message"}, {"channel", "C0INC"},
                                                {"ts", "1795000100.000100"}}},
                                      {"event_ts", "1795000200.000100"}})),
            10s);
    const auto in_thread = [](const json& a) {
        return a.value("channel", "") == "C0INC" && a.value("thread_ts", "") == "1795000100.000100" &&
               a.value("text", "").find("Possibly related") != std::string::npos;
    };
    ASSERT_TRUE(wait_for_request_where(fake, "chat.postMessage", in_thread));
    std::this_thread::sleep_for(300ms);
    std::size_t replies = 0;
    for (const auto& r : fake.requests("chat.postMessage")) replies += in_thread(r.args);
    EXPECT_EQ(replies, 1u);
}

}  // namespace
}  // namespace incident_bot::testing

// Issue 18 end to end: the Mark done / Snooze buttons on item posts and the App Home, through
// the real bot (Socket Mode, dispatcher, store thread, Web API) against the fake Slack, which
// refuses views that break Block Kit's limits.
#include <gtest/gtest.h>

#include "e2e_support.hpp"
#include "incident_bot/commands/home.hpp"

namespace incident_bot::testing {
namespace {

// A button click as Slack sends it: on a message in `channel`, or on the Home when empty.
json click(const fake_slack& fake,
           const std::string& user,
           const std::string& action_id,
           const std::string& value,
           const std::string& channel = "C0INC") {
    json p = {{"type", "block_actions"},
              {"user", {{"id", user}, {"username", "someone"}, {"team_id", "T1"}}},
              {"team", {{"id", "T1"}}},
              {"trigger_id", "1.2.abc"},
              {"actions",
               {{{"type", "button"}, {"action_id", action_id}, {"block_id", "b"}, {"value", value},
                 {"action_ts", "1795000001.000200"}}}}};
    if (channel.empty()) {
        p["container"] = {{"type", "view"}, {"view_id", "V0HOME"}};
        p["view"] = {{"id", "V0HOME"}, {"type", "home"}};
    } else {
        p["container"] = {{"type", "message"}, {"message_ts", "1795000000.000900"},
                          {"channel_id", channel}, {"is_ephemeral", false}};
        p["channel"] = {{"id", channel}, {"name", "inc"}};
        p["response_url"] = fake.api_url() + "actions.hook";
    }
    return p;
}

json home_opened(const std::string& user, const std::string& id, const std::string& tab = "home") {
    return {{"type", "event_callback"},
            {"event_id", id},
            {"event", {{"type", "app_home_opened"}, {"user", user}, {"channel", "D0" + user},
                       {"tab", tab}, {"event_ts", "1795000002.000100"}}}};
}

// Sends a click and checks it is acked, well within Slack's 3 s, without a payload.
void send_click(fake_slack& fake, json payload) {
    const auto ack = fake.wait_for_ack(fake.send_envelope("interactive", std::move(payload)), 10s);
    ASSERT_TRUE(ack.has_value());
    EXPECT_LT(ack->latency_ms, 3000);
    EXPECT_TRUE(ack->payload.is_null());
}

TEST(HomeEndToEnd, ItemPostButtonsCloseAndSnoozeUnderTheDoneRule) {
    fake_slack fake;
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));
    ack_payload(fake, "slash_commands", slash("action Rotate the keys <@U0BEN> due:2099-01-01"));
    // The item's post carries the buttons.
    ASSERT_TRUE(fake.wait_for_requests("chat.postMessage", 1, 10s));
    const auto post = fake.requests("chat.postMessage").back().args;
    EXPECT_NE(post.dump().find("\"action_id\":\"action_item_done\""), std::string::npos) << post.dump();
    EXPECT_NE(post.dump().find("Snooze 7 days"), std::string::npos);
    const auto is_done = [](store& st) { return st.get_action_item(1)->done; };

    // A stranger is refused privately and nothing changes.
    send_click(fake, click(fake, "U0CAL", "action_item_done", "1"));
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 1, 10s));
    const auto refusal = fake.requests("actions.hook").back().args;
    EXPECT_NE(refusal.value("text", "").find("Sorry, you can't close action #1"), std::string::npos);
    EXPECT_EQ(refusal.value("response_type", ""), "ephemeral");
    EXPECT_EQ(refusal.value("replace_original", true), false);
    b.bot.with_store([&](store& st) { EXPECT_FALSE(is_done(st)); });

    // The owner snoozes: the post shows the new date, and a private line says so.
    send_click(fake, click(fake, "U0BEN", "action_item_snooze", "1"));
    ASSERT_TRUE(fake.wait_for_requests("chat.update", 1, 10s));
    EXPECT_NE(last_args(fake, "chat.update").find("due 2099-01-08"), std::string::npos);
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 2, 10s));
    EXPECT_NE(last_args(fake, "actions.hook").find("Snoozed action #1"), std::string::npos);

    // The owner closes it: the post is updated in place with who and when, once.
    send_click(fake, click(fake, "U0BEN", "action_item_done", "1"));
    ASSERT_TRUE(fake.wait_for_requests("chat.update", 2, 10s));
    const auto updated = fake.requests("chat.update").back().args;
    EXPECT_EQ(updated.value("channel", ""), "C0INC");
    EXPECT_EQ(updated.value("ts", ""), "1795000000.000900");
    EXPECT_NE(updated.dump().find("closed by <@U0BEN> on "), std::string::npos) << updated.dump();
    EXPECT_EQ(updated.dump().find("action_item_done"), std::string::npos);
    b.bot.with_store([&](store& st) { EXPECT_TRUE(is_done(st)); });

    // A double click closes nothing more and says so.
    send_click(fake, click(fake, "U0BEN", "action_item_done", "1"));
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 3, 10s));
    EXPECT_NE(last_args(fake, "actions.hook").find("already done"), std::string::npos);

    // Bad payloads: an unknown item, a value that is no id, an unknown button.
    send_click(fake, click(fake, "U0BEN", "action_item_done", "999"));
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 4, 10s));
    EXPECT_NE(last_args(fake, "actions.hook").find("no action #999"), std::string::npos);
    send_click(fake, click(fake, "U0BEN", "action_item_snooze", "drop table"));
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 5, 10s));
    EXPECT_NE(last_args(fake, "actions.hook").find("Nothing was changed"), std::string::npos);
    send_click(fake, click(fake, "U0BEN", "launch_rockets", "1"));
    ASSERT_TRUE(fake.wait_for_requests("actions.hook", 6, 10s));
    EXPECT_NE(last_args(fake, "actions.hook").find("don't know that button"), std::string::npos);
    EXPECT_EQ(fake.requests("chat.update").size(), 2u);
    // The done line is not echoed again into the channel whose post already shows it.
    for (const auto& r : fake.requests("chat.postMessage"))
        EXPECT_EQ(r.args.dump().find("Action #1 done"), std::string::npos);
    b.bot.with_store([&](store& st) {
        action_filter f;
        f.scope = action_scope::all;
        EXPECT_EQ(st.list_action_items(f).size(), 1u);
    });
}

TEST(HomeEndToEnd, HomeIsPublishedFilteredAndRepublishedAfterChanges) {
    fake_slack fake;
    // A public channel: its items are on everyone's Home.
    fake.on("conversations.info", [](const recorded_request& r) {
        return json{{"ok", true},
                    {"channel", {{"id", r.args.value("channel", "")}, {"is_private", false}}}};
    });
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev1 Payments failing"));
    ack_payload(fake, "slash_commands", slash("action Rotate the keys <@U0BEN> due:2099-01-01"));
    ack_payload(fake, "slash_commands", slash("action Write the runbook <@U0ANA>"));

    // The Messages tab publishes nothing; the Home tab publishes the person's Home.
    ASSERT_TRUE(fake.wait_for_ack(fake.send_envelope("events_api", home_opened("U0BEN", "EvH1", "messages")), 10s));
    ASSERT_TRUE(fake.wait_for_ack(fake.send_envelope("events_api", home_opened("U0BEN", "EvH2")), 10s));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 1, 10s));
    auto published = fake.requests("views.publish");
    ASSERT_EQ(published.size(), 1u);
    EXPECT_EQ(published[0].args.value("user_id", ""), "U0BEN");
    const auto view = published[0].args["view"].dump();
    EXPECT_NE(view.find("\"type\":\"home\""), std::string::npos);
    EXPECT_NE(view.find("Your action items (1 open)"), std::string::npos) << view;
    EXPECT_NE(view.find("Incidents you are in (1)"), std::string::npos);
    EXPECT_NE(view.find("Write the runbook"), std::string::npos);  // in "All open action items"

    // A stranger who opened the Home is refused in it, and nothing changes.
    fake.send_envelope("events_api", home_opened("U0CAL", "EvH3"));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 2, 10s));
    send_click(fake, click(fake, "U0CAL", "action_item_done:mine:1", "1", ""));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 3, 10s));
    published = fake.requests("views.publish");
    EXPECT_EQ(published[2].args.value("user_id", ""), "U0CAL");
    EXPECT_NE(published[2].args.dump().find("Sorry, you can't close action #1"), std::string::npos);
    b.bot.with_store([&](store& st) { EXPECT_FALSE(st.get_action_item(1)->done); });

    // Filters re-publish and are remembered.
    send_click(fake, click(fake, "U0CAL", "home_filter:overdue", "overdue", ""));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 4, 10s));
    EXPECT_NE(last_args(fake, "views.publish").find("Overdue action items"), std::string::npos);
    send_click(fake, click(fake, "U0CAL", "home_group", "owner", ""));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 5, 10s));
    EXPECT_NE(last_args(fake, "views.publish").find("Group by incident"), std::string::npos);
    b.bot.with_store([&](store& st) {
        EXPECT_EQ(st.home_viewer_of("U0CAL")->filter, home_filter::overdue);
        EXPECT_EQ(st.home_viewer_of("U0CAL")->grouping, home_grouping::owner);
    });

    // Done from the Home: closed, the Home re-published, the channel told.
    const auto before = fake.requests("views.publish").size();
    send_click(fake, click(fake, "U0BEN", "action_item_done:mine:1", "1", ""));
    ASSERT_TRUE(eventually(b, [](store& st) { return st.get_action_item(1)->done; }));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", before + 1, 10s));
    EXPECT_TRUE(wait_for_request_where(fake, "views.publish", [](const json& a) {
        return a.value("user_id", "") == "U0BEN" &&
               a.dump().find("Nothing open on your plate") != std::string::npos;
    }));
    EXPECT_TRUE(wait_for_request_where(fake, "chat.postMessage", [](const json& a) {
        return a.dump().find("Action #1 done") != std::string::npos;
    }));

    // A new item for Ben re-publishes his Home (he opened it); nobody polls.
    const auto n = fake.requests("views.publish").size();
    ack_payload(fake, "slash_commands", slash("action Add a canary <@U0BEN>"));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", n + 1, 10s));
    EXPECT_TRUE(wait_for_request_where(fake, "views.publish", [](const json& a) {
        return a.value("user_id", "") == "U0BEN" && a.dump().find("Add a canary") != std::string::npos;
    }));
    // Every view the bot sent passed the fake's Block Kit check.
    for (const auto& m : {"views.publish", "chat.update"})
        EXPECT_EQ(s.logs.count({m, "invalid_blocks"}), 0u) << m;
}

TEST(HomeEndToEnd, AThousandOpenItemsArePublishedQuicklyAndTruncatedWithACount) {
    fake_slack fake;
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    b.bot.with_store([](store& st) {
        transaction tx(st);
        for (int i = 0; i < 20; ++i) {
            new_incident n;
            n.title = "Incident " + std::to_string(i);
            n.channel = "C" + std::to_string(i);
            n.is_private = false;
            st.create_incident(n);
        }
        for (int k = 0; k < 1000; ++k) {
            action_item a;
            a.incident_id = 1 + k % 20;
            a.text = "Follow-up " + std::to_string(k);
            a.owner = "U" + std::to_string(k % 9);
            st.add_action_item(a);
        }
        tx.commit();
    });
    const auto sent = std::chrono::steady_clock::now();
    fake.send_envelope("events_api", home_opened("U0MGR", "EvBig"));
    ASSERT_TRUE(fake.wait_for_requests("views.publish", 1, 10s));
    const auto took = std::chrono::steady_clock::now() - sent;
    EXPECT_LT(took, 3s);
    const auto view = fake.requests("views.publish").front().args["view"];
    EXPECT_LE(view["blocks"].size(), 100u);
    EXPECT_TRUE(block_kit_problems(view).empty());
    EXPECT_NE(view.dump().find("1000 items"), std::string::npos);
    EXPECT_NE(view.dump().find("more not shown here"), std::string::npos);
}

}  // namespace
}  // namespace incident_bot::testing

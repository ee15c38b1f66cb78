// Issue 18 end to end: the declare modal (from `/incident declare` and the global shortcut)
// and the "Add to timeline" message shortcut, through the real bot against the fake Slack.
#include <gtest/gtest.h>

#include "e2e_support.hpp"

namespace incident_bot::testing {
namespace {

json submission(const std::string& user,
                const std::string& channel,
                const std::string& title,
                const std::string& severity,
                bool new_channel,
                const std::string& summary) {
    json values = {{"title", {{"value", {{"type", "plain_text_input"}, {"value", title}}}}},
                   {"summary", {{"value", {{"type", "plain_text_input"}, {"value", summary}}}}},
                   {"channel", {{"value", {{"type", "checkboxes"}, {"selected_options", json::array()}}}}}};
    if (!severity.empty())
        values["severity"] = {{"value", {{"type", "static_select"},
                                         {"selected_option", {{"value", severity}}}}}};
    if (new_channel)
        values["channel"]["value"]["selected_options"].push_back({{"value", "new"}});
    return {{"type", "view_submission"},
            {"user", {{"id", user}}},
            {"trigger_id", "1.2.submit"},
            {"view",
             {{"id", "V0MODAL"}, {"type", "modal"}, {"callback_id", "declare_incident"},
              {"private_metadata", channel}, {"state", {{"values", values}}}}}};
}

json message_shortcut(const fake_slack& fake,
                      const std::string& callback,
                      const std::string& channel,
                      const std::string& ts) {
    return {{"type", "message_action"},
            {"callback_id", callback},
            {"trigger_id", "1.2.msg"},
            {"user", {{"id", "U0ANA"}}},
            {"channel", {{"id", channel}, {"name", "inc"}}},
            {"response_url", fake.api_url() + "shortcut.hook"},
            {"message", {{"type", "message"}, {"user", "U0BEN"}, {"ts", ts},
                         {"thread_ts", "1795000400.000100"}, {"text", "the canary is back to green"}}}};
}

TEST(ShortcutsEndToEnd, DeclareByModalValidatesInPlaceAndDeclaresLikeTheCommand) {
    fake_slack fake;
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));

    // Without a trigger_id the command answers in text.
    const auto no_trigger = ack_payload(fake, "slash_commands", slash("declare"));
    EXPECT_NE(no_trigger.value("text", "").find("needs a short title"), std::string::npos);
    EXPECT_TRUE(fake.requests("views.open").empty());

    auto bare = slash("declare");
    bare["trigger_id"] = "1.2.cmd";
    EXPECT_TRUE(ack_payload(fake, "slash_commands", bare).empty());
    ASSERT_TRUE(fake.wait_for_requests("views.open", 1, 10s));
    const auto opened = fake.requests("views.open").front().args;
    EXPECT_EQ(opened.value("trigger_id", ""), "1.2.cmd");
    EXPECT_EQ(opened["view"].value("callback_id", ""), "declare_incident");
    EXPECT_EQ(opened["view"].value("private_metadata", ""), "C0INC");

    // An empty title is shown in the modal, and nothing is declared.
    const auto errors = ack_payload(fake, "interactive", submission("U0ANA", "C0INC", "  ", "sev1", false, ""));
    EXPECT_EQ(errors.value("response_action", ""), "errors");
    EXPECT_TRUE(errors["errors"].contains("title")) << errors.dump();
    b.bot.with_store([](store& st) { EXPECT_TRUE(st.list_incidents().empty()); });

    // A good submission declares in the channel, as the command would, with its summary.
    EXPECT_TRUE(ack_payload(fake, "interactive",
                            submission("U0ANA", "C0INC", "Payments failing", "sev1", false,
                                       "Card processor timeouts"))
                    .empty());
    ASSERT_TRUE(fake.wait_for_requests("chat.postMessage", 1, 10s));
    EXPECT_NE(last_args(fake, "chat.postMessage").find("Incident #1 declared"), std::string::npos);
    std::optional<incident> inc;
    EXPECT_TRUE(eventually(b, [&](store& st) {
        inc = st.get_incident(1);
        return inc && inc->summary;
    }));
    ASSERT_TRUE(inc.has_value());
    EXPECT_EQ(inc->title, "Payments failing");
    EXPECT_EQ(inc->severity, 1);
    EXPECT_EQ(inc->channel, "C0INC");
    EXPECT_EQ(inc->declared_by, "U0ANA");
    EXPECT_EQ(inc->summary, "Card processor timeouts");

    // The global shortcut opens the same form with the new-channel box ticked; without a
    // trigger it says so privately; unticked, the form asks for it.
    fake.send_envelope("interactive", {{"type", "shortcut"}, {"callback_id", "declare_incident"},
                                       {"trigger_id", "1.2.global"}, {"user", {{"id", "U0BEN"}}}});
    ASSERT_TRUE(fake.wait_for_requests("views.open", 2, 10s));
    const auto global = fake.requests("views.open").back().args["view"];
    EXPECT_EQ(global.value("private_metadata", "?"), "");
    EXPECT_NE(global.dump().find("initial_options"), std::string::npos);
    fake.send_envelope("interactive", {{"type", "shortcut"}, {"callback_id", "declare_incident"},
                                       {"user", {{"id", "U0BEN"}}}});
    ASSERT_TRUE(fake.wait_for_requests("chat.postMessage", 2, 10s));
    const auto dm = fake.requests("chat.postMessage").back().args;
    EXPECT_EQ(dm.value("channel", ""), "U0BEN");
    EXPECT_NE(dm.value("text", "").find("declare sev2"), std::string::npos);
    const auto no_channel = ack_payload(fake, "interactive", submission("U0BEN", "", "DNS down", "", false, ""));
    EXPECT_TRUE(no_channel["errors"].contains("channel")) << no_channel.dump();
    b.bot.with_store([](store& st) { EXPECT_EQ(st.list_incidents().size(), 1u); });
}

TEST(ShortcutsEndToEnd, AddToTimelineMarksAKeyEventOnceAndSaysSoPrivately) {
    fake_slack fake;
    bot_setup s(fake);
    running_bot b(s.cfg, s.log);
    ASSERT_TRUE(fake.wait_for_connections(1, 10s));
    ack_payload(fake, "slash_commands", slash("declare sev2 Checkout errors"));

    fake.send_envelope("interactive", message_shortcut(fake, "add_to_timeline", "C0INC", "1795000500.000100"));
    ASSERT_TRUE(fake.wait_for_requests("shortcut.hook", 1, 10s));
    EXPECT_NE(last_args(fake, "shortcut.hook").find("Added to the timeline of incident #1"), std::string::npos);
    EXPECT_NE(last_args(fake, "shortcut.hook").find("\"response_type\":\"ephemeral\""), std::string::npos);
    b.bot.with_store([](store& st) {
        const auto e = st.find_entry(1, "1795000500.000100");
        ASSERT_TRUE(e.has_value());
        EXPECT_TRUE(e->key_event);
        EXPECT_EQ(e->thread_ts, "1795000400.000100");
        EXPECT_EQ(e->user, "U0BEN");
    });

    fake.send_envelope("interactive", message_shortcut(fake, "add_to_timeline", "C0INC", "1795000500.000100"));
    ASSERT_TRUE(fake.wait_for_requests("shortcut.hook", 2, 10s));
    EXPECT_NE(last_args(fake, "shortcut.hook").find("already marked"), std::string::npos);

    // No incident in that channel; an unknown shortcut; a message without a ts.
    fake.send_envelope("interactive", message_shortcut(fake, "add_to_timeline", "C0QUIET", "1795000600.000100"));
    ASSERT_TRUE(fake.wait_for_requests("shortcut.hook", 3, 10s));
    EXPECT_NE(last_args(fake, "shortcut.hook").find("no open incident in this channel"), std::string::npos);
    fake.send_envelope("interactive", message_shortcut(fake, "summon_dragons", "C0INC", "1795000600.000100"));
    ASSERT_TRUE(fake.wait_for_requests("shortcut.hook", 4, 10s));
    EXPECT_NE(last_args(fake, "shortcut.hook").find("don't know that shortcut"), std::string::npos);
    fake.send_envelope("interactive", message_shortcut(fake, "add_to_timeline", "C0INC", "yesterday"));
    ASSERT_TRUE(fake.wait_for_requests("shortcut.hook", 5, 10s));
    EXPECT_NE(last_args(fake, "shortcut.hook").find("nothing was added"), std::string::npos);
    b.bot.with_store([](store& st) {
        EXPECT_EQ(st.list_timeline(1).size(), 3u);  // declare, severity, the marked message
    });
}

}  // namespace
}  // namespace incident_bot::testing

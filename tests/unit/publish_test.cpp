// Issue 19: publishing a post-mortem org-wide without names. The names-free text, the
// blameless check that holds it back, who may publish, and the versions it is kept as.
#include <gtest/gtest.h>

#include "incident_bot/commands/publish.hpp"
#include "incident_bot/postmortem/publish.hpp"
#include "incident_bot/postmortem/mentions.hpp"
#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using testing::fixed_clock;
using testing::said;
using testing::temp_dir;

TEST(KnownNames, ReplacedAsWholeWordsInAnyCaseLongestFirst) {
    const std::vector<person_names> people = {{"U1", {"marta", "Marta Lopez", "Marta"}, {}},
                                              {"U2", {"kev"}, {}},
                                              {"U3", {"x"}, {}}};
    const auto role = [](std::string_view user) {
        return std::string(user == "U1" ? "the commander" : "a responder");
    };
    EXPECT_EQ(detail::replace_known_names("marta lopez restarted it; ask @Kev. this is on MARTA's "
                                          "side, not kevin's or smarta's",
                                          people, role),
              "The commander restarted it; ask a responder. this is on the commander's side, not "
              "kevin's or smarta's");
    // One-letter names are too common to tell from words.
    EXPECT_EQ(detail::replace_known_names("x marks it", people, role), "x marks it");
    // Non-ASCII letters join the word: "kevé" is not "kev".
    EXPECT_EQ(detail::replace_known_names("kevé and kev", people, role), "kevé and a responder");
}

class Publish : public ::testing::Test {
  protected:
    void SetUp() override {
        cfg.share_channel = "C0SHARE";
        const auto now = std::chrono::floor<std::chrono::seconds>(*clock.now);
        db.remember_person({"U2", {"dana", "Dana Ruiz"}, now});
        db.remember_person({"U3", {"chen"}, now});
        id = db.create_incident({.title = "Checkout errors after dana's deploy",
                                 .severity = 2,
                                 .channel = "C1",
                                 .declared_by = "U1",
                                 .is_private = false})
                 .id;
        db.set_role(id, incident_role::commander, "U2");
        db.add_entry(said(id, "1790000000.000100", "U3", "<@U2> rolled back; chen watched the graphs"));
        db.set_summary(id, "Dana Ruiz and chen restored checkout.", "U2");
    }

    command_outcome run(const std::string& text, const std::string& user = "U2") {
        return run_incident_command(db, slash_command{"/incident", text, user, "C1", "", ""}, cfg,
                                    &rules, *clock.now);
    }

    static std::string text_of(const command_outcome& o) { return o.reply["text"].get<std::string>(); }

    int latest_version() { return db.latest_draft(id) ? db.latest_draft(id)->version : 0; }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    commands_config cfg;
    rule_set rules = rule_set::load_default();
    std::int64_t id = 0;
};

TEST_F(Publish, OrganisationDraftNamesNobody) {
    const auto org = write_organisation_draft(db, id, &rules);
    ASSERT_TRUE(org);
    for (const auto* name : {"dana", "Dana", "chen", "<@"})
        EXPECT_EQ(org->markdown.find(name), std::string::npos) << name << "\n" << org->markdown;
    EXPECT_NE(org->markdown.find("The commander and a responder restored checkout."),
              std::string::npos)
        << org->markdown;
    EXPECT_NE(org->markdown.find("the commander rolled back; a responder watched the graphs"),
              std::string::npos)
        << org->markdown;
    EXPECT_EQ(org->title, "Checkout errors after the commander's deploy");
    EXPECT_TRUE(org->findings.empty());
    EXPECT_FALSE(write_organisation_draft(db, id + 1, &rules));
}

TEST_F(Publish, WithoutAShareChannelNothingHappens) {
    cfg.share_channel.clear();
    const auto o = run("postmortem publish");
    EXPECT_NE(text_of(o).find("no share channel is set"), std::string::npos) << text_of(o);
    EXPECT_NE(text_of(o).find("postmortem.share_channel"), std::string::npos);
    EXPECT_TRUE(o.follow_ups.empty());
    EXPECT_EQ(latest_version(), 0);
}

TEST_F(Publish, OnlyWhoMayResolveMayPublish) {
    const auto o = run("postmortem publish", "U9");
    EXPECT_NE(text_of(o).find("Sorry, you can't publish the post-mortem of incident #1"),
              std::string::npos)
        << text_of(o);
    EXPECT_TRUE(o.follow_ups.empty());
    EXPECT_EQ(latest_version(), 0);
}

TEST_F(Publish, BlamingTextIsHeldBackUntilThePublisherChooses) {
    db.set_impact(id, "Checkout failed for 20 minutes because of human error.", "U2");
    auto o = run("postmortem publish");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_TRUE(o.follow_ups.empty());
    EXPECT_EQ(latest_version(), 0);
    const auto shown = o.reply.dump();
    EXPECT_NE(shown.find("human error"), std::string::npos) << shown;
    EXPECT_NE(shown.find("Nothing was posted"), std::string::npos);
    EXPECT_NE(shown.find("\"action_id\":\"postmortem_publish_anyway\""), std::string::npos);
    EXPECT_NE(shown.find("\"confirm\""), std::string::npos);

    // "anyway": the names-free text becomes the next version and goes to the share channel;
    // it is recorded as published only once Slack takes the first post.
    o = run("postmortem publish anyway");
    EXPECT_EQ(latest_version(), 1);
    ASSERT_FALSE(o.follow_ups.empty());
    for (const auto& c : o.follow_ups) {
        EXPECT_EQ(c.method, "chat.postMessage");
        EXPECT_EQ(c.args["channel"], "C0SHARE");
        EXPECT_EQ(c.args.dump().find("dana"), std::string::npos) << c.args.dump();
        EXPECT_EQ(c.args.dump().find("<@"), std::string::npos) << c.args.dump();
    }
    EXPECT_NE(text_of(o).find("--version 1"), std::string::npos) << text_of(o);
    EXPECT_FALSE(db.publication_of(id, 1));
    ASSERT_TRUE(o.follow_ups.front().on_ok);
    EXPECT_FALSE(o.follow_ups.front().if_failed.empty());
    o.follow_ups.front().on_ok(db, nlohmann::json::object());
    const auto p = db.publication_of(id, 1);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->channel, "C0SHARE");
    EXPECT_EQ(p->published_by, "U2");
    EXPECT_TRUE(p->forced);
    EXPECT_EQ(db.draft_version(id, 1)->markdown, write_organisation_draft(db, id, nullptr)->markdown);
}

TEST_F(Publish, PrivateIncidentsAskBeforeGoingOrgWide) {
    db.set_incident_private(id, true);
    auto o = run("postmortem publish");
    EXPECT_NE(o.reply.dump().find("channel is private"), std::string::npos) << o.reply.dump();
    EXPECT_TRUE(o.follow_ups.empty());
    db.set_incident_private(id, false);
    o = run("postmortem publish");
    EXPECT_FALSE(o.follow_ups.empty()) << o.reply.dump();
    o.follow_ups.front().on_ok(db, nlohmann::json::object());
    EXPECT_FALSE(db.publication_of(id, 1)->forced);
}

TEST_F(Publish, BadSubcommandWordsGetUsage) {
    for (const auto* text : {"postmortem publish now", "postmortem publish anyway please",
                             "postmortem post anyway"}) {
        const auto o = run(text);
        EXPECT_NE(text_of(o).find("Usage: `/incident postmortem [new|post|publish]`"),
                  std::string::npos)
            << text;
        EXPECT_TRUE(o.follow_ups.empty());
    }
    EXPECT_EQ(latest_version(), 0);
}

TEST_F(Publish, ForgetUserKeepsPublishedVersionsNamesFree) {
    auto o = run("postmortem publish");
    ASSERT_FALSE(o.follow_ups.empty());
    o.follow_ups.front().on_ok(db, nlohmann::json::object());
    db.add_draft(id, "team draft naming dana");
    const auto erased = db.forget_user("U2", [&](std::int64_t incident, draft_audience a) {
        return a == draft_audience::organisation ? "published, redrafted"
                                                 : generate_draft(db, incident, nullptr)->markdown;
    });
    EXPECT_EQ(erased.drafts, 1);
    EXPECT_EQ(db.draft_version(id, 1)->markdown, "published, redrafted");
    EXPECT_NE(db.draft_version(id, 2)->markdown, "published, redrafted");
    EXPECT_FALSE(db.publication_of(id, 1)->published_by);
}

}  // namespace
}  // namespace incident_bot

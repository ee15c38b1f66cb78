// The App Home view and the action item buttons' decisions (issue 18), on a real SQLite file:
// who may close or snooze, double clicks, private incidents, Block Kit limits at 1,000 items.
#include <gtest/gtest.h>

#include "incident_bot/commands/action_items.hpp"
#include "incident_bot/commands/home.hpp"
#include "store/schema.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using testing::fixed_clock;
using testing::temp_dir;
using json = nlohmann::json;
using namespace std::chrono;

class Home : public ::testing::Test {
  protected:
    std::int64_t declare(const std::string& channel,
                         std::optional<bool> is_private = false,
                         std::optional<std::string> commander = {}) {
        new_incident n;
        n.title = "Checkout errors in " + channel;
        n.channel = channel;
        n.declared_by = "UDECL";
        n.commander = commander;
        n.is_private = is_private;
        return db.create_incident(n).id;
    }
    std::int64_t item(std::int64_t incident,
                      std::optional<std::string> owner,
                      std::optional<sys_days> due = {},
                      std::string text = "Add an alert") {
        action_item a;
        a.incident_id = incident;
        a.text = std::move(text);
        a.owner = std::move(owner);
        a.due = due;
        a.created_by = "UDECL";
        return db.add_action_item(a);
    }
    sys_days today() const { return floor<days>(*clock.now); }
    json home(const std::string& user, home_filter f = home_filter::open,
              home_grouping g = home_grouping::incident) {
        return build_home_view(db, cfg, {user, f, g, today(), ""});
    }
    static std::string text(const json& view) { return view.dump(); }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    commands_config cfg;
};

TEST(HomeSchema, CurrentVersionIsTheLastMigration) {
    EXPECT_EQ(detail::migrations().back().version, store::schema_version);
}

TEST_F(Home, ViewersAreRememberedWithTheirView) {
    EXPECT_FALSE(db.home_viewer_of("U1"));
    db.remember_home_viewer({"U1", home_filter::overdue, home_grouping::owner, floor<seconds>(*clock.now)});
    const auto v = db.home_viewer_of("U1");
    ASSERT_TRUE(v);
    EXPECT_EQ(v->filter, home_filter::overdue);
    EXPECT_EQ(v->grouping, home_grouping::owner);
    db.remember_home_viewer({"U1", home_filter::all, home_grouping::incident, floor<seconds>(*clock.now)});
    EXPECT_EQ(db.home_viewer_of("U1")->filter, home_filter::all);
}

TEST_F(Home, CloseFollowsTheDoneRuleAndClosesOnce) {
    const auto inc = declare("C1", false, "UCMD");
    const auto id = item(inc, "UOWN");
    auto stranger = close_action_item(db, cfg, id, {"USTR", ""});
    EXPECT_EQ(stranger.result, item_result::refused);
    EXPECT_NE(stranger.reply.find("its owner <@UOWN>"), std::string::npos) << stranger.reply;
    EXPECT_FALSE(db.get_action_item(id)->done);

    auto first = close_action_item(db, cfg, id, {"UCMD", ""});
    EXPECT_EQ(first.result, item_result::changed);
    EXPECT_TRUE(first.item->done);
    ASSERT_EQ(first.follow_ups.size(), 1u);
    EXPECT_EQ(first.follow_ups[0].args["channel"], "C1");
    auto second = close_action_item(db, cfg, id, {"UOWN", ""});
    EXPECT_EQ(second.result, item_result::already);
    EXPECT_NE(second.reply.find("already done"), std::string::npos);

    EXPECT_EQ(close_action_item(db, cfg, 999, {"UOWN", ""}).result, item_result::missing);
}

TEST_F(Home, PrivateIncidentItemsDoNotExistOutsideForStrangers) {
    const auto inc = declare("CPRIV", true);
    const auto id = item(inc, "UOWN");
    const auto r = close_action_item(db, cfg, id, {"USTR", ""});
    EXPECT_EQ(r.result, item_result::missing);
    EXPECT_NE(r.reply.find("no action #" + std::to_string(id)), std::string::npos);
    // Its owner sees it on the Home; a stranger does not, even under "all".
    EXPECT_NE(text(home("UOWN")).find("Checkout errors in CPRIV"), std::string::npos);
    EXPECT_EQ(text(home("USTR", home_filter::all)).find("CPRIV"), std::string::npos);
}

TEST_F(Home, SnoozeMovesTheDueDateFromTodayWhenOverdue) {
    const auto inc = declare("C1");
    const auto late = item(inc, "UOWN", today() - days(3));
    const auto later = item(inc, "UOWN", today() + days(2));
    EXPECT_EQ(snooze_action_item(db, cfg, late, {"UOWN", ""}, snooze_days, today()).result,
              item_result::changed);
    EXPECT_EQ(db.get_action_item(late)->due, today() + days(7));
    snooze_action_item(db, cfg, later, {"UOWN", ""}, snooze_days, today());
    EXPECT_EQ(db.get_action_item(later)->due, today() + days(9));
    EXPECT_EQ(snooze_action_item(db, cfg, later, {"USTR", ""}, snooze_days, today()).result,
              item_result::refused);
    EXPECT_EQ(db.get_action_item(later)->due, today() + days(9));
    close_action_item(db, cfg, late, {"UOWN", ""});
    EXPECT_EQ(snooze_action_item(db, cfg, late, {"UOWN", ""}, snooze_days, today()).result,
              item_result::already);
}

TEST_F(Home, YourItemsComeOverdueFirstWithButtons) {
    const auto inc = declare("C1");
    const auto soon = item(inc, "U1", today() + days(1), "Write the runbook");
    const auto late = item(inc, "U1", today() - days(1), "Rotate the keys");
    item(inc, "U2", {}, "Someone else's");
    const auto view = home("U1");
    EXPECT_TRUE(block_kit_problems(view).empty()) << block_kit_problems(view).front();
    const auto s = text(view);
    EXPECT_LT(s.find("Rotate the keys"), s.find("Write the runbook"));
    EXPECT_NE(s.find("Your action items (2 open, 1 overdue)"), std::string::npos);
    EXPECT_NE(s.find("action_item_done:mine:" + std::to_string(late) + "\",\"style\":\"primary\""),
              std::string::npos);
    EXPECT_NE(s.find("\"value\":\"" + std::to_string(late) + "\""), std::string::npos);
    EXPECT_NE(s.find("\"value\":\"" + std::to_string(soon) + "\""), std::string::npos);
    // U1 owns items in it: they are "in" the incident.
    EXPECT_NE(s.find("Incidents you are in (1)"), std::string::npos);
}

TEST_F(Home, FiltersAndGroupingChangeTheListForEveryone) {
    const auto a = declare("C1");
    const auto b = declare("C2");
    item(a, "U1", today() - days(1), "Late thing");
    item(b, "U2", today() + days(5), "Future thing");
    const auto done = item(b, "U2", {}, "Finished thing");
    close_action_item(db, cfg, done, {"U2", ""});
    const auto overdue = text(home("UMGR", home_filter::overdue));
    EXPECT_NE(overdue.find("Late thing"), std::string::npos);
    EXPECT_EQ(overdue.find("Future thing"), std::string::npos);
    EXPECT_EQ(text(home("UMGR", home_filter::open)).find("Finished thing"), std::string::npos);
    EXPECT_NE(text(home("UMGR", home_filter::all)).find("Finished thing"), std::string::npos);
    const auto mine = text(home("U2", home_filter::mine));
    EXPECT_NE(mine.find("Action items you own"), std::string::npos);
    EXPECT_EQ(mine.find("Late thing"), std::string::npos);
    const auto by_owner = text(home("UMGR", home_filter::open, home_grouping::owner));
    EXPECT_NE(by_owner.find("*<@U1>* — 1 open, 1 overdue"), std::string::npos) << by_owner;
    EXPECT_NE(by_owner.find("Group by incident"), std::string::npos);
}

TEST_F(Home, AThousandItemsStayWithinBlockKitLimitsAndSayHowManyMore) {
    for (int i = 0; i < 40; ++i) declare("C" + std::to_string(i), i % 2 == 0);
    for (int n = 0; n < 1000; ++n)
        item(1 + n % 40, "U" + std::to_string(n % 7), today() + days(n % 20 - 5),
             "Follow-up number " + std::to_string(n) + " with a longer description of the work");
    for (const auto f : {home_filter::open, home_filter::overdue, home_filter::all}) {
        for (const auto g : {home_grouping::incident, home_grouping::owner}) {
            const auto view = home("U3", f, g);
            const auto problems = block_kit_problems(view);
            EXPECT_TRUE(problems.empty()) << problems.front();
            EXPECT_LE(view["blocks"].size(), 100u);
        }
    }
    const auto s = text(home("U3"));
    EXPECT_NE(s.find("more not shown here"), std::string::npos);
    EXPECT_NE(s.find("incident-bot actions --all"), std::string::npos);
    EXPECT_NE(s.find("more of yours"), std::string::npos);
    // Public incidents' items only for a stranger: 500 of them, all but what is listed.
    const auto stranger = home("USTR");
    EXPECT_NE(stranger.dump().find("500 items"), std::string::npos);
}

TEST(BlockKit, FindsWhatSlackWouldRefuse) {
    json view = {{"type", "home"}, {"blocks", json::array()}};
    for (int i = 0; i < 101; ++i)
        view["blocks"].push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", "x"}}}});
    EXPECT_EQ(block_kit_problems(view).size(), 1u);
    json small = {{"type", "home"},
                  {"blocks",
                   {{{"type", "section"},
                     {"text", {{"type", "mrkdwn"}, {"text", std::string(3001, 'a')}}}},
                    {{"type", "actions"},
                     {"elements",
                      {{{"type", "button"}, {"action_id", "a"}, {"value", std::string(2001, 'v')},
                        {"text", {{"type", "plain_text"}, {"text", "ok"}}}},
                       {{"type", "button"}, {"action_id", "a"},
                        {"text", {{"type", "plain_text"}, {"text", "ok"}}}}}}}}}};
    const auto problems = block_kit_problems(small);
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_NE(problems[0].find("3000"), std::string::npos);
    EXPECT_NE(problems[1].find("value"), std::string::npos);
    EXPECT_NE(problems[2].find("not unique"), std::string::npos);
    // Multi-byte text counts characters, not bytes.
    std::string accents;
    for (int i = 0; i < 2000; ++i) accents += "é";
    json ok = {{"type", "home"},
               {"blocks", {{{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", accents}}}}}}};
    EXPECT_TRUE(block_kit_problems(ok).empty());
}

}  // namespace
}  // namespace incident_bot

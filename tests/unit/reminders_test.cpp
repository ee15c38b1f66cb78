// Reminder decisions (pure) and the periodic check over a real SQLite file.
#include "incident_bot/commands/reminders.hpp"

#include <gtest/gtest.h>

#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using namespace std::chrono_literals;
using testing::fixed_clock;
using testing::temp_dir;

const unix_time t0 = std::chrono::sys_days(std::chrono::year{2026} / 11 / 2) + 14h;

incident_watch watch(int severity = 3) {
    incident_watch w;
    w.inc.id = 1;
    w.inc.channel = "C1";
    w.inc.severity = severity;
    w.inc.declared_at = t0;
    w.last_activity = t0;
    return w;
}

std::vector<reminder_kind> kinds(const std::vector<reminder>& rs) {
    std::vector<reminder_kind> out;
    for (const auto& r : rs) out.push_back(r.kind);
    return out;
}

commands_config quiet() {
    commands_config c;
    c.commander_reminder = 0min;
    c.severity_reminder = 0min;
    c.status_reminder = 0min;
    c.idle_reminder = 0min;
    return c;
}

TEST(Reminders, NoCommanderAfterIntervalThenOncePerInterval) {
    auto cfg = quiet();
    cfg.commander_reminder = 10min;
    auto w = watch();
    reminder_log sent;
    EXPECT_TRUE(due_reminders({w}, sent, cfg, t0 + 9min).empty());
    auto due = due_reminders({w}, sent, cfg, t0 + 10min);
    ASSERT_EQ(kinds(due), std::vector{reminder_kind::no_commander});
    EXPECT_EQ(due[0].channel, "C1");
    EXPECT_NE(due[0].text.find("no commander yet (declared 10m ago)"), std::string::npos);
    EXPECT_NE(due[0].text.find("/incident role commander @person"), std::string::npos);
    sent[{1, reminder_kind::no_commander}] = t0 + 10min;
    EXPECT_TRUE(due_reminders({w}, sent, cfg, t0 + 19min).empty());
    EXPECT_EQ(due_reminders({w}, sent, cfg, t0 + 20min).size(), 1u);
    w.inc.commander = "U1";
    EXPECT_TRUE(due_reminders({w}, sent, cfg, t0 + 60min).empty());
}

TEST(Reminders, ZeroIntervalsTurnRemindersOff) {
    EXPECT_TRUE(due_reminders({watch(1)}, {}, quiet(), t0 + std::chrono::days(5)).empty());
}

TEST(Reminders, NoSeverityUntilSomeoneChooses) {
    auto cfg = quiet();
    cfg.severity_reminder = 15min;
    auto w = watch();
    EXPECT_EQ(kinds(due_reminders({w}, {}, cfg, t0 + 15min)),
              std::vector{reminder_kind::no_severity});
    w.severity_chosen = true;
    EXPECT_TRUE(due_reminders({w}, {}, cfg, t0 + 15min).empty());
}

TEST(Reminders, StaleStatusOnlyForSev1AndSev2) {
    auto cfg = quiet();
    cfg.status_reminder = 30min;
    auto w = watch(2);
    w.last_status_update = t0 + 20min;
    EXPECT_TRUE(due_reminders({w}, {}, cfg, t0 + 49min).empty());
    const auto due = due_reminders({w}, {}, cfg, t0 + 50min);
    ASSERT_EQ(kinds(due), std::vector{reminder_kind::stale_status});
    EXPECT_NE(due[0].text.find("SEV2 incident #1 for 30m"), std::string::npos);
    EXPECT_TRUE(due_reminders({watch(3)}, {}, cfg, t0 + 5h).empty());
}

TEST(Reminders, StillOpenAfterADayIdleAndSkipsPendingChannels) {
    auto cfg = quiet();
    cfg.idle_reminder = 24h;
    auto w = watch();
    w.last_activity = t0 + 2h;
    EXPECT_TRUE(due_reminders({w}, {}, cfg, t0 + 25h).empty());
    EXPECT_EQ(kinds(due_reminders({w}, {}, cfg, t0 + 26h)), std::vector{reminder_kind::still_open});
    w.inc.channel = "pending:U1:123";
    EXPECT_TRUE(due_reminders({w}, {}, cfg, t0 + 26h).empty());
}

TEST(Reminders, DigestDueOncePerDayAfterItsTime) {
    const auto nine = 9h;
    const unix_time day = std::chrono::sys_days(std::chrono::year{2026} / 11 / 2);
    EXPECT_FALSE(digest_due(std::chrono::minutes(nine), std::nullopt, day + 8h + 59min));
    EXPECT_TRUE(digest_due(std::chrono::minutes(nine), std::nullopt, day + 9h));
    EXPECT_FALSE(digest_due(std::chrono::minutes(nine), day + 9h, day + 15h));
    EXPECT_TRUE(digest_due(std::chrono::minutes(nine), day + 9h, day + 24h + 9h));
    // Started after today's digest time: the first digest is tomorrow's.
    EXPECT_FALSE(digest_due(std::chrono::minutes(nine), day + 10h, day + 11h));
}

class ReminderCheck : public ::testing::Test {
  protected:
    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
};

TEST_F(ReminderCheck, DigestListsOverdueFirstAndOwnersGetDueTodayMessages) {
    new_incident n;
    n.title = "Outage";
    n.channel = "C1";
    n.is_private = false;
    const auto id = db.create_incident(n).id;
    const auto today = std::chrono::floor<std::chrono::days>(*clock.now);
    action_item a;
    a.incident_id = id;
    a.text = "Later item";
    a.owner = "U1";
    a.due = today + std::chrono::days(5);
    db.add_action_item(a);
    a.text = "Overdue item";
    a.due = today - std::chrono::days(1);
    db.add_action_item(a);
    a.text = "Due today";
    a.owner = "U2";
    a.due = today;
    db.add_action_item(a);

    commands_config cfg;
    EXPECT_EQ(digest_calls(db, cfg, today).size(), 1u);  // no digest channel: DMs only
    cfg.digest_channel = "CDIGEST";
    const auto calls = digest_calls(db, cfg, today);
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].purpose, "digest");
    EXPECT_EQ(calls[0].args["channel"], "CDIGEST");
    const auto text = calls[0].args["text"].get<std::string>();
    EXPECT_NE(text.find("3 open, 1 overdue"), std::string::npos);
    EXPECT_LT(text.find("Overdue item"), text.find("Later item"));
    EXPECT_EQ(calls[1].purpose, "due_reminder");
    EXPECT_EQ(calls[1].args["channel"], "U2");
    EXPECT_NE(calls[1].args["text"].get<std::string>().find("Action #3 is due today"),
              std::string::npos);
}

TEST_F(ReminderCheck, DigestLeavesOutPrivateIncidentsButTheirOwnersAreStillReminded) {
    new_incident n;
    n.title = "Merger site down";
    n.channel = "G1";
    n.is_private = true;
    const auto today = std::chrono::floor<std::chrono::days>(*clock.now);
    action_item a;
    a.incident_id = db.create_incident(n).id;
    a.text = "Rotate the merger keys";
    a.owner = "U1";
    a.due = today;
    db.add_action_item(a);
    n.title = "Public outage";
    n.channel = "C2";
    n.is_private = false;
    a.incident_id = db.create_incident(n).id;
    a.text = "Add a canary";
    db.add_action_item(a);

    commands_config cfg;
    cfg.digest_channel = "CDIGEST";
    const auto calls = digest_calls(db, cfg, today);
    ASSERT_EQ(calls.size(), 3u);
    const auto digest = calls[0].args["text"].get<std::string>();
    EXPECT_NE(digest.find("1 open"), std::string::npos);
    EXPECT_NE(digest.find("Add a canary"), std::string::npos);
    EXPECT_EQ(digest.find("merger"), std::string::npos);
    EXPECT_EQ(calls[1].args["channel"], "U1");
    EXPECT_NE(calls[1].args["text"].get<std::string>().find("Rotate the merger keys"),
              std::string::npos);
    // Posted into the private incident's own channel, the digest may list it.
    cfg.digest_channel = "G1";
    EXPECT_NE(digest_calls(db, cfg, today)[0].args["text"].get<std::string>().find("merger"),
              std::string::npos);
}

TEST_F(ReminderCheck, PeriodicCheckReadsTheStoreAndRemembersWhatItSent) {
    new_incident n;
    n.title = "Outage";
    n.severity = 1;
    n.channel = "C1";
    const auto inc = db.create_incident(n);
    commands_config cfg;
    cfg.digest_time = 0min;
    reminder_state state;
    state.last_digest = inc.declared_at;  // today's digest already ran
    const auto now = inc.declared_at;

    EXPECT_TRUE(check_reminders(db, cfg, state, now + 5min).empty());
    auto calls = check_reminders(db, cfg, state, now + 15min);
    ASSERT_EQ(calls.size(), 2u);  // no commander, no severity chosen
    EXPECT_EQ(calls[0].args["channel"], "C1");
    EXPECT_TRUE(check_reminders(db, cfg, state, now + 16min).empty());

    clock.advance(20min);
    db.set_role(inc.id, incident_role::commander, "U1");
    db.set_status(inc.id, incident_status::identified, "U1");
    timeline_entry e;
    e.incident_id = inc.id;
    e.ts = *db.last_entry_ts(inc.id);
    e.kind = "severity_set";
    e.source = entry_source::command;
    e.text = "Severity confirmed as SEV1";
    db.add_entry(e);
    EXPECT_TRUE(check_reminders(db, cfg, state, now + 21min).empty());
    calls = check_reminders(db, cfg, state, now + 50min);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_NE(calls[0].args["text"].get<std::string>().find("No status update on SEV1"),
              std::string::npos);

    db.set_status(inc.id, incident_status::resolved, "U1");
    EXPECT_TRUE(check_reminders(db, cfg, state, now + 5h).empty());
    EXPECT_TRUE(state.sent.empty());
}

}  // namespace
}  // namespace incident_bot

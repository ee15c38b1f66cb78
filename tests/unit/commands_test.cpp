// `/incident` commands against a real SQLite file: a whole incident, every command's bad
// input, authorisation and the create_channel request.
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/config.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using testing::fixed_clock;
using testing::temp_dir;
using json = nlohmann::json;

class Commands : public ::testing::Test {
  protected:
    command_outcome run(const std::string& text,
                        const std::string& user = "U1",
                        const std::string& channel = "C1") {
        return run_incident_command(
            db, slash_command{"/incident", text, user, channel, "", ""}, cfg, nullptr, *clock.now);
    }

    std::string reply_text(const command_outcome& o) { return o.reply["text"].get<std::string>(); }

    // What Slack said about the incident's channel (unknown reads as private).
    void set_private(std::int64_t id, bool is_private) { db.set_incident_private(id, is_private); }

    // The text of every follow-up post, one after the other.
    static std::string posted(const command_outcome& o) {
        std::string all;
        for (const auto& c : o.follow_ups) all += c.args.dump() + "\n";
        return all;
    }

    // Entries and action items: what a refused command must leave untouched.
    std::size_t rows() {
        std::size_t n = 0;
        for (const auto& i : db.list_incidents()) n += db.list_timeline(i.id).size() + 1;
        action_filter f;
        f.scope = action_scope::all;
        return n + db.list_action_items(f).size();
    }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    commands_config cfg;
};

TEST_F(Commands, WholeIncidentFromDeclareToResolve) {
    db.remember_person({"U3", {"chen"}, std::chrono::floor<std::chrono::seconds>(*clock.now)});
    auto o = run("declare sev2 Checkout errors in EU");
    EXPECT_EQ(o.reply["response_type"], "in_channel");
    EXPECT_NE(reply_text(o).find("Incident #1 declared"), std::string::npos);
    EXPECT_TRUE(o.follow_ups.empty());
    // The wiring asks Slack whether the channel is private; until then it counts as private.
    ASSERT_TRUE(o.check_privacy);
    EXPECT_EQ(o.check_privacy->incident_id, 1);
    EXPECT_EQ(o.check_privacy->channel, "C1");
    auto inc = db.find_open_incident("C1");
    ASSERT_TRUE(inc);
    EXPECT_EQ(inc->title, "Checkout errors in EU");
    EXPECT_EQ(inc->severity, 2);
    EXPECT_EQ(inc->declared_by, "U1");
    EXPECT_FALSE(inc->is_private);

    clock.advance(std::chrono::minutes(5));
    o = run("role commander <@U2|dana>");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    EXPECT_EQ(o.follow_ups[0].method, "chat.postMessage");
    EXPECT_EQ(o.follow_ups[0].args["channel"], "C1");
    EXPECT_NE(o.follow_ups[0].args["text"].get<std::string>().find("<@U2> is now *commander*"),
              std::string::npos);

    clock.advance(std::chrono::minutes(10));
    o = run("status identified Payment gateway timeouts after config push");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    EXPECT_NE(o.follow_ups[0].args["text"].get<std::string>().find("Status: identified"),
              std::string::npos);
    o = run("note Rolled back the gateway config", "U3");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    o = run("severity SEV1");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    EXPECT_NE(o.follow_ups[0].args["text"].get<std::string>().find("(was SEV2)"),
              std::string::npos);
    clock.advance(std::chrono::minutes(20));
    o = run("status monitoring");
    EXPECT_EQ(db.get_incident(1)->status, incident_status::mitigated);
    o = run("action Add a canary for gateway config <@U3> due:2026-11-20");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    EXPECT_NE(reply_text(o).find("Added action #1"), std::string::npos);
    run("summary A config push made the payment gateway time out.");
    run("impact 12% of EU checkouts failed for 35 minutes.");

    clock.advance(std::chrono::minutes(15));
    o = run("resolve Error rate back to baseline");
    EXPECT_EQ(o.reply["response_type"], "in_channel");
    EXPECT_NE(reply_text(o).find("resolved* by <@U1> after 50m"), std::string::npos);
    ASSERT_FALSE(o.follow_ups.empty());
    for (const auto& c : o.follow_ups) {
        EXPECT_EQ(c.method, "chat.postMessage");
        EXPECT_EQ(c.purpose, "postmortem");
        EXPECT_EQ(c.args["channel"], "C1");
    }

    inc = db.get_incident(1);
    EXPECT_EQ(inc->status, incident_status::resolved);
    EXPECT_EQ(inc->severity, 1);
    EXPECT_EQ(inc->commander, "U2");
    EXPECT_EQ(inc->summary, "A config push made the payment gateway time out.");
    EXPECT_EQ(inc->resolved_at, inc->declared_at + std::chrono::minutes(50));
    EXPECT_FALSE(db.find_open_incident("C1"));

    std::vector<std::string> kinds;
    for (const auto& e : db.list_timeline(1)) kinds.push_back(e.kind);
    EXPECT_EQ(kinds,
              (std::vector<std::string>{"declare",
                                        "severity_set",
                                        "role_change",
                                        "status_change",
                                        "status_update",
                                        "note",
                                        "severity_change",
                                        "status_change",
                                        "status_change",
                                        "resolution"}));
    const auto actions = db.list_action_items();
    ASSERT_EQ(actions.size(), 1u);
    EXPECT_EQ(actions[0].owner, "U3");
    EXPECT_EQ(actions[0].due, std::chrono::sys_days(std::chrono::year{2026} / 11 / 20));
    EXPECT_EQ(actions[0].text, "Add a canary for gateway config");

    const auto d = db.latest_draft(1);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->version, 1);
    std::size_t last = 0;
    for (auto h : draft_headings) {
        const auto at = d->markdown.find("\n## " + std::string(h) + "\n");
        ASSERT_NE(at, std::string::npos) << h;
        EXPECT_GT(at, last) << h;
        last = at;
    }
    EXPECT_NE(d->markdown.find("12% of EU checkouts"), std::string::npos);
    EXPECT_NE(d->markdown.find("Add a canary"), std::string::npos);
    EXPECT_NE(d->markdown.find("Note from @chen: Rolled back the gateway config"),
              std::string::npos);

    // After resolve, the channel's latest incident still takes actions and shows its draft.
    o = run("action Write the runbook");
    EXPECT_NE(reply_text(o).find("Added action #2"), std::string::npos);
    o = run("postmortem");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_TRUE(o.reply.contains("blocks"));
    EXPECT_EQ(db.latest_draft(1)->version, 1);
    run("postmortem new");
    EXPECT_EQ(db.latest_draft(1)->version, 2);
}

TEST_F(Commands, HelpForEmptyTextAndUnknownSubcommands) {
    EXPECT_NE(reply_text(run("")).find("declare [sev1-sev4] TITLE"), std::string::npos);
    EXPECT_NE(reply_text(run("help")).find("nudges on|off"), std::string::npos);
    const auto o = run("frobnicate now");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_NE(reply_text(o).find("I don't know `frobnicate`"), std::string::npos);
}

TEST_F(Commands, CommandsWithoutAnIncidentSayHowToDeclare) {
    for (const char* text : {"status identified x",
                             "severity sev2",
                             "role scribe <@U2>",
                             "note hello",
                             "summary x",
                             "impact x",
                             "action fix it",
                             "resolve",
                             "timeline",
                             "postmortem"}) {
        const auto o = run(text);
        EXPECT_NE(reply_text(o).find("no open incident in this channel"), std::string::npos)
            << text;
        EXPECT_NE(reply_text(o).find("/incident declare sev2"), std::string::npos) << text;
        EXPECT_TRUE(o.follow_ups.empty()) << text;
    }
    EXPECT_TRUE(db.list_incidents().empty());
}

struct bad_input {
    const char* text;
    const char* says;
};

TEST_F(Commands, BadInputNamesTheProblemAndChangesNothing) {
    run("declare sev3 Queue backlog");
    run("action Existing item");
    run("done 1");
    const auto before = rows();
    const bad_input cases[] = {
        {"declare", "needs a short title"},
        {"declare sev2", "needs a short title"},
        {"declare sev9 Disk full", "`sev9` isn't a severity"},
        {"declare Second one", "already has incident #1 open"},
        {"status", "Which status?"},
        {"status sleeping", "`sleeping` isn't a status"},
        {"status investigating", "already *investigating*"},
        {"severity", "Which severity?"},
        {"severity sev0", "`sev0` isn't a severity"},
        {"severity high", "`high` isn't a severity"},
        {"severity sev1 sev2", "Just one severity"},
        {"role", "Which role, and who?"},
        {"role commander", "Who? Mention them"},
        {"role boss <@U2>", "`boss` isn't a role"},
        {"role scribe dana", "`dana` isn't a mention"},
        {"role scribe <@U2> <@U3>", "One person per role"},
        {"note", "A note needs some text"},
        {"note    ", "A note needs some text"},
        {"summary", "A summary needs text"},
        {"impact", "Describe the impact"},
        {"action", "needs a description"},
        {"action <@U2> due:2026-12-01", "needs a description"},
        {"action fix <@U2> <@U3>", "One owner per action"},
        {"action fix due:2026-13-01", "`due:2026-13-01` isn't a date"},
        {"action fix due:tomorrow", "`due:tomorrow` isn't a date"},
        {"action fix due:2020-01-01", "is in the past"},
        {"action fix due:2026-12-01 due:2026-12-02", "One due date"},
        {"done", "Which action?"},
        {"done seven", "`seven` isn't an action number"},
        {"done 0", "`0` isn't an action number"},
        {"done 1 2", "Just the action number"},
        {"done #99", "There's no action #99"},
        {"done 1", "already done"},
        {"actions closed", "I don't understand `closed`"},
        {"actions <@U2> <@U3>", "One owner at a time"},
        {"postmortem please", "`postmortem new` writes a fresh version"},
        {"nudges", "Say `on` or `off`"},
        {"nudges maybe", "Say `on` or `off`"},
    };
    for (const auto& c : cases) {
        const auto o = run(c.text);
        EXPECT_EQ(o.reply["response_type"], "ephemeral") << c.text;
        EXPECT_NE(reply_text(o).find(c.says), std::string::npos)
            << c.text << " -> " << reply_text(o);
        EXPECT_TRUE(o.follow_ups.empty()) << c.text;
        EXPECT_EQ(rows(), before) << c.text;
    }
    const auto o = run("declare sev2 " + std::string(201, 'x'), "U1", "C2");
    EXPECT_NE(reply_text(o).find("201 characters"), std::string::npos);
    EXPECT_EQ(db.list_incidents().size(), 1u);
    EXPECT_EQ(db.get_incident(1)->severity, 3);
    EXPECT_TRUE(db.nudges_enabled("U1"));
}

TEST_F(Commands, UsageMessagesUseTheConfiguredCommandName) {
    cfg.command = "/inc";
    EXPECT_NE(reply_text(run("role")).find("Usage: `/inc role commander|comms|scribe @person`"),
              std::string::npos);
}

TEST_F(Commands, AuthorisationRefusalsComeFromConfig) {
    cfg.may_declare = {"UBOSS"};
    cfg.may_resolve = {"UBOSS", "ULEAD"};
    cfg.may_set_severity = {"ULEAD"};
    auto o = run("declare sev2 Outage", "U1");
    EXPECT_NE(reply_text(o).find("can't declare incidents"), std::string::npos);
    EXPECT_NE(reply_text(o).find("commands.may_declare"), std::string::npos);
    EXPECT_NE(reply_text(o).find("<@UBOSS>"), std::string::npos);
    EXPECT_TRUE(db.list_incidents().empty());

    run("declare sev2 Outage", "UBOSS");
    o = run("severity sev1", "UBOSS");
    EXPECT_NE(reply_text(o).find("can't change the severity of incident #1"), std::string::npos);
    EXPECT_NE(reply_text(o).find("<@ULEAD> (config `commands.may_set_severity`)"),
              std::string::npos);
    EXPECT_EQ(db.get_incident(1)->severity, 2);
    // The list replaces the default (anyone while there is no commander).
    o = run("resolve", "U1");
    EXPECT_NE(reply_text(o).find("can't resolve incident #1"), std::string::npos);
    o = run("status resolved all good", "U1");
    EXPECT_NE(reply_text(o).find("can't resolve incident #1"), std::string::npos);
    EXPECT_EQ(db.get_incident(1)->status, incident_status::investigating);

    // Anyone in the channel may add notes and actions; admins may do what the lists allow.
    EXPECT_EQ(run("note seen in logs", "U1").follow_ups.size(), 1u);
    EXPECT_EQ(run("action add alert", "U1").follow_ups.size(), 1u);
    EXPECT_EQ(run("severity sev1", "ULEAD").follow_ups.size(), 1u);
    cfg.admins = {"UADMIN"};
    EXPECT_EQ(run("severity sev2", "UADMIN").follow_ups.size(), 1u);
    o = run("resolve", "ULEAD");
    EXPECT_EQ(o.reply["response_type"], "in_channel");
    EXPECT_EQ(db.get_incident(1)->status, incident_status::resolved);
}

TEST_F(Commands, ResolveIsForTheCommanderTheDeclarerAndAdmins) {
    run("declare sev2 Checkout errors", "U1", "C1");
    run("role commander <@U2>", "U1", "C1");
    const auto before = rows();
    auto o = run("resolve all good", "U5", "C1");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_NE(reply_text(o).find("can't resolve incident #1"), std::string::npos);
    EXPECT_NE(reply_text(o).find("the commander <@U2> or the declarer <@U1>"),
              std::string::npos)
        << reply_text(o);
    EXPECT_TRUE(o.follow_ups.empty());
    EXPECT_EQ(rows(), before);
    EXPECT_EQ(db.get_incident(1)->status, incident_status::investigating);
    EXPECT_EQ(run("resolve", "U2", "C1").reply["response_type"], "in_channel");

    // Admins resolve anything; the declarer too.
    cfg.admins = {"UADMIN"};
    run("declare sev3 Search slow", "U1", "C2");
    run("role commander <@U2>", "U1", "C2");
    EXPECT_NE(reply_text(run("resolve", "U5", "C2")).find("or incident admins"),
              std::string::npos);
    EXPECT_EQ(run("resolve", "UADMIN", "C2").reply["response_type"], "in_channel");
    run("declare sev3 Queue lag", "U1", "C3");
    run("role commander <@U2>", "U1", "C3");
    EXPECT_EQ(run("resolve", "U1", "C3").reply["response_type"], "in_channel");

    // No commander yet: anyone in the channel, and the announcement says who.
    run("declare sev4 Typo on status page", "U1", "C4");
    o = run("resolve fixed", "U7", "C4");
    EXPECT_EQ(o.reply["response_type"], "in_channel");
    EXPECT_NE(reply_text(o).find("resolved* by <@U7>"), std::string::npos);
}

TEST_F(Commands, DoneIsForTheOwnerTheCommanderAndAdminsFromAnywhere) {
    run("declare sev2 Checkout errors", "U1", "C1");
    set_private(1, false);
    run("role commander <@U2>", "U1", "C1");
    run("action Fix the alert <@U3>", "U1", "C1");  // #1
    run("action Unowned follow-up", "U1", "C1");    // #2
    const auto open = [&] { return db.list_action_items().size(); };

    // Closing someone else's item from a DM (ids are sequential) is refused, privately.
    auto o = run("done 1", "U9", "D9");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_NE(reply_text(o).find("can't close action #1"), std::string::npos);
    EXPECT_NE(reply_text(o).find("its owner <@U3> or the commander <@U2>"), std::string::npos);
    EXPECT_TRUE(o.follow_ups.empty());
    EXPECT_EQ(open(), 2u);
    EXPECT_NE(reply_text(run("done 1", "U9", "C1")).find("can't close"), std::string::npos);
    EXPECT_NE(reply_text(run("done 2", "U9", "D9")).find("anyone in the incident's channel"),
              std::string::npos);
    EXPECT_EQ(open(), 2u);

    EXPECT_NE(reply_text(run("done 2", "U9", "C1")).find("Marked action #2 done"),
              std::string::npos);
    EXPECT_NE(reply_text(run("done 1", "U3", "D3")).find("Marked action #1 done"),
              std::string::npos);
    EXPECT_EQ(open(), 0u);

    // A private incident's items do not exist outside its channel: the refusal reads like
    // an unknown id and names nobody.
    run("declare sev1 Secret merger site down", "U1", "G5");
    set_private(2, true);
    run("action Rotate the merger keys <@U3>", "U1", "G5");  // #3
    const auto hidden = reply_text(run("done 3", "U9", "D9"));
    auto unknown = reply_text(run("done 99", "U9", "D9"));
    unknown.replace(unknown.find("#99"), 3, "#3");
    EXPECT_EQ(hidden, unknown);
    EXPECT_EQ(hidden.find("<@U3>"), std::string::npos);
    EXPECT_EQ(open(), 1u);
    cfg.admins = {"UADMIN"};
    EXPECT_NE(reply_text(run("done 3", "UADMIN", "D1")).find("Marked action #3 done"),
              std::string::npos);
}

TEST_F(Commands, ClosingAnItemByCommandUpdatesItsPostOnceItsPlaceIsKnown) {
    run("declare sev2 Checkout errors", "U1", "C1");
    auto o = run("action Fix the alert <@U3> due:2099-01-01", "U1", "C1");
    ASSERT_EQ(o.follow_ups.size(), 1u);
    ASSERT_TRUE(o.follow_ups[0].on_ok);
    // A malformed answer records nothing; Slack's answer records where the post is.
    o.follow_ups[0].on_ok(db, {{"ok", true}, {"ts", 17}});
    EXPECT_FALSE(db.get_action_item(1)->post_ts);
    o.follow_ups[0].on_ok(db, {{"ok", true}, {"channel", "C1"}, {"ts", "1795000000.000200"}});
    EXPECT_EQ(db.get_action_item(1)->post_ts, "1795000000.000200");

    o = run("done 1", "U3", "D3");
    const auto update = std::find_if(o.follow_ups.begin(), o.follow_ups.end(),
                                     [](const api_call& c) { return c.method == "chat.update"; });
    ASSERT_NE(update, o.follow_ups.end()) << posted(o);
    EXPECT_EQ(update->args["channel"], "C1");
    EXPECT_EQ(update->args["ts"], "1795000000.000200");
    EXPECT_NE(update->args.dump().find("closed by <@U3>"), std::string::npos) << update->args.dump();
    EXPECT_EQ(update->args.dump().find("action_item_done"), std::string::npos);

    // Without a known post, only the echo line.
    run("action Unposted follow-up", "U1", "C1");
    o = run("done 2", "U1", "C1");
    for (const auto& c : o.follow_ups) EXPECT_NE(c.method, "chat.update");
}

TEST_F(Commands, PrivateIncidentsAreShownOnlyInTheirOwnChannel) {
    run("declare sev2 Public checkout outage", "U1", "C1");
    run("action Add checkout canary", "U1", "C1");
    run("declare sev1 Secret merger site down", "U1", "G2");
    run("action Rotate merger keys", "U1", "G2");
    run("declare sev3 Not known yet", "U1", "C3");  // Slack has not said: private
    set_private(1, false);
    set_private(2, true);

    auto text = reply_text(run("list", "U9", "C9"));
    EXPECT_NE(text.find("Public checkout outage"), std::string::npos);
    EXPECT_EQ(text.find("merger"), std::string::npos);
    EXPECT_EQ(text.find("Not known yet"), std::string::npos);
    text = reply_text(run("list", "U9", "G2"));
    EXPECT_NE(text.find("Public checkout outage"), std::string::npos);
    EXPECT_NE(text.find("Secret merger site down"), std::string::npos);

    text = reply_text(run("actions all", "U9", "C9"));
    EXPECT_NE(text.find("Add checkout canary"), std::string::npos);
    EXPECT_EQ(text.find("merger"), std::string::npos);
    EXPECT_NE(reply_text(run("actions all <#G2>", "U9", "C9")).find("No matching"),
              std::string::npos);
    EXPECT_NE(reply_text(run("actions all", "U9", "G2")).find("Rotate merger keys"),
              std::string::npos);
}

TEST_F(Commands, PostsQuoteBroadcastsWithoutNotifyingAgain) {
    auto o = run("declare sev2 <!channel> checkout down", "U1", "C1");
    EXPECT_EQ(reply_text(o).find("<!channel>"), std::string::npos);
    EXPECT_NE(reply_text(o).find("@channel checkout down"), std::string::npos);
    o = run("note <!here> rolled back, <@U4> please watch", "U1", "C1");
    EXPECT_EQ(posted(o).find("<!here>"), std::string::npos);
    // People named in a note are told, as its author meant.
    EXPECT_NE(posted(o).find("@here rolled back, <@U4> please watch"), std::string::npos);

    // A draft stored before drafts named people is posted without its mentions.
    db.remember_person({"U3", {"chen"}, std::chrono::floor<std::chrono::seconds>(*clock.now)});
    db.add_draft(1, "# Draft\n\n<@U3> rolled back; <!everyone> saw it; <@U8> paged\n");
    o = run("postmortem post", "U1", "C1");
    ASSERT_FALSE(o.follow_ups.empty());
    EXPECT_EQ(posted(o).find("<@"), std::string::npos) << posted(o);
    EXPECT_EQ(posted(o).find("<!"), std::string::npos) << posted(o);
    EXPECT_NE(posted(o).find("@chen rolled back; @everyone saw it; a responder paged"),
              std::string::npos);
}

TEST_F(Commands, SeverityConfirmationIsRecordedEvenWhenUnchanged) {
    run("declare Slow search");
    EXPECT_EQ(db.get_incident(1)->severity, 3);
    EXPECT_FALSE(db.last_entry_ts(1, "severity_set"));
    run("severity sev3");
    EXPECT_TRUE(db.last_entry_ts(1, "severity_set"));
}

TEST_F(Commands, DoneAcceptsHashIdsAndEchoesWhileOpen) {
    run("declare sev3 Cache misses");
    run("action Tune TTL");
    const auto o = run("done #1");
    EXPECT_NE(reply_text(o).find("Marked action #1 done"), std::string::npos);
    ASSERT_EQ(o.follow_ups.size(), 1u);
    EXPECT_TRUE(db.list_action_items().empty());
}

TEST_F(Commands, ActionsListAcrossIncidentsWithFilters) {
    run("declare sev2 One", "U1", "C1");
    run("action Alpha <@U7> due:2026-11-03", "U1", "C1");
    run("declare sev3 Two", "U1", "C2");
    run("action Beta <@U8>", "U1", "C2");
    run("action Gamma <@U7>", "U1", "C2");
    set_private(1, false);
    set_private(2, false);
    clock.advance(std::chrono::days(3));

    auto text = reply_text(run("actions", "U9", "C9"));
    EXPECT_NE(text.find("*3 action items*"), std::string::npos);
    text = reply_text(run("actions <@U7>", "U9", "C9"));
    EXPECT_NE(text.find("Alpha"), std::string::npos);
    EXPECT_NE(text.find("Gamma"), std::string::npos);
    EXPECT_EQ(text.find("Beta"), std::string::npos);
    text = reply_text(run("actions overdue", "U9", "C9"));
    EXPECT_NE(text.find("Alpha"), std::string::npos);
    EXPECT_NE(text.find("(overdue)"), std::string::npos);
    EXPECT_EQ(text.find("Gamma"), std::string::npos);
    text = reply_text(run("actions all <#C2|inc-two>", "U9", "C9"));
    EXPECT_NE(text.find("Beta"), std::string::npos);
    EXPECT_EQ(text.find("Alpha"), std::string::npos);
    EXPECT_NE(reply_text(run("actions <@U5>", "U9", "C9")).find("No matching"), std::string::npos);
}

TEST_F(Commands, NudgesOptOutIsStoredPerUser) {
    EXPECT_TRUE(db.nudges_enabled("U1"));
    EXPECT_NE(reply_text(run("nudges off")).find("off for you"), std::string::npos);
    EXPECT_FALSE(db.nudges_enabled("U1"));
    EXPECT_TRUE(db.nudges_enabled("U2"));
    run("nudges ON");
    EXPECT_TRUE(db.nudges_enabled("U1"));
}

TEST_F(Commands, ListShowsOpenIncidents) {
    EXPECT_NE(reply_text(run("list")).find("No open incidents"), std::string::npos);
    run("declare sev1 Database down", "U1", "C1");
    run("role commander <@U4>", "U1", "C1");
    run("declare sev3 Flaky test env", "U1", "C2");
    set_private(1, false);
    set_private(2, false);
    const auto text = reply_text(run("list", "U2", "C3"));
    EXPECT_NE(text.find("#1 SEV1 investigating — Database down in <#C1>"), std::string::npos);
    EXPECT_NE(text.find("commander <@U4>"), std::string::npos);
    EXPECT_NE(text.find("#2 SEV3"), std::string::npos);
}

TEST_F(Commands, TimelineShowsKeyEvents) {
    run("declare sev2 Login failures");
    run("note Identity provider returns 503");
    const auto o = run("timeline");
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_NE(o.reply["blocks"].dump().find("Identity provider returns 503"), std::string::npos);
}

TEST_F(Commands, CreateChannelDeclareAsksForAChannel) {
    run("declare sev3 Old incident here", "U1", "C1");
    cfg.create_channel = true;
    // With create_channel the origin channel's incident does not block a new declaration.
    const auto o = run("declare sev1 Checkout: 500s & timeouts!", "U1", "C1");
    ASSERT_TRUE(o.new_channel);
    EXPECT_EQ(o.new_channel->name, "inc-20261102-checkout-500s-timeouts");
    EXPECT_EQ(o.new_channel->declarer, "U1");
    EXPECT_EQ(o.new_channel->origin_channel, "C1");
    EXPECT_EQ(o.new_channel->incident_id, 2);
    EXPECT_NE(o.new_channel->header.find("Incident #2 declared"), std::string::npos);
    EXPECT_EQ(o.reply["response_type"], "ephemeral");
    EXPECT_TRUE(db.set_incident_channel(2, "CNEW"));
    EXPECT_EQ(db.find_open_incident("CNEW")->id, 2);
}

TEST(CommandParsing, MentionsIdsAndChannelNames) {
    EXPECT_EQ(parse_user_mention("<@U123|dana>"), "U123");
    EXPECT_EQ(parse_user_mention("<@U123>"), "U123");
    EXPECT_FALSE(parse_user_mention("@dana"));
    EXPECT_FALSE(parse_user_mention("<@>"));
    EXPECT_FALSE(parse_user_mention("<@U1 2>"));
    EXPECT_FALSE(parse_user_mention("<#C123>"));
    EXPECT_EQ(parse_channel_mention("<#C123|inc-db>"), "C123");
    EXPECT_EQ(parse_channel_mention("<#C123>"), "C123");
    EXPECT_FALSE(parse_channel_mention("#inc-db"));
    EXPECT_EQ(parse_id("12"), 12);
    EXPECT_EQ(parse_id("#12"), 12);
    EXPECT_FALSE(parse_id("#"));
    EXPECT_FALSE(parse_id("-3"));
    EXPECT_FALSE(parse_id("99999999999999999999"));
    const auto day = std::chrono::sys_days(std::chrono::year{2026} / 1 / 5);
    EXPECT_EQ(incident_channel_name(day, "DB"), "inc-20260105-db");
    EXPECT_EQ(incident_channel_name(day, "  Ünïcode --  only  "), "inc-20260105-n-code-only");
    EXPECT_LE(incident_channel_name(day, std::string(300, 'a')).size(), 80u);
}

TEST(CommandParsing, SlashCommandPayload) {
    const auto cmd = parse_slash_command(json{{"command", "/incident"},
                                              {"text", "declare sev2 x"},
                                              {"user_id", "U1"},
                                              {"channel_id", "C1"},
                                              {"response_url", "https://hooks.slack.com/x"},
                                              {"is_enterprise_install", "false"}});
    ASSERT_TRUE(cmd);
    EXPECT_EQ(cmd->text, "declare sev2 x");
    EXPECT_EQ(cmd->response_url, "https://hooks.slack.com/x");
    EXPECT_TRUE(parse_slash_command(
        json{{"command", "/incident"}, {"user_id", "U1"}, {"channel_id", "C1"}}));
    EXPECT_FALSE(parse_slash_command(json{{"command", "/incident"}, {"user_id", "U1"}}));
    EXPECT_FALSE(
        parse_slash_command(json{{"command", "/incident"}, {"user_id", 7}, {"channel_id", "C1"}}));
    EXPECT_FALSE(parse_slash_command(json::array()));
}

}  // namespace
}  // namespace incident_bot

namespace incident_bot {
namespace {

using testing::temp_dir;

config load_with(const temp_dir& dir, const std::string& body) {
    const auto path = dir.file("config.json");
    std::ofstream(path) << body;
    return load_config([](const char*) -> const char* { return nullptr; }, path);
}

TEST(CommandsConfig, ParsesTheCommandsSection) {
    temp_dir dir;
    const auto c = load_with(dir, R"({"commands": {
        "command": "/inc", "create_channel": true, "admins": ["UA"], "may_declare": ["U1", "U2"],
        "may_resolve": ["U1"], "may_set_severity": [], "commander_reminder_minutes": 5,
        "severity_reminder_minutes": 0, "status_reminder_minutes": 20,
        "idle_reminder_minutes": 720, "digest_time": "08:30", "digest_channel": "C9",
        "replace_names_with_roles": true}})");
    EXPECT_EQ(c.commands.command, "/inc");
    EXPECT_TRUE(c.commands.create_channel);
    EXPECT_EQ(c.commands.admins, std::vector<std::string>{"UA"});
    EXPECT_EQ(c.commands.may_declare, (std::vector<std::string>{"U1", "U2"}));
    EXPECT_EQ(c.commands.may_resolve, std::vector<std::string>{"U1"});
    EXPECT_TRUE(c.commands.may_set_severity.empty());
    EXPECT_EQ(c.commands.commander_reminder, std::chrono::minutes(5));
    EXPECT_EQ(c.commands.severity_reminder, std::chrono::minutes(0));
    EXPECT_EQ(c.commands.digest_time, std::chrono::minutes(8 * 60 + 30));
    EXPECT_EQ(c.commands.digest_channel, "C9");
    EXPECT_TRUE(c.commands.replace_names_with_roles);
    EXPECT_EQ(load_with(dir, "{}").commands.command, "/incident");
}

TEST(CommandsConfig, BadSettingsNameTheKey) {
    temp_dir dir;
    const std::pair<const char*, const char*> cases[] = {
        {R"({"commands": {"colour": "red"}})", "commands.colour"},
        {R"({"commands": {"command": "incident"}})", "commands.command"},
        {R"({"commands": {"may_declare": "U1"}})", "commands.may_declare"},
        {R"({"commands": {"may_resolve": [7]}})", "commands.may_resolve"},
        {R"({"commands": {"digest_time": "9:00"}})", "commands.digest_time"},
        {R"({"commands": {"digest_time": "24:00"}})", "commands.digest_time"},
        {R"({"commands": {"status_reminder_minutes": -1}})", "commands.status_reminder_minutes"},
        {R"({"commands": {"create_channel": "yes"}})", "commands.create_channel"},
        {R"({"commands": []})", "commands"},
    };
    for (const auto& [body, key] : cases) {
        try {
            load_with(dir, body);
            ADD_FAILURE() << body;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + key + "'"), std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
}  // namespace incident_bot

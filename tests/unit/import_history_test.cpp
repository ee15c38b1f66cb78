// Issue 19: an import that reads real history: only incident channels, resolution inferred
// from the bot's post, a person's message or the archive, blameless findings stored (never
// sent), suggested Summary and Impact, and "Related incidents" that only lists incidents.
#include <gtest/gtest.h>

#include <algorithm>

#include "../support/export_writer.hpp"
#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/store/import.hpp"
#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using json = nlohmann::json;
using testing::export_writer;
using testing::temp_dir;

const std::string k_bot_resolve =
    ":white_check_mark: *Incident #7 resolved* by <@U0ANA01> after 1h 5m: *Checkout latency*";
const std::string k_blame =
    "this is obviously Ben's change, whose fault is it that review missed it?";

// An export with one channel of each kind the import must tell apart.
struct ImportHistory : ::testing::Test {
    temp_dir dir;
    export_writer exp{dir.path() / "export"};
    store s{dir.file("bot.db")};

    void SetUp() override {
        exp.channel("C0GEN",
                    "general",
                    json::array({export_writer::said("1793628000.000100",
                                                     "U0ANA01",
                                                     "lunch? also the checkout pool graph looks "
                                                     "odd, resolved to check it later")}))
            .channel(
                "C0BOT",
                "inc-checkout-latency",
                json::array(
                    {export_writer::said(
                         "1793628100.000100", "U0ANA01", "checkout pool saturated, declaring"),
                     export_writer::said("1793628200.000100", "U0BEN02", k_blame),
                     export_writer::said("1793628300.000100", "U0ANA01", "Resolved: pool resized"),
                     export_writer::bot_said("1793631900.000100", k_bot_resolve),
                     export_writer::said("1793632000.000100", "U0BEN02", "thanks all")}))
            .channel(
                "C0ARC",
                "incident-search-lag",
                json::array(
                    {export_writer::said("1793700000.000100", "U0BEN02", "search results stale"),
                     export_writer::said(
                         "1793703600.000100", "U0ANA01", "indexer caught up, watching")}),
                true)
            .channel(
                "C0OPEN",
                "inc-dns-flaps",
                json::array(
                    {export_writer::said("1793800000.000100", "U0ANA01", "dns flapping in eu-west"),
                     export_writer::said("1793800060.000100", "U0BEN02", "is it resolved?")}));
    }

    const imported_channel& line(const import_summary& sum, const std::string& name) {
        const auto it = std::find_if(sum.channels.begin(), sum.channels.end(), [&](const auto& c) {
            return c.name == name;
        });
        EXPECT_NE(it, sum.channels.end()) << name;
        return *it;
    }
};

timeline_entry entry(entry_source source,
                     std::string text,
                     std::optional<std::string> thread = {}) {
    timeline_entry e;
    e.ts = "1793628300.000100";
    e.source = source;
    e.text = std::move(text);
    e.thread_ts = std::move(thread);
    return e;
}

TEST(ImportResolution, RulesAreNarrow) {
    using enum resolution_rule;
    const struct {
        entry_source source;
        std::string text;
        resolution_rule want;
    } cases[] = {
        {entry_source::bot, k_bot_resolve, bot_post},
        {entry_source::bot, "Deploy checkout-api v2.41.0 finished", none},
        {entry_source::bot, "*Incident # resolved*", none},
        // A person quoting the bot's words is not the bot.
        {entry_source::message, k_bot_resolve, none},
        {entry_source::message, "Resolved: pool resized, errors at baseline", message},
        {entry_source::message, ":tada: *All clear* - checkout is back", message},
        {entry_source::message, "incident is resolved, thanks everyone", message},
        {entry_source::message, "INCIDENT RESOLVED", message},
        {entry_source::message, "_resolved_", message},
        {entry_source::message, "resolved?", none},
        {entry_source::message, "resolved, right? waiting for the graphs", none},
        {entry_source::message, "is it resolved", none},
        {entry_source::message, "not resolved yet", none},
        {entry_source::message, "Resolving: no recurrence overnight", none},
        {entry_source::message, "resolvedness", none},
        {entry_source::message, "all clearance checks failed", none},
        {entry_source::note, "Resolved: a note", none},
    };
    for (const auto& c : cases) EXPECT_EQ(resolution_of(entry(c.source, c.text)), c.want) << c.text;
    // In a thread it is about one part of the problem; broadcast to the channel it counts.
    auto reply = entry(entry_source::message, "resolved", "1793628100.000100");
    EXPECT_EQ(resolution_of(reply), none);
    reply.kind = "thread_broadcast";
    EXPECT_EQ(resolution_of(reply), message);
    auto gone = entry(entry_source::message, "resolved");
    gone.deleted = true;
    EXPECT_EQ(resolution_of(gone), none);
}

TEST_F(ImportHistory, OnlyIncidentChannelsByDefaultAndEachSkipIsNamed) {
    const auto sum = import_slack_export(s, exp.root());
    ASSERT_EQ(sum.channels.size(), 4u);
    const auto& general = line(sum, "general");
    EXPECT_FALSE(general.incident_id);
    EXPECT_EQ(
        general.skipped,
        "not an incident channel (pattern (inc|incident)-.*); use --channel general or --all");
    EXPECT_EQ(s.list_incidents().size(), 3u);
    for (const auto& i : s.list_incidents()) EXPECT_NE(i.channel, "C0GEN");
    EXPECT_TRUE(s.search("lunch").empty());
}

TEST_F(ImportHistory, ChannelOrAllImportsOtherChannels) {
    auto sum = import_slack_export(s, exp.root(), {.channel = "general"});
    ASSERT_EQ(sum.channels.size(), 1u);
    ASSERT_TRUE(sum.channels[0].incident_id);
    EXPECT_EQ(s.get_incident(*sum.channels[0].incident_id)->channel, "C0GEN");

    temp_dir other;
    store all(other.file("bot.db"));
    sum = import_slack_export(all, exp.root(), {.all = true});
    EXPECT_EQ(all.list_incidents().size(), 4u);
    for (const auto& c : sum.channels) EXPECT_TRUE(c.incident_id) << c.name;
}

TEST_F(ImportHistory, PatternComesFromTheOptionsAndABadOneWritesNothing) {
    auto sum = import_slack_export(s, exp.root(), {.channel_pattern = "inc-.*"});
    EXPECT_EQ(s.list_incidents().size(), 2u);  // incident-search-lag does not match
    EXPECT_NE(line(sum, "incident-search-lag").skipped.find("(pattern inc-.*)"), std::string::npos);

    temp_dir other;
    store fresh(other.file("bot.db"));
    try {
        import_slack_export(fresh, exp.root(), {.channel_pattern = "(inc-"});
        ADD_FAILURE() << "accepted a bad pattern";
    } catch (const import_error& e) {
        EXPECT_NE(std::string(e.what()).find("import.channel_pattern"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("not a valid RE2 pattern (missing )"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(fresh.list_incidents().empty());
    EXPECT_FALSE(fresh.get_user("U0ANA01"));
}

TEST_F(ImportHistory, ResolutionIsInferredAndRecordedWithItsRule) {
    const auto sum = import_slack_export(s, exp.root());

    // The bot's post wins over the earlier person's message.
    const auto& bot = line(sum, "inc-checkout-latency");
    EXPECT_EQ(bot.resolved_by, resolution_rule::bot_post);
    const auto by_bot = s.get_incident(*bot.incident_id).value();
    EXPECT_EQ(by_bot.status, incident_status::resolved);
    EXPECT_EQ(by_bot.resolved_at->time_since_epoch().count(), 1793631900);
    EXPECT_EQ(s.import_of(by_bot.id)->resolved_by, resolution_rule::bot_post);
    EXPECT_EQ(s.import_of(by_bot.id)->resolution_ts, "1793631900.000100");

    // Archived with nothing said: resolved at the last message.
    const auto& archived = line(sum, "incident-search-lag");
    EXPECT_EQ(archived.resolved_by, resolution_rule::archived);
    EXPECT_EQ(s.get_incident(*archived.incident_id)->resolved_at->time_since_epoch().count(),
              1793703600);

    // A question is no resolution: still open, and the live bot may pick it up.
    const auto& open = line(sum, "inc-dns-flaps");
    EXPECT_EQ(open.resolved_by, resolution_rule::none);
    EXPECT_FALSE(open.resolved_at);
    EXPECT_EQ(s.get_incident(*open.incident_id)->status, incident_status::investigating);
    EXPECT_EQ(s.find_open_incident("C0OPEN")->id, *open.incident_id);
    EXPECT_EQ(s.import_of(*open.incident_id)->resolved_by, resolution_rule::none);
}

TEST_F(ImportHistory, APersonsResolutionMessageResolvesWhenTheBotDidNot) {
    exp.channel("C0MSG",
                "inc-queue-backlog",
                json::array({export_writer::said("1793900000.000100", "U0ANA01", "queue backlog"),
                             export_writer::said("1793903000.000100",
                                                 "U0BEN02",
                                                 ":white_check_mark: All clear: backlog drained"),
                             export_writer::said("1793903100.000100", "U0ANA01", "nice")}),
                true);
    const auto sum = import_slack_export(s, exp.root(), {.channel = "inc-queue-backlog"});
    ASSERT_EQ(sum.channels.size(), 1u);
    EXPECT_EQ(sum.channels[0].resolved_by, resolution_rule::message);  // not the archive
    EXPECT_EQ(sum.channels[0].resolved_at->time_since_epoch().count(), 1793903000);
}

TEST_F(ImportHistory, BlamelessFindingsAreStoredNotSentAndReviewed) {
    const auto rules = rule_set::load_default();
    const auto sum = import_slack_export(s, exp.root(), {.rules = &rules});
    const auto& bot = line(sum, "inc-checkout-latency");
    const auto expected = rules.scan(k_blame).size();
    ASSERT_GT(expected, 0u);
    EXPECT_EQ(bot.findings, expected);
    EXPECT_EQ(line(sum, "incident-search-lag").findings, 0u);

    const auto stored = s.imported_findings(*bot.incident_id);
    ASSERT_EQ(stored.size(), expected);
    EXPECT_EQ(stored[0].ts, "1793628200.000100");
    EXPECT_EQ(s.count_imported_findings(), static_cast<std::int64_t>(expected));
    EXPECT_EQ(s.count_imported_findings(stored[0].category),
              std::count_if(stored.begin(), stored.end(), [&](const auto& f) {
                  return f.category == stored[0].category;
              }));
    // Nobody was nudged: live nudge counts (and their throttle) see none of it.
    EXPECT_EQ(s.count_nudges(), 0);
    EXPECT_EQ(s.count_nudges_in_channel("C0BOT", unix_time{}), 0);

    // The review lists them once each, even with rules that no longer flag them.
    const auto review = review_messages(s, *bot.incident_id, rules);
    EXPECT_EQ(review.size(), expected);
    const auto none = rule_set::parse(R"({"version": 1, "rules": [{"id": "z", "category":
        "sarcasm", "patterns": ["zebra"], "why": "w", "suggestions": ["s"]}]})",
                                      "none.json");
    const auto kept = review_messages(s, *bot.incident_id, none);
    ASSERT_EQ(kept.size(), expected);
    EXPECT_EQ(kept[0].rule_id, stored[0].rule_id);

    // And the draft says how many, without the words or who.
    const auto d = generate_draft(s, *bot.incident_id, nullptr).value();
    EXPECT_NE(d.markdown.find("- **Blameless-language findings in the imported history:** " +
                              std::to_string(expected)),
              std::string::npos)
        << d.markdown;

    // A second import adds nothing, findings included.
    import_slack_export(s, exp.root(), {.rules = &rules});
    EXPECT_EQ(s.count_imported_findings(), static_cast<std::int64_t>(expected));
}

TEST_F(ImportHistory, DraftSuggestsSummaryAndImpactFromPinnedAndResolutionMessages) {
    auto pinned = export_writer::said("1793900100.000100",
                                      "U0ANA01",
                                      "Summary: the nightly batch filled the queue; <@U0BEN02> "
                                      "paused it");
    pinned["pinned_to"] = json::array({"C0MSG"});
    exp.channel(
        "C0MSG",
        "inc-queue-backlog",
        json::array(
            {export_writer::said("1793900000.000100", "U0ANA01", "queue backlog"),
             pinned,
             export_writer::said(
                 "1793900200.000100", "U0BEN02", "Impact: order emails delayed up to 40 minutes"),
             export_writer::said("1793903000.000100",
                                 "U0BEN02",
                                 "Resolved: backlog drained, batch moved to 03:00")}));
    const auto sum = import_slack_export(s, exp.root(), {.channel = "inc-queue-backlog"});
    const auto id = *sum.channels[0].incident_id;
    const auto md = generate_draft(s, id, nullptr).value().markdown;
    const auto summary = md.find("## Summary"), impact = md.find("## Impact");
    const auto timeline = md.find("## Timeline");
    ASSERT_NE(timeline, std::string::npos);
    const std::string summary_part = md.substr(summary, impact - summary);
    const std::string impact_part = md.substr(impact, timeline - impact);
    EXPECT_NE(summary_part.find("_(suggested from the import — confirm, or replace with "
                                "`/incident summary TEXT`)_\n"
                                "> Summary: the nightly batch filled the queue; a responder "
                                "paused it\n"
                                "> Resolved: backlog drained, batch moved to 03:00\n"),
              std::string::npos)
        << md;
    EXPECT_NE(impact_part.find("_(suggested from the import — confirm, or replace with "
                               "`/incident impact TEXT`)_\n"
                               "> Impact: order emails delayed up to 40 minutes\n"),
              std::string::npos)
        << md;

    // What people confirmed wins over the suggestion.
    s.set_summary(id, "Batch job and queue capacity", "U0ANA01");
    const auto confirmed = generate_draft(s, id, nullptr).value().markdown;
    const auto suggested = confirmed.find("suggested from the import");
    ASSERT_NE(suggested, std::string::npos);
    EXPECT_GT(suggested, confirmed.find("## Impact"));  // only Impact still suggests
    EXPECT_NE(confirmed.find("Batch job and queue capacity"), std::string::npos);
}

TEST_F(ImportHistory, LiveIncidentsGetNoSuggestions) {
    s.create_incident({.title = "Live one", .channel = "C0LIVE"});
    timeline_entry e = testing::said(1, "1793628100.000100", "U0ANA01", "Summary: pinned by hand");
    e.pinned = true;
    s.add_entry(e);
    const auto md = generate_draft(s, 1, nullptr)->markdown;
    EXPECT_EQ(md.find("suggested from the import"), std::string::npos);
    EXPECT_EQ(md.find("imported history"), std::string::npos);
}

// The related section of the draft of the incident in `channel`.
std::string related_section(store& s, const std::string& channel) {
    for (const auto& i : s.list_incidents())
        if (i.channel == channel) {
            const auto md = generate_draft(s, i.id, nullptr).value().markdown;
            return md.substr(md.find("## Related incidents"));
        }
    ADD_FAILURE() << "no incident in " << channel;
    return {};
}

TEST_F(ImportHistory, RelatedIncidentsNeverListOtherChannels) {
    // #general shares the checkout incident's words ("checkout", "pool"), but is no incident.
    import_slack_export(s, exp.root());
    EXPECT_EQ(related_section(s, "C0BOT").find("general"), std::string::npos);
    for (const auto& hit : s.search("checkout pool")) EXPECT_NE(hit.channel, "C0GEN");

    // Control: imported on purpose it is an incident, and then it is related.
    temp_dir other;
    store all(other.file("bot.db"));
    import_slack_export(all, exp.root(), {.all = true});
    EXPECT_NE(related_section(all, "C0BOT").find("SEV2: general"), std::string::npos);
}

}  // namespace
}  // namespace incident_bot

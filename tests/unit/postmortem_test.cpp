// Post-mortem drafts from a real SQLite file: section order, condensed timeline, metrics,
// names to roles, the review checklist, related incidents and Block Kit limits.
#include <gtest/gtest.h>

#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using namespace std::chrono_literals;
using testing::fixed_clock;
using testing::temp_dir;
using json = nlohmann::json;

class Postmortem : public ::testing::Test {
  protected:
    std::int64_t declare(const std::string& title, const std::string& channel = "C1") {
        new_incident n;
        n.title = title;
        n.severity = 2;
        n.channel = channel;
        return db.create_incident(n).id;
    }

    // A person's message at the store clock's now, then one second later.
    std::int64_t message(std::int64_t incident, const std::string& user, const std::string& text) {
        timeline_entry e;
        e.incident_id = incident;
        const auto secs =
            std::chrono::duration_cast<std::chrono::seconds>(clock.now->time_since_epoch()).count();
        e.ts = *canonical_ts(std::to_string(secs) + "." + std::to_string(++seq));
        e.user = user;
        e.text = text;
        clock.advance(1s);
        return *db.add_entry(e);
    }

    // A person whose name the bot learned from Slack.
    void known(const std::string& user, const std::string& name) {
        db.remember_person({user, {name}, std::chrono::floor<std::chrono::seconds>(*clock.now)});
    }

    std::string draft_of(std::int64_t id, const draft_options& o = {}) {
        return generate_draft(db, id, nullptr, o)->markdown;
    }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    int seq = 0;
};

TEST_F(Postmortem, HeadingsInOrderWithPromptsForWhatNeedsHumans) {
    const auto id = declare("Checkout latency");
    const auto md = draft_of(id);
    std::size_t last = 0;
    for (auto h : draft_headings) {
        const auto at = md.find("\n## " + std::string(h) + "\n");
        ASSERT_NE(at, std::string::npos) << h;
        EXPECT_GT(at, last) << h;
        last = at;
    }
    EXPECT_NE(md.find("_Prompt: In two or three sentences"), std::string::npos);
    EXPECT_NE(md.find("_Prompt: Who or what was affected"), std::string::npos);
    EXPECT_NE(md.find("_Prompt: Which tools, alerts"), std::string::npos);
    EXPECT_NE(md.find("still investigating"), std::string::npos);
    EXPECT_NE(md.find("**Time to resolve:** not recorded"), std::string::npos);
    EXPECT_FALSE(generate_draft(db, 99, nullptr));
}

TEST_F(Postmortem, TimelineKeepsKeyEventsAndCondensesChatter) {
    const auto id = declare("Queue backlog");
    known("U1", "ana");
    known("U3", "chen");
    message(id, "U1", "queue depth alarm firing");  // first report
    for (int i = 0; i < 42; ++i) message(id, "U2", "looking " + std::to_string(i));
    const auto pinned = message(id, "U3", "consumer pool is stuck on a lock");
    db.set_pinned(pinned, true);
    for (int i = 0; i < 3; ++i) message(id, "U2", "more chatter");
    db.add_note(id, "U1", "restarted consumers");
    db.set_status(id, incident_status::identified, "U1");
    const auto md = draft_of(id);
    // People by the names Slack gave the bot: a mention would notify them on every post.
    EXPECT_NE(md.find("@ana: queue depth alarm firing"), std::string::npos);
    EXPECT_NE(md.find("- … 42 messages …"), std::string::npos);
    EXPECT_NE(md.find("📌 @chen: consumer pool is stuck on a lock"), std::string::npos);
    EXPECT_NE(md.find("- … 3 messages …"), std::string::npos);
    EXPECT_NE(md.find("Note from @ana: restarted consumers"), std::string::npos);
    EXPECT_NE(md.find("Status changed from investigating to identified (by @ana)"),
              std::string::npos);
    EXPECT_EQ(md.find("<@"), std::string::npos);
    EXPECT_EQ(md.find("looking 7"), std::string::npos);
}

TEST_F(Postmortem, MetricsFromStatusChangesStageMarksAndNudgeCount) {
    const auto id = declare("Search down", "C1");
    message(id, "U1", "search returns 500");
    clock.advance(9min);
    const auto lead = message(id, "U2", "index shard 3 is read-only");
    db.add_reaction(lead, "U2", "bulb", reaction_mark{false, incident_stage::diagnosis});
    clock.advance(20min);
    db.set_status(id, incident_status::mitigated, "U1");
    clock.advance(30min);
    db.set_status(id, incident_status::resolved, "U1");
    db.record_nudge({"U9", "person_attribution", "who-broke-it", "C1", {}});
    db.record_nudge({"U9", "hindsight", "should-have", "C1", {}});
    db.record_nudge({"U9", "hindsight", "should-have", "C2", {}});
    const auto md = draft_of(id);
    EXPECT_NE(md.find("**Time to detect:** under a minute"), std::string::npos);
    EXPECT_NE(md.find("**Time to diagnose:** 9m"), std::string::npos);
    EXPECT_NE(md.find("**Time to mitigate:** 29m"), std::string::npos);
    EXPECT_NE(md.find("**Time to resolve:** 59m"), std::string::npos);
    EXPECT_NE(md.find("**Blameless-language nudges:** 2"), std::string::npos);
    EXPECT_EQ(md.find("U9"), std::string::npos);  // never who was nudged
    // Diagnosis-marked messages are offered as leads for contributing factors.
    const auto factors = md.find("## Contributing factors");
    // Nobody told the bot U2's name: "a responder", never a mention.
    EXPECT_NE(md.find("[diagnosis] a responder: index shard 3", factors), std::string::npos);
}

TEST_F(Postmortem, NamesReplacedWithRoles) {
    const auto id = declare("Payments");
    db.set_role(id, incident_role::commander, "U1");
    db.set_role(id, incident_role::scribe, "U3");
    message(id, "U1", "paging <@U2|bob> and <@U3>");
    db.set_summary(id, "<@U2> found the bad deploy");
    action_item a;
    a.incident_id = id;
    a.text = "pair with <@U1> on alerts";
    a.owner = "U3";
    db.add_action_item(a);
    draft_options o;
    o.replace_names_with_roles = true;
    const auto md = draft_of(id, o);
    EXPECT_EQ(md.find("<@U"), std::string::npos) << md;
    EXPECT_NE(md.find("the commander: paging a responder and the scribe"), std::string::npos);
    EXPECT_NE(md.find("a responder found the bad deploy"), std::string::npos);
    EXPECT_NE(md.find("pair with the commander on alerts — owner the scribe"), std::string::npos);
    known("U2", "bob");
    EXPECT_NE(draft_of(id).find("@bob found the bad deploy"), std::string::npos);
}

TEST_F(Postmortem, BroadcastsAndGroupMentionsNotifyNobody) {
    const auto id = declare("<!channel> checkout down");
    known("U1", "ana");
    message(id, "U1", "<!here> checkout is down, <!subteam^S1|@sre-oncall> please look");
    db.set_summary(id, "<!everyone|everyone> saw errors; see <https://status.example.com|status>");
    const auto md = draft_of(id);
    EXPECT_EQ(md.find("<!"), std::string::npos) << md;
    EXPECT_NE(md.find("@ana: @here checkout is down, @sre-oncall please look"), std::string::npos);
    EXPECT_NE(md.find("@everyone saw errors; see <https://status.example.com|status>"),
              std::string::npos);
    EXPECT_NE(md.find("— @channel checkout down"), std::string::npos);
}

TEST_F(Postmortem, BlamelessFindingsBecomeReviewChecklistItems) {
    const auto rules = rule_set::load_default();
    const auto id = declare("Config outage");
    db.set_summary(id, "This was human error: the operator was careless.");
    const auto d = generate_draft(db, id, &rules);
    ASSERT_TRUE(d);
    ASSERT_FALSE(d->review.empty());
    const auto checklist = d->markdown.find("\n## Review checklist\n");
    ASSERT_NE(checklist, std::string::npos);
    EXPECT_GT(checklist, d->markdown.find("\n## Related incidents\n"));
    EXPECT_NE(d->markdown.find("- [ ] Line ", checklist), std::string::npos);
    bool human_error = false;
    for (const auto& r : d->review) human_error |= r.category == "human_error";
    EXPECT_TRUE(human_error);
    // The draft's own wording (prompts, headings) is clean.
    const auto clean = declare("Quiet incident", "C2");
    EXPECT_TRUE(generate_draft(db, clean, &rules)->review.empty());
}

TEST_F(Postmortem, RelatedIncidentsShareDistinctiveWords) {
    const auto old1 = declare("Redis failover stalled checkout", "C1");
    db.set_status(old1, incident_status::resolved);
    const auto old2 = declare("Unrelated printer jam", "C2");
    db.set_status(old2, incident_status::resolved);
    const auto old3 = declare("Slow pages", "C3");
    message(old3, "U1", "redis memory is full again");
    db.set_status(old3, incident_status::resolved);
    for (auto public_one : {old1, old2, old3}) db.set_incident_private(public_one, false);
    // Private incidents (and ones Slack has not said about yet) stay out of another
    // incident's draft, however well they match.
    const auto secret = declare("Redis failover checkout secret", "G5");
    db.set_incident_private(secret, true);
    db.set_status(secret, incident_status::resolved);
    const auto unknown = declare("Redis failover checkout unknown", "C6");
    db.set_status(unknown, incident_status::resolved);
    const auto id = declare("Redis failover during checkout peak", "C4");
    const auto md = draft_of(id);
    const auto related = md.substr(md.find("## Related incidents"));
    EXPECT_NE(related.find("#1 Redis failover stalled checkout"), std::string::npos);
    EXPECT_NE(related.find("shares: redis, failover, checkout"), std::string::npos);
    EXPECT_NE(related.find("#3 Slow pages"), std::string::npos);
    EXPECT_EQ(related.find("printer"), std::string::npos);
    EXPECT_EQ(related.find("secret"), std::string::npos);
    EXPECT_EQ(related.find("unknown"), std::string::npos);
    EXPECT_EQ(related.find("#6"), std::string::npos);
    EXPECT_LT(related.find("#1 "), related.find("#3 "));
}

TEST_F(Postmortem, EachSaveIsANewVersion) {
    const auto id = declare("Disk full");
    EXPECT_EQ(save_draft(db, id, nullptr)->version, 1);
    db.set_summary(id, "Logs filled the disk.");
    EXPECT_EQ(save_draft(db, id, nullptr)->version, 2);
    EXPECT_NE(db.latest_draft(id)->markdown.find("Logs filled the disk."), std::string::npos);
    EXPECT_FALSE(save_draft(db, 42, nullptr));
}

void expect_within_limits(const std::vector<json>& messages, const block_kit_limits& l) {
    for (const auto& m : messages) {
        EXPECT_EQ(m["channel"], "C1");
        EXPECT_LE(m["text"].get<std::string>().size(), l.fallback_chars);
        EXPECT_FALSE(m["text"].get<std::string>().empty());
        ASSERT_LE(m["blocks"].size(), l.blocks_per_message);
        ASSERT_FALSE(m["blocks"].empty());
        for (const auto& b : m["blocks"]) {
            const auto text = b["text"]["text"].get<std::string>();
            EXPECT_FALSE(text.empty());
            EXPECT_LE(text.size(), b["type"] == "header" ? l.header_chars : l.section_chars);
        }
    }
}

TEST_F(Postmortem, TenThousandMessagesFitSlackLimits) {
    const auto id = declare("Global outage");
    {
        transaction tx(db);
        for (int i = 0; i < 10'000; ++i) {
            const auto e = message(id,
                                   "U" + std::to_string(i % 40),
                                   "update " + std::to_string(i) + ": " + std::string(150, 'z'));
            // Every tenth message marked: a long, key-event-heavy timeline.
            if (i % 10 == 0) db.set_pinned(e, true);
        }
        tx.commit();
    }
    draft_options o;
    o.max_timeline_events = 2'000;
    const auto md = draft_of(id, o);
    EXPECT_NE(md.find("**Messages:** 10000 from 40 people"), std::string::npos);
    EXPECT_NE(md.find("- … 9 messages …"), std::string::npos);
    const block_kit_limits limits;
    const auto messages = to_block_kit_messages(md, "C1", "Post-mortem draft", limits);
    ASSERT_GT(messages.size(), 1u);
    expect_within_limits(messages, limits);
    EXPECT_NE(messages[0]["text"].get<std::string>().find("(part 1 of "), std::string::npos);
    // Nothing lost: every key event appears in exactly one message.
    std::string all;
    for (const auto& m : messages) all += m["blocks"].dump();
    EXPECT_NE(all.find("update 9990:"), std::string::npos);
    EXPECT_NE(all.find("Related incidents"), std::string::npos);
}

TEST(PostmortemBlockKit, LongLinesSplitAtUtf8BoundariesAndMarkdownBecomesMrkdwn) {
    std::string md = "# Title\n\n## Section\n\n- [ ] **todo** item\n- [x] done\n- bullet\n";
    for (int i = 0; i < 2000; ++i) md += "é";  // 2 bytes each, no spaces
    md += "\n";
    block_kit_limits l;
    l.section_chars = 1001;  // odd, so a naive cut would split a character
    const auto messages = to_block_kit_messages(md, "C1", "T", l);
    ASSERT_EQ(messages.size(), 1u);
    const auto& blocks = messages[0]["blocks"];
    EXPECT_EQ(blocks[0]["type"], "header");
    EXPECT_EQ(blocks[0]["text"]["text"], "Title");
    EXPECT_EQ(blocks[1]["text"]["text"], "Section");
    // The cut prefers the line break before the long line.
    EXPECT_EQ(blocks[2]["text"]["text"], "☐ *todo* item\n☑ done\n• bullet");
    for (std::size_t i = 2; i < blocks.size(); ++i) {
        const auto text = blocks[i]["text"]["text"].get<std::string>();
        EXPECT_LE(text.size(), 1001u);
        // json::dump throws on invalid UTF-8.
        EXPECT_NO_THROW(json(text).dump());
    }
    EXPECT_TRUE(to_block_kit_messages("", "C1", "T").empty());
}

TEST(PostmortemBlockKit, BlockCapStartsANewMessage) {
    std::string md;
    for (int i = 0; i < 120; ++i) md += "## Heading " + std::to_string(i) + "\n";
    const auto messages = to_block_kit_messages(md, "C1", "T");
    ASSERT_EQ(messages.size(), 3u);
    EXPECT_EQ(messages[0]["blocks"].size(), 50u);
    EXPECT_EQ(messages[2]["blocks"].size(), 20u);
    EXPECT_EQ(messages[2]["text"].get<std::string>().substr(0, 14), "T (part 3 of 3");
}

TEST(PostmortemFormat, DurationsDaysAndTruncation) {
    using detail::format_duration;
    EXPECT_EQ(format_duration(30s), "under a minute");
    EXPECT_EQ(format_duration(45min), "45m");
    EXPECT_EQ(format_duration(2h + 14min), "2h 14m");
    EXPECT_EQ(format_duration(std::chrono::days(3) + 2h + 5min), "3d 2h");
    EXPECT_TRUE(detail::parse_day("2026-02-28"));
    EXPECT_FALSE(detail::parse_day("2026-02-30"));
    EXPECT_FALSE(detail::parse_day("2026-2-3"));
    EXPECT_FALSE(detail::parse_day("2026-02-3x"));
    EXPECT_EQ(detail::truncate_utf8("héllo", 4), "h…");
    EXPECT_EQ(detail::one_line("  a\n\tb  c "), "a b c");
}

TEST(QuietMentions, BroadcastsBecomePlainWordsAndOddMarkupIsKept) {
    using detail::quiet_mentions;
    EXPECT_EQ(quiet_mentions("<!here> <!channel> <!everyone> <!here|here>"),
              "@here @channel @everyone @here");
    EXPECT_EQ(quiet_mentions("<!subteam^S1|@sre> <!subteam^S2|db> <!subteam^S3>"),
              "@sre @db @group");
    // Dates, links and channels notify nobody and stay; people stay without a namer.
    const std::string kept =
        "<!date^1700000000^{date}|Nov 14> <https://x.example|x> <#C1|ops> <@U1> <@U2|bo>";
    EXPECT_EQ(quiet_mentions(kept), kept);
    const detail::person_namer namer = [](std::string_view u) -> std::optional<std::string> {
        if (u == "U1") return std::string("@ana");
        return std::nullopt;
    };
    EXPECT_EQ(quiet_mentions("<@U1> and <@U1|ana> and <@U2>", namer), "@ana and @ana and <@U2>");
    // Unclosed and empty markup is copied as it is; a broadcast inside never survives.
    for (const char* odd : {"<", "<@", "a < b", "<!", "<>", "<<!here>", "<<!here>>", "x <@U1"})
        EXPECT_EQ(quiet_mentions(odd).find("<!here>"), std::string::npos) << odd;
    EXPECT_EQ(quiet_mentions("a < b"), "a < b");
    EXPECT_EQ(quiet_mentions("x <@U1", namer), "x <@U1");
    EXPECT_EQ(quiet_mentions("<<!here>"), "<@here");
    EXPECT_EQ(quiet_mentions("a > b <!channel>"), "a > b @channel");
}

}  // namespace
}  // namespace incident_bot

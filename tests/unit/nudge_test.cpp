// Blameless-language nudges against a real SQLite file: which messages are checked, scope,
// opt-out and throttle, that no text is stored, the Block Kit reply and the feedback votes.
#include "incident_bot/rules/nudge.hpp"
#include "incident_bot/store/settle_nudge.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "incident_bot/config.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using testing::fixed_clock;
using testing::temp_dir;
using json = nlohmann::json;
using namespace std::chrono_literals;

// The event as the bot reads it: parsed, in place.
std::optional<nudge_message> candidate(const json& event, std::string_view bot_user = {}) {
    return nudge_candidate(json_document(event).root(), bot_user);
}

json message(std::string text, std::string user = "U1") {
    return {{"type", "message"},
            {"channel", "C1"},
            {"user", std::move(user)},
            {"text", std::move(text)},
            {"ts", "1700000000.000100"}};
}

const rule_set& default_rules() {
    static const rule_set set = rule_set::load_default();
    return set;
}

std::string file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(NudgeCandidate, TakesPlainMessagesAndBroadcasts) {
    auto m = candidate(message("who broke prod?"));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->channel, "C1");
    EXPECT_EQ(m->user, "U1");
    EXPECT_EQ(m->text, "who broke prod?");
    EXPECT_FALSE(m->thread_ts);

    auto broadcast = message("who broke prod?");
    broadcast["subtype"] = "thread_broadcast";
    broadcast["thread_ts"] = "1699999999.000001";
    m = candidate(broadcast);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->thread_ts, "1699999999.000001");
}

TEST(NudgeCandidate, RepliesGoToTheThreadParentsToTheChannel) {
    auto reply = message("who broke prod?");
    reply["thread_ts"] = "1699999999.000001";
    EXPECT_EQ(candidate(reply)->thread_ts, "1699999999.000001");

    auto parent = message("who broke prod?");
    parent["thread_ts"] = parent["ts"];
    EXPECT_FALSE(candidate(parent)->thread_ts);
}

TEST(NudgeCandidate, SkipsBotsSelfAndOtherSubtypes) {
    auto bot = message("who broke prod?");
    bot["bot_id"] = "B1";
    EXPECT_FALSE(candidate(bot));
    EXPECT_FALSE(candidate(testing::fixture("event_bot_message.json")));
    EXPECT_FALSE(candidate(message("who broke prod?", "UBOT"), "UBOT"));
    EXPECT_TRUE(candidate(message("who broke prod?", "U1"), "UBOT"));
    for (const char* subtype : {"channel_join", "message_deleted", "me_message", "file_share"}) {
        auto m = message("who broke prod?");
        m["subtype"] = subtype;
        EXPECT_FALSE(candidate(m)) << subtype;
    }
}

TEST(NudgeCandidate, EditsCountOnlyWhenTheTextChanged) {
    json edit = {{"type", "message"},
                 {"subtype", "message_changed"},
                 {"channel", "C1"},
                 {"message", message("who broke prod?")},
                 {"previous_message", message("prod is down")}};
    auto m = candidate(edit);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->text, "who broke prod?");

    // A link unfurl re-sends the same text.
    edit["previous_message"]["text"] = "who broke prod?";
    EXPECT_FALSE(candidate(edit));
    edit.erase("previous_message");
    EXPECT_FALSE(candidate(edit));
    EXPECT_FALSE(candidate(testing::fixture("event_message_changed.json")));
}

TEST(NudgeCandidate, MalformedEventsAreIgnored) {
    EXPECT_FALSE(candidate(json()));
    EXPECT_FALSE(candidate(json::array()));
    EXPECT_FALSE(candidate(json{{"type", "message"}, {"text", "who broke prod?"}}));
    auto m = message("who broke prod?");
    m["user"] = 42;
    EXPECT_FALSE(candidate(m));
    m = message("who broke prod?");
    m["subtype"] = "message_changed";
    m["message"] = "not an object";
    m["previous_message"] = json::object();
    EXPECT_FALSE(candidate(m));
}

finding finding_of(std::string category, std::string rule_id) {
    finding f;
    f.category = std::move(category);
    f.rule_id = std::move(rule_id);
    return f;
}

nudge_context context(bool watched, bool opted_in = true) {
    nudge_context ctx;
    ctx.watched = watched;
    ctx.opted_in = opted_in;
    return ctx;
}

TEST(DecideNudge, TakesTheFirstFindingWhoseCategoryIsNotThrottled) {
    const nudges_config cfg;
    auto ctx = context(true);
    const std::vector<finding> findings = {finding_of("whose_fault", "who-broke-it"),
                                           finding_of("character", "sloppy")};
    EXPECT_EQ(decide_nudge(cfg, findings, ctx)->rule_id, "who-broke-it");
    ctx.throttled.insert("whose_fault");
    EXPECT_EQ(decide_nudge(cfg, findings, ctx)->rule_id, "sloppy");
    ctx.throttled.insert("character");
    EXPECT_FALSE(decide_nudge(cfg, findings, ctx));
    EXPECT_FALSE(decide_nudge(cfg, {}, context(true)));
}

TEST(DecideNudge, ScopeOptOutAndTheSwitch) {
    nudges_config cfg;
    const std::vector<finding> findings = {finding_of("whose_fault", "who-broke-it")};
    EXPECT_FALSE(decide_nudge(cfg, findings, context(false)));
    EXPECT_FALSE(decide_nudge(cfg, findings, context(true, false)));
    cfg.scope = nudge_scope::all_channels;
    EXPECT_TRUE(decide_nudge(cfg, findings, context(false)));
    cfg.enabled = false;
    EXPECT_FALSE(decide_nudge(cfg, findings, context(true)));
}

class NudgeDecision : public ::testing::Test {
  protected:
    NudgeDecision() {
        new_incident i;
        i.title = "t";
        i.channel = "C1";
        db.create_incident(i);
    }

    // C1 has an open incident; an unwatched message goes to C2, which has none.
    std::optional<finding> decide(const std::string& text,
                                  bool watched = true,
                                  const std::string& user = "U1") {
        auto event = message(text, user);
        if (!watched) event["channel"] = "C2";
        const auto m = candidate(event);
        EXPECT_TRUE(m);
        return settle_nudge(db, cfg, *m, default_rules().scan(m->text), now());
    }
    unix_time now() const { return std::chrono::floor<std::chrono::seconds>(*clock.now); }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    nudges_config cfg;
};

TEST_F(NudgeDecision, FindsAndRecordsOneNudgePerMessage) {
    auto f = decide("who broke prod? so sloppy");
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->why.empty());
    EXPECT_FALSE(f->suggestion.empty());
    EXPECT_EQ(db.count_nudges(), 1);
    nudge_filter mine;
    mine.user = "U1";
    mine.category = f->category;
    EXPECT_EQ(db.count_nudges(mine), 1);
    EXPECT_EQ(db.count_rule_nudges(f->rule_id), 1);
    EXPECT_EQ(db.count_nudges_in_channel("C1", now() - 1h), 1);
}

TEST_F(NudgeDecision, InnocentMessagesCostNothing) {
    EXPECT_FALSE(decide("the deploy broke the cache, rolling back"));
    EXPECT_FALSE(decide("who is on call?"));
    EXPECT_EQ(db.count_nudges(), 0);
}

TEST_F(NudgeDecision, NeverStoresTheMessageText) {
    ASSERT_TRUE(decide("who broke prod zebrafrobnicate?"));
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
        const auto bytes = file_bytes(entry.path().string());
        EXPECT_EQ(bytes.find("zebrafrobnicate"), std::string::npos) << entry.path();
        EXPECT_EQ(bytes.find("who broke"), std::string::npos) << entry.path();
    }
}

TEST_F(NudgeDecision, ScopeIsIncidentChannelsUnlessConfigured) {
    EXPECT_FALSE(decide("who broke prod?", false));
    cfg.scope = nudge_scope::all_channels;
    EXPECT_TRUE(decide("who broke prod?", false));
}

TEST_F(NudgeDecision, DisabledSendsNothing) {
    cfg.enabled = false;
    EXPECT_FALSE(decide("who broke prod?"));
    EXPECT_EQ(db.count_nudges(), 0);
}

TEST_F(NudgeDecision, OptedOutUsersAreLeftAlone) {
    db.set_nudges_enabled("U1", false);
    EXPECT_FALSE(decide("who broke prod?"));
    EXPECT_TRUE(decide("who broke prod?", true, "U2"));
    db.set_nudges_enabled("U1", true);
    EXPECT_TRUE(decide("who broke prod?"));
}

TEST_F(NudgeDecision, ThrottlesPerPersonAndCategoryWithinTheWindow) {
    const auto first = decide("who broke prod?");
    ASSERT_TRUE(first);
    clock.advance(59min);
    EXPECT_FALSE(decide("who broke prod?"));
    // Another person, or another kind of phrasing, is not throttled.
    EXPECT_TRUE(decide("who broke prod?", true, "U2"));
    const auto other = decide("that was sloppy");
    ASSERT_TRUE(other);
    EXPECT_NE(other->category, first->category);
    clock.advance(1min + 1s);
    EXPECT_TRUE(decide("who broke prod?"));
    EXPECT_EQ(db.count_nudges(), 4);
}

TEST_F(NudgeDecision, ThrottleSurvivesARestart) {
    ASSERT_TRUE(decide("who broke prod?"));
    store reopened(dir.file("bot.db"), open_mode::read_write, clock.options());
    const auto m = candidate(message("who broke prod?"));
    EXPECT_FALSE(settle_nudge(reopened, cfg, *m, default_rules().scan(m->text), now()));
}

TEST_F(NudgeDecision, ThrottledCategoryFallsBackToAnotherFinding) {
    const auto first = decide("who broke prod?");
    ASSERT_TRUE(first);
    const auto second = decide("who broke prod? so sloppy");
    ASSERT_TRUE(second);
    EXPECT_NE(second->category, first->category);
}

TEST_F(NudgeDecision, ZeroWindowNeverThrottles) {
    cfg.throttle = 0min;
    EXPECT_TRUE(decide("who broke prod?"));
    EXPECT_TRUE(decide("who broke prod?"));
}

finding sample_finding() {
    finding f;
    f.rule_id = "who-broke-it";
    f.category = "whose_fault";
    f.matched = "<@U123|dana> broke prod & <!here>";
    f.why = "Asking who <did> it puts people on the defensive.";
    f.suggestion = "What changed just before the errors started?";
    return f;
}

TEST(NudgeBlocks, ExplainQuoteSuggestAndOfferFeedback) {
    const auto blocks = nudge_blocks(sample_finding());
    ASSERT_EQ(blocks.size(), 4u);
    const std::string why = blocks[0]["text"]["text"];
    EXPECT_NE(why.find("Asking who &lt;did&gt; it"), std::string::npos);
    const std::string advice = blocks[1]["text"]["text"];
    EXPECT_NE(advice.find("@dana broke prod &amp; @here"), std::string::npos) << advice;
    EXPECT_NE(advice.find("What changed just before the errors started?"), std::string::npos);
    EXPECT_EQ(blocks[1]["text"]["type"], "mrkdwn");

    const auto& buttons = blocks[2]["elements"];
    ASSERT_EQ(buttons.size(), 2u);
    EXPECT_EQ(buttons[0]["action_id"], "nudge_vote_helpful");
    EXPECT_EQ(buttons[0]["text"]["text"], "Helpful");
    EXPECT_EQ(buttons[0]["value"], "who-broke-it");
    EXPECT_EQ(buttons[1]["action_id"], "nudge_vote_not_helpful");
    EXPECT_EQ(buttons[1]["text"]["text"], "Not helpful");
    EXPECT_EQ(buttons[1]["value"], "who-broke-it");

    EXPECT_EQ(blocks[3]["type"], "context");
    const std::string hint = blocks[3]["elements"][0]["text"];
    EXPECT_NE(hint.find("/incident nudges off"), std::string::npos);
    EXPECT_NE(nudge_blocks(sample_finding(), "/inc")[3].dump().find("/inc nudges off"),
              std::string::npos);
}

TEST(NudgeBlocks, SectionsStayWithinSlackLimitsForHugeText) {
    auto f = sample_finding();
    f.matched = std::string(10'000, '<');
    f.why = std::string(10'000, '&');
    f.suggestion = std::string(5'000, 'x') + std::string(5'000, '>');
    for (const auto& block : nudge_blocks(f)) {
        if (block["type"] == "section") {
            EXPECT_LE(block["text"]["text"].get<std::string>().size(), 3000u);
        }
    }
    EXPECT_LE(nudge_ephemeral_args({"C1", "U1", "x", {}, {}}, f)["text"].get<std::string>().size(),
              4000u);
}

TEST(NudgeBlocks, QuotesAreEscapedAndCutBetweenCharacters) {
    EXPECT_EQ(quote_for_mrkdwn("a &amp; b &lt;c&gt;", 100), "a &amp; b &lt;c&gt;");
    EXPECT_EQ(quote_for_mrkdwn("<#C1|incidents> <@U1> <https://x.io|the doc> <https://y.io>", 100),
              "#incidents @U1 the doc https://y.io");
    EXPECT_EQ(quote_for_mrkdwn("a < b", 100), "a &lt; b");
    EXPECT_EQ(quote_for_mrkdwn("<!subteam^S1> <!channel>", 100), "@subteam @channel");
    // Four 2-byte characters cut to fit 6 bytes: one character and the 3-byte ellipsis.
    EXPECT_EQ(quote_for_mrkdwn("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", 6), "\xC3\xA9\xE2\x80\xA6");
    // An entity is never split.
    EXPECT_EQ(quote_for_mrkdwn("&&&&", 9), "&amp;\xE2\x80\xA6");
}

TEST(NudgeBlocks, EphemeralGoesToTheAuthorInTheThread) {
    nudge_message m{"C1", "U1", "who broke prod?", "1699999999.000001", {}};
    auto args = nudge_ephemeral_args(m, sample_finding());
    EXPECT_EQ(args["channel"], "C1");
    EXPECT_EQ(args["user"], "U1");
    EXPECT_EQ(args["thread_ts"], "1699999999.000001");
    EXPECT_TRUE(args["blocks"].is_array());
    EXPECT_NE(args["text"].get<std::string>().find("What changed"), std::string::npos);
    m.thread_ts.reset();
    EXPECT_FALSE(nudge_ephemeral_args(m, sample_finding()).contains("thread_ts"));
}

json vote_payload(const std::string& action_id, const std::string& value) {
    auto payload = testing::fixture("sm_interactive_block_actions.json")["payload"];
    payload["actions"][0]["action_id"] = action_id;
    payload["actions"][0]["value"] = value;
    return payload;
}

TEST(NudgeVote, ParsesOurButtonsOnly) {
    EXPECT_FALSE(
        parse_nudge_vote(testing::fixture("sm_interactive_block_actions.json")["payload"]));
    auto v = parse_nudge_vote(vote_payload("nudge_vote_helpful", "who-broke-it"));
    ASSERT_TRUE(v);
    EXPECT_EQ(v->rule_id, "who-broke-it");
    EXPECT_TRUE(v->helpful);
    EXPECT_EQ(v->user, "U111");
    EXPECT_EQ(v->channel, "C111");
    EXPECT_EQ(v->response_url, "https://hooks.slack.com/actions/T111/111/xxx");
    v = parse_nudge_vote(vote_payload("nudge_vote_not_helpful", "character"));
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->helpful);
}

// Issue 14: a vote names the message and the kind it was about, so the message can be kept
// as a labeled example; nudges sent before that carry neither.
TEST(NudgeVote, ButtonsCarryTheMessageAndKindBack) {
    nudge_message m{"C1", "U1", "who broke prod?", std::nullopt, "1700000000.000200"};
    const auto blocks = nudge_ephemeral_args(m, sample_finding())["blocks"];
    auto p = vote_payload("nudge_vote_not_helpful", sample_finding().rule_id);
    p["actions"][0]["block_id"] = blocks[2]["block_id"];
    auto v = parse_nudge_vote(p);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->message_ts, "1700000000.000200");
    EXPECT_EQ(v->category, sample_finding().category);
    p["actions"][0]["block_id"] = "nudge_feedback";
    v = parse_nudge_vote(p);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->message_ts.empty());
    EXPECT_TRUE(v->category.empty());
}

TEST(NudgeVote, MalformedPayloadsAreRefused) {
    EXPECT_FALSE(parse_nudge_vote(json()));
    EXPECT_FALSE(parse_nudge_vote(json("block_actions")));
    EXPECT_FALSE(parse_nudge_vote(vote_payload("nudge_vote_helpful", "")));
    EXPECT_FALSE(parse_nudge_vote(vote_payload("nudge_vote_helpful", std::string(300, 'r'))));
    auto p = vote_payload("nudge_vote_helpful", "who-broke-it");
    p.erase("user");
    EXPECT_FALSE(parse_nudge_vote(p));
    p = vote_payload("nudge_vote_helpful", "who-broke-it");
    p["actions"] = "nope";
    EXPECT_FALSE(parse_nudge_vote(p));
    p = vote_payload("nudge_vote_helpful", "who-broke-it");
    p.erase("channel");
    p.erase("response_url");
    auto v = parse_nudge_vote(p);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->channel, "C111");
    EXPECT_TRUE(v->response_url.empty());
}

TEST(NudgeVote, VotesAreTalliedPerRule) {
    temp_dir dir;
    {
        store db(dir.file("bot.db"));
        for (const auto* action :
             {"nudge_vote_helpful", "nudge_vote_helpful", "nudge_vote_not_helpful"}) {
            const auto v = parse_nudge_vote(vote_payload(action, "who-broke-it"));
            ASSERT_TRUE(v);
            db.vote_nudge(v->rule_id, v->helpful);
        }
    }
    store reader(dir.file("bot.db"), open_mode::read_only);
    const auto votes = reader.votes_for("who-broke-it");
    EXPECT_EQ(votes.helpful, 2);
    EXPECT_EQ(votes.not_helpful, 1);
    EXPECT_EQ(reader.votes_for("character").helpful, 0);
}

config load_file_config(const temp_dir& dir, const std::string& text) {
    const auto path = dir.file("config.json");
    std::ofstream(path) << text;
    return load_config([](const char*) -> const char* { return nullptr; }, path);
}

TEST(NudgeConfig, ParsesTheNudgesSection) {
    temp_dir dir;
    const auto c = load_file_config(
        dir,
        R"({"nudges": {"enabled": false, "scope": "all_channels", "throttle_minutes": 15},
            "rules_file": "team-rules.json"})");
    EXPECT_FALSE(c.nudges.enabled);
    EXPECT_EQ(c.nudges.scope, nudge_scope::all_channels);
    EXPECT_EQ(c.nudges.throttle, 15min);
    EXPECT_EQ(c.rules_file, "team-rules.json");

    const nudges_config defaults;
    EXPECT_TRUE(defaults.enabled);
    EXPECT_EQ(defaults.scope, nudge_scope::incident_channels);
    EXPECT_EQ(defaults.throttle, 60min);
}

TEST(NudgeConfig, BadSettingsAreNamed) {
    temp_dir dir;
    const auto error_for = [&](const std::string& text) {
        try {
            load_file_config(dir, text);
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_for(R"({"nudges": {"scpoe": "all_channels"}})").find("nudges.scpoe"),
              std::string::npos);
    EXPECT_NE(error_for(R"({"nudges": {"scope": "everywhere"}})").find("nudges.scope"),
              std::string::npos);
    EXPECT_NE(error_for(R"({"nudges": {"throttle_minutes": -1}})").find("nudges.throttle_minutes"),
              std::string::npos);
    EXPECT_NE(error_for(R"({"nudges": {"enabled": "yes"}})").find("nudges.enabled"),
              std::string::npos);
    EXPECT_NE(error_for(R"({"nudges": []})").find("nudges"), std::string::npos);
}

TEST(NudgeConfig, RulesFileFromTheEnvironmentWins) {
    temp_dir dir;
    const auto path = dir.file("config.json");
    std::ofstream(path) << R"({"rules_file": "from-file.json"})";
    const auto c = load_config(
        [](const char* name) -> const char* {
            return std::string_view(name) == "INCIDENT_BOT_RULES" ? "from-env.json" : nullptr;
        },
        path);
    EXPECT_EQ(c.rules_file, "from-env.json");
}

}  // namespace
}  // namespace incident_bot

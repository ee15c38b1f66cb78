// Blameless-language detector: the default rules against tables of blame and hard
// negatives, Slack markup and offsets, rule-file validation, Markdown documents, and the
// labeled corpus (precision/recall gate).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "incident_bot/rules/corpus.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot {
namespace {

const std::string source_dir = INCIDENT_BOT_SOURCE_DIR;

const rule_set& rules() {
    static const rule_set set = rule_set::load_file(source_dir + "/config/rules.json");
    return set;
}

// The first finding's category, or "none".
std::string category_of(std::string_view text) {
    auto f = rules().scan(text);
    return f.empty() ? "none" : f.front().category;
}

struct labeled {
    const char* text;
    const char* category;
};

void expect_table(std::initializer_list<labeled> table) {
    for (const auto& row : table) EXPECT_EQ(category_of(row.text), row.category) << row.text;
}

// Hard negatives: no rule may fire on any of them.
void expect_clean(std::initializer_list<const char*> texts) {
    for (const char* text : texts) EXPECT_EQ(category_of(text), "none") << text;
}

TEST(RuleEngine, FlagsWhoBrokeProd) {
    expect_table({{"who broke prod", "whose_fault"},
                  {"who pushed this??", "whose_fault"},
                  {"Who BROKE prod?!?!", "whose_fault"},
                  {"who the hell touched the load balancer", "whose_fault"},
                  {"whose fault is this", "whose_fault"},
                  {"which genius pushed to main", "whose_fault"}});
}

TEST(RuleEngine, FlagsPersonAttribution) {
    expect_table({{"<@U123ABC> broke prod", "person_attribution"},
                  {"this is on dave", "person_attribution"},
                  {"<@U1|dave>'s change broke checkout", "person_attribution"},
                  {"caused by <@U0AAA1111> pushing straight to main", "person_attribution"},
                  {"it's all jen's fault", "person_attribution"},
                  {"blame <@U12345678> for this one", "person_attribution"}});
}

TEST(RuleEngine, FlagsHindsight) {
    expect_table({{"he should have checked", "hindsight"},
                  {"why didn't you run the tests", "hindsight"},
                  {"why didnt u run the tests??", "hindsight"},
                  {"how did nobody notice the disk filling up", "hindsight"},
                  {"if he had just followed the runbook", "hindsight"},
                  {"whoever approved it should have read the diff", "hindsight"}});
}

TEST(RuleEngine, FlagsCharacterJudgements) {
    expect_table({{"that was so careless", "character"},
                  {"Sloppy work tbh", "character"},
                  {"incompetent change management", "character"},
                  {"he doesn't know what he's doing", "character"}});
}

TEST(RuleEngine, FlagsHumanErrorFraming) {
    expect_table({{"this was human error", "human_error"},
                  {"Root cause: operator error", "human_error"},
                  {"someone fat-fingered the replica count", "human_error"},
                  {"root cause is <@U0AB12CD3>", "human_error"}});
}

TEST(RuleEngine, FlagsPunishment) {
    expect_table({{"someone needs to be held accountable", "punishment"},
                  {"heads will roll for this", "punishment"},
                  {"he should be fired", "punishment"},
                  {"revoke his prod access", "punishment"}});
}

TEST(RuleEngine, FlagsSarcasm) {
    expect_table({{"great job, whoever merged that", "sarcasm"},
                  {"nice work breaking prod", "sarcasm"},
                  {"another flawless friday deploy :clap:", "sarcasm"},
                  {"thanks for nothing", "sarcasm"}});
}

TEST(RuleEngine, IgnoresHardNegatives) {
    expect_clean({
        "fault injection test starts at 3pm",
        "the deploy broke the cache",
        "we should add an alert",
        "error rate is 5%",
        "who is on call?",
        "who's on call for db tonight?",
        "the canary should have caught this",
        "why didn't the alert fire?",
        "you should have access now",
        "the alert fired twice",
        "lazy loading is hiding the latency",
        "human error is never a root cause, let's look deeper",
        "git blame says the line is from 2017",
        "it's nobody's fault, the runbook was out of date",
        "great job everyone, incident resolved :tada:",
        "thanks whoever fixed the alert routing <3",
        "<@U0AB12CD3> deployed the fix at 14:32",
        "this is on prod, not staging",
    });
}

TEST(RuleEngine, IgnoresSelfOwnership) {
    expect_clean({"I broke it, rolling back",
                  "my bad, I pushed the wrong config",
                  "I should have checked the diff, my fault",
                  "this one's on me, I'll write it up",
                  "I fat-fingered the replica count, fixing"});
}

// The shapes issue 14 names as slipping through the phrase lists.
TEST(RuleEngine, FlagsIssue14Examples) {
    expect_table({{"this is on marta tbh", "person_attribution"},
                  {"kev took the cluster down again", "person_attribution"},
                  {"ops team nuked the queue", "person_attribution"},
                  {"tomas forgot to drain the node before the upgrade", "hindsight"},
                  {"the infra folks really dropped the ball here", "person_attribution"},
                  {"if anyone had bothered to read the runbook", "hindsight"},
                  {"u shouldve pinged db on-call first", "hindsight"},
                  {"someone's getting a talking-to after this", "punishment"},
                  {"thanks for nothing, release team", "sarcasm"},
                  {"great, another friday deploy from the platform folks", "sarcasm"}});
}

// Composition: a person or team as the agent of harm in a clause of its own (issue 14).
TEST(RuleEngine, FlagsAPersonAsTheCauseInAnyClause) {
    expect_table({{"the storage team messed up the quota migration, half the labs can't write",
                   "person_attribution"},
                  {"so basically marit knocked out search for the whole eu",
                   "person_attribution"},
                  {"billing is down because the payments folks flipped the retry flag",
                   "person_attribution"},
                  {"the reindex oskar kicked off at noon is what took search down",
                   "person_attribution"},
                  {"it was <@U0AB12CD3> who rebooted the primary", "person_attribution"},
                  {"the outage was wen's config tweak", "person_attribution"},
                  {"this one's on the bio lab", "person_attribution"},
                  {"this is on piet tbh", "person_attribution"},
                  {"she rotated the certs and now every client gets a tls error",
                   "person_attribution"}});
}

TEST(RuleEngine, IgnoresSystemsAndFixesAsTheAgent) {
    expect_clean({
        "checkout is down because the deploy changed the pool size",
        "errors dropped after dana rolled back the config",
        "search is back up since kai restarted the indexer",
        "backhoe took out the duct on route 9",
        "lina took node 4 out of rotation to swap the disk",
        "it was the cache that filled the disk",
        "we're down because we pushed the wrong config, rolling back",
        "this is on tuesday's agenda",
        "let's not pin this on anyone, the alert was silent",
    });
}

// Composition: praise or thanks aimed at a person or team next to harm (issue 14).
TEST(RuleEngine, FlagsPraiseAimedAtHarm) {
    expect_table({{"great timing, release team, checkout is down at peak", "sarcasm"},
                  {"nice of the infra folks to leave staging broken", "sarcasm"},
                  {"wow oskar, bold move wiping the staging bucket", "sarcasm"},
                  {"thanks netops, nobody in the office can reach the vpn", "sarcasm"},
                  {"kudos to the web team for the \"quick\" fix :upside_down_face:", "sarcasm"},
                  {"the pricing folks strike again, every tv at $6", "sarcasm"},
                  {"bravo, the data team found a way to drop a table in prod \xF0\x9F\x99\x84",
                   "sarcasm"}});
}

TEST(RuleEngine, IgnoresPraiseForTheFix) {
    expect_clean({
        "thanks kai for the quick rollback, checkout is back",
        "nice catch dana, that would have taken prod down",
        "great work by support calming the customers down",
        "kudos to netops for the failover at 3am",
        "thanks everyone, the outage is over",
        "props to the db team, zero downtime on the switchover",
        "thanks dana, prod looks good after friday's deploy",
        "shoutout to the qa folks who stayed late :tada: 4 blockers found before release",
        "thanks for babysitting the backfill all night, aiko :pray:",
    });
}

// Composition: a sanction aimed at a person or team (issue 14).
TEST(RuleEngine, FlagsSanctionsOnPeople) {
    expect_table({{"pull marit's deploy rights until further notice", "punishment"},
                  {"whoever ran that script is losing prod access", "punishment"},
                  {"the new hire gets a formal warning", "punishment"},
                  {"I'm cc'ing her manager on this", "punishment"},
                  {"this goes in oskar's review", "punishment"},
                  {"take piet off the on-call rotation", "punishment"},
                  {"heads are gonna roll at the postmortem", "punishment"}});
}

TEST(RuleEngine, IgnoresAccessAndRotationLogistics) {
    expect_clean({
        "revoke the leaked token's access now",
        "kai is off the rotation this week, ping dana instead",
        "disk warnings on db-3 again",
        "I lost access to the console, can someone re-add me",
        "nobody is getting a warning over this, it's a process gap",
    });
}

// Composition: hindsight about a person in any verb, kept apart from systems (issue 14).
TEST(RuleEngine, FlagsHindsightAboutPeopleInAnyVerb) {
    expect_table({{"marit should've drained the node first", "hindsight"},
                  {"the reviewer should have skimmed the migration", "hindsight"},
                  {"you were supposed to check the cert expiry", "hindsight"},
                  {"why didn't anyone on the web side test the checkout flow", "hindsight"},
                  {"honestly she never escalated it", "hindsight"}});
}

TEST(RuleEngine, IgnoresHindsightAboutSystems) {
    expect_clean({
        "dbt should have failed loudly on the late partitions",
        "the nms should have paged on power loss",
        "we should have reacted earlier",
        "cdn shouldve served stale instead of 502ing",
        "why didn't haproxy retry the request?",
        "why didn't the alert fire?",
    });
}

// Composition: hunting for the person behind a change, in any verb (issue 14).
TEST(RuleEngine, FlagsCulpritHuntsInAnyVerb) {
    expect_table({{"which one of you restarted the broker", "whose_fault"},
                  {"who has deleted the bucket? speak up", "whose_fault"},
                  {"who keeps muting the pager", "whose_fault"},
                  {"whose genius plan was a friday cutover", "whose_fault"},
                  {"I need a name before the exec call", "whose_fault"},
                  {"ok, own up, who touched the lb weights", "whose_fault"}});
}

TEST(RuleEngine, IgnoresWhoQuestionsForFacts) {
    expect_clean({
        "who has access to the billing bucket?",
        "who has the pager this weekend?",
        "which team owns the payments api?",
        "who has the incident doc open?",
        "we're not looking for names, we're looking for causes",
        "which one of you can take comms?",
    });
}

// Composition: a verdict on a person, a team or their work as a proxy for them (issue 14).
TEST(RuleEngine, FlagsVerdictsOnPeopleAndTheirWork) {
    expect_table({{"the infra guys are lazy, plain and simple", "character"},
                  {"shoddy PR, no tests and no description", "character"},
                  {"clown show from the release folks again", "character"},
                  {"whoever wrote this retry loop has never heard of backoff", "character"},
                  {"oskar just doesn't care about on-call", "character"},
                  {"I've lost confidence in marit's team", "character"}});
}

TEST(RuleEngine, IgnoresVerdictsOnSystemsAndOneself) {
    expect_clean({
        "this alert is useless, it fires every night",
        "lazy loading hides the latency",
        "the dashboard is garbage at this zoom level",
        "I was sloppy with the rollout, sorry",
        "nobody here is careless, the tooling let it through",
    });
}

// "Thanks to X" names X as the cause when harm follows, and thanks them when a recovery does.
TEST(RuleEngine, ReadsThanksToByWhatFollows) {
    expect_table({{"thanks to the mobile team every ingress is 503ing", "person_attribution"},
                  {"thx to piet we had no dns for 20 min", "person_attribution"},
                  {"thanks to kai we're back up", "none"},
                  {"thanks to the db team for handling the double charges", "none"},
                  {"thanks to the cache we never went down", "none"}});
}

// Hindsight about people in more shapes: if X had, had X, X knew ... anyway (issue 14).
TEST(RuleEngine, FlagsCounterfactualsAboutPeople) {
    expect_table({{"if the platform folks had waited until monday we'd be fine", "hindsight"},
                  {"had oskar done the dry run we'd have caught it", "hindsight"},
                  {"piet knew the replica was behind and failed over anyway", "hindsight"},
                  {"all she had to do was read the motd", "hindsight"},
                  {"nobody bothered to check the disk", "hindsight"},
                  {"if the canary had waited longer we'd have seen it", "none"},
                  {"had the alert fired we'd have caught it", "none"}});
}

TEST(RuleEngine, IgnoresCodeQuotesAndLinks) {
    expect_clean({
        "`who broke prod` is the commit message",
        "```\nERROR human error: operator aborted\n```",
        "> who broke prod\nthat's from 2019, ignore",
        "&gt; someone needs to be held accountable\n^ quoting the exec email",
        ">>> who pushed this??\nhe should have checked",
        "see https://wiki.acme.io/postmortems/who-broke-prod",
        "see <https://wiki.acme.io/who-broke-prod|the old postmortem>",
        "let's avoid \"who broke it\" questions",
    });
}

TEST(RuleEngine, NormalisesSlackMarkup) {
    EXPECT_EQ(normalize("<@U123|dave> broke *PROD*!!!").text, "@person broke prod!");
    EXPECT_EQ(normalize("ping <#C01|incidents> and <!here>").text, "ping #channel and @here");
    EXPECT_EQ(normalize("<!subteam^S1|@db> :rotating_light: _now_").text,
              "@group :rotating_light: now");
    EXPECT_EQ(normalize("whooo borke prod???").text, "who broke prod?");
    EXPECT_EQ(normalize("why didn\xE2\x80\x99t u check").text, "why didnt you check");
    EXPECT_EQ(normalize("run `make test` in snake_case_dir").text, "run code in snake_case_dir");
    EXPECT_EQ(normalize("a &amp; b &lt;3").text, "a & b <3");
}

TEST(RuleEngine, ReportsSpansInOriginalText) {
    const std::string text = "ok so <@U7H1K2L3M>'s change broke checkout";
    auto f = rules().scan(text);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].offset, text.find("<@U7"));
    EXPECT_EQ(f[0].matched, "<@U7H1K2L3M>'s change broke");
    EXPECT_EQ(f[0].matched, text.substr(f[0].offset, f[0].length));

    const std::string shouty = "hm. WHOOO  BORKE prod??";
    auto g = rules().scan(shouty);
    ASSERT_EQ(g.size(), 1u);
    EXPECT_EQ(g[0].matched, "WHOOO  BORKE");
    EXPECT_EQ(g[0].rule_id, "who-broke-it");
    EXPECT_FALSE(g[0].why.empty());
    EXPECT_FALSE(g[0].suggestion.empty());
}

TEST(RuleEngine, ReportsEachPhraseOnce) {
    auto f = rules().scan("who broke prod? he should have checked. sloppy.");
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].category, "whose_fault");
    EXPECT_EQ(f[1].category, "hindsight");
    EXPECT_EQ(f[2].category, "character");
    EXPECT_LT(f[0].offset, f[1].offset);
}

TEST(RuleEngine, SurvivesHostileInput) {
    for (std::string text : {std::string(""), std::string("<"), std::string("```"),
                             std::string("&"), std::string(":"), std::string("@"),
                             std::string("`unterminated"), std::string("<@U1"),
                             std::string("\xF0\x9F"), std::string(5000, '?'),
                             std::string("\"") + std::string(300, 'a'),
                             std::string(10000, 'o')}) {
        auto f = rules().scan(text);
        for (const auto& x : f) EXPECT_LE(x.offset + x.length, text.size());
    }
}

TEST(RuleEngine, EmbeddedDefaultsMatchConfigFile) {
    std::ifstream in(source_dir + "/config/rules.json", std::ios::binary);
    std::stringstream file;
    file << in.rdbuf();
    EXPECT_EQ(default_rules_json(), file.str());
    EXPECT_EQ(rule_set::load_default().rules().size(), rules().rules().size());
}

TEST(RuleEngine, DefaultRulesCoverEveryCategory) {
    for (auto c : rule_categories) {
        bool found = false;
        for (const auto& r : rules().rules()) found = found || r.category == c;
        EXPECT_TRUE(found) << c;
    }
}

// A one-rule file with `rule_body` spliced in, for the validation tests.
std::string rule_file(const std::string& rule_body, const std::string& extra = "") {
    return R"({"version": 1, )" + extra + R"("rules": [)" + rule_body + "]}";
}

const std::string good_rule =
    R"({"id": "r1", "category": "character", "patterns": ["\\bsloppy\\b"],
        "why": "w", "suggestions": ["s"]})";

std::string parse_error(const std::string& json) {
    try {
        rule_set::parse(json, "team.json");
    } catch (const rules_error& e) {
        return e.what();
    }
    return "";
}

TEST(RuleFile, AcceptsMinimalRule) {
    auto set = rule_set::parse(rule_file(good_rule), "team.json");
    ASSERT_EQ(set.rules().size(), 1u);
    EXPECT_EQ(set.scan("so SLOPPY").size(), 1u);
}

TEST(RuleFile, RejectsBadRegexNamingTheRule) {
    auto msg = parse_error(rule_file(
        R"({"id": "broken-one", "category": "character", "patterns": ["(unclosed"],
            "why": "w", "suggestions": ["s"]})"));
    EXPECT_NE(msg.find("team.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("broken-one"), std::string::npos) << msg;
    EXPECT_NE(msg.find("(unclosed"), std::string::npos) << msg;
}

TEST(RuleFile, RejectsMissingField) {
    auto msg = parse_error(rule_file(
        R"({"id": "no-why", "category": "character", "patterns": ["x"], "suggestions": ["s"]})"));
    EXPECT_NE(msg.find("no-why"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\"why\""), std::string::npos) << msg;
}

TEST(RuleFile, RejectsUnknownCategory) {
    auto msg = parse_error(rule_file(
        R"({"id": "odd", "category": "rudeness", "patterns": ["x"], "why": "w",
            "suggestions": ["s"]})"));
    EXPECT_NE(msg.find("odd"), std::string::npos) << msg;
    EXPECT_NE(msg.find("rudeness"), std::string::npos) << msg;
    EXPECT_NE(msg.find("person_attribution"), std::string::npos) << msg;
}

TEST(RuleFile, RejectsDuplicateId) {
    auto msg = parse_error(rule_file(good_rule + "," + good_rule));
    EXPECT_NE(msg.find("\"r1\""), std::string::npos) << msg;
    EXPECT_NE(msg.find("duplicate"), std::string::npos) << msg;
}

TEST(RuleFile, RejectsUnknownFieldAndDefinition) {
    auto typo = parse_error(rule_file(
        R"({"id": "t", "category": "character", "patterns": ["x"], "ignores": ["y"],
            "why": "w", "suggestions": ["s"]})"));
    EXPECT_NE(typo.find("\"ignores\""), std::string::npos) << typo;
    auto def = parse_error(rule_file(
        R"({"id": "d", "category": "character", "patterns": ["{nobody}"], "why": "w",
            "suggestions": ["s"]})"));
    EXPECT_NE(def.find("{nobody}"), std::string::npos) << def;
}

TEST(RuleFile, RejectsBrokenJsonAndUnreadableFile) {
    EXPECT_NE(parse_error("{\"rules\": [").find("not valid JSON"), std::string::npos);
    EXPECT_NE(parse_error(R"({"rules": []})").find("rules"), std::string::npos);
    EXPECT_THROW(rule_set::load_file("/nonexistent/rules.json"), rules_error);
}

TEST(RuleFile, AppliesDefinesAndIgnores) {
    auto set = rule_set::parse(
        rule_file(R"({"id": "r", "category": "character", "patterns": ["\\b{bad}\\b"],
                      "ignore": ["\\bsloppy joe"], "why": "w", "suggestions": ["s"]})",
                  R"("define": {"bad": "sloppy|careless"}, "ignore": ["\\bcareless whisper"],)"),
        "team.json");
    EXPECT_EQ(set.scan("careless").size(), 1u);
    EXPECT_TRUE(set.scan("a sloppy joe for lunch").empty());
    EXPECT_TRUE(set.scan("careless whisper on repeat").empty());
    EXPECT_EQ(set.scan("sloppy joe. so sloppy").size(), 1u);
}

// A trigger gates its rule's patterns: they run only on text it matches, and every pattern
// of the rule then reports as usual, earlier rules keeping overlapping spans.
TEST(RuleFile, ATriggerGatesItsRulesPatterns) {
    auto set = rule_set::parse(
        rule_file(R"({"id": "harm", "category": "person_attribution", "trigger": "\\b{verb}\\b",
                      "patterns": ["\\b\\w+ {verb} prod\\b", "\\bthanks to \\w+\\b"],
                      "why": "w", "suggestions": ["s"]},
                     {"id": "plain", "category": "character", "patterns": ["\\bsloppy\\b"],
                      "why": "w", "suggestions": ["s"]})",
                  R"("define": {"verb": "nuked|wiped"},)"),
        "team.json");
    EXPECT_EQ(set.rules()[0].trigger, "\\b{verb}\\b");
    EXPECT_TRUE(set.rules()[1].trigger.empty());
    // The second pattern alone does not fire: the trigger did not match.
    EXPECT_TRUE(set.scan("thanks to dana we are back").empty());
    const auto f = set.scan("kev nuked prod, thanks to kev. sloppy");
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0].matched, "kev nuked prod");
    EXPECT_EQ(f[1].matched, "thanks to kev");
    EXPECT_EQ(f[2].rule_id, "plain");
    EXPECT_THROW(rule_set::parse(rule_file(R"({"id": "r", "category": "character",
                                               "trigger": "(", "patterns": ["x"], "why": "w",
                                               "suggestions": ["s"]})"),
                                 "team.json"),
                 rules_error);
}

// An ignore pattern is matched against the finding's sentence alone, so its anchors hold
// at the sentence's edges, and a match in another sentence does not count.
TEST(RuleFile, IgnoresWithinTheSentenceAndItsAnchors) {
    auto set = rule_set::parse(
        rule_file(R"({"id": "r", "category": "character", "patterns": ["\\bsloppy\\b"],
                      "ignore": ["^ok\\b", "fine$", "\\bnot\\b"], "why": "w",
                      "suggestions": ["s"]})"),
        "team.json");
    EXPECT_TRUE(set.scan("ok so sloppy").empty());
    EXPECT_TRUE(set.scan("yes\nok so sloppy! later").empty());
    EXPECT_EQ(set.scan("yes. ok so sloppy").size(), 1u);  // the sentence starts at the space
    EXPECT_EQ(set.scan("so sloppy. ok then").size(), 1u);
    EXPECT_TRUE(set.scan("sloppy but fine").empty());
    EXPECT_TRUE(set.scan("hm? sloppy but fine. later").empty());
    EXPECT_EQ(set.scan("fine. sloppy").size(), 1u);
    EXPECT_EQ(set.scan("sloppy fine code").size(), 1u);
    EXPECT_TRUE(set.scan("not sloppy").empty());
    EXPECT_EQ(set.scan("not now. sloppy").size(), 1u);
}

// `count` defines d00..dNN where each one uses the one before twice, so the expanded text
// doubles at each step ("d" names sort in file order, which is how defines are read).
std::string doubling_defines(int count) {
    std::string out = R"("define": {"d00": "ab")";
    auto name = [](int i) { return std::string(i < 10 ? "d0" : "d") + std::to_string(i); };
    for (int i = 1; i < count; ++i)
        out += ", \"" + name(i) + "\": \"{" + name(i - 1) + "}{" + name(i - 1) + "}\"";
    return out + "}, ";
}

TEST(RuleFile, RefusesDefinesThatDoubleOutOfBounds) {
    // d13 is the first past 64 KB: lengths go 2, 14, 38, ... 49142, 98294. Sixty of them
    // would be an exabyte.
    auto msg = parse_error(rule_file(good_rule, doubling_defines(60)));
    EXPECT_NE(msg.find("team.json: define \"d13\": pattern is longer than 65536 bytes once "
                       "{d12} is expanded"),
              std::string::npos)
        << msg;
}

TEST(RuleFile, RefusesPatternsThatRepeatADefineOutOfBounds) {
    const std::string big = R"("define": {"big": ")" + std::string(2000, 'x') + R"("}, )";
    std::string many;
    for (int i = 0; i < 40; ++i) many += "{big}";
    auto msg = parse_error(rule_file(R"({"id": "huge", "category": "character", "patterns": [")" +
                                         many + R"("], "why": "w", "suggestions": ["s"]})",
                                     big));
    EXPECT_NE(msg.find("rule \"huge\": pattern is longer than 65536 bytes once {big} is expanded"),
              std::string::npos)
        << msg;

    msg = parse_error(rule_file(good_rule, big + R"("ignore": [")" + many + R"("], )"));
    EXPECT_NE(msg.find("top-level ignore: pattern is longer"), std::string::npos) << msg;
    msg = parse_error(rule_file(R"({"id": "ign", "category": "character", "patterns": ["x"],
                                    "ignore": [")" +
                                    many + R"("], "why": "w", "suggestions": ["s"]})",
                                big));
    EXPECT_NE(msg.find("rule \"ign\" ignore: pattern is longer"), std::string::npos) << msg;
    msg = parse_error(rule_file(R"({"id": "raw", "category": "character", "patterns": [")" +
                                std::string(70000, 'x') + R"("], "why": "w",
                                "suggestions": ["s"]})"));
    EXPECT_NE(msg.find("rule \"raw\": pattern is longer than 65536 bytes"), std::string::npos)
        << msg;
}

TEST(RuleFile, AcceptsDefinesUpToTheBound) {
    // d12 expands to 49142 bytes (4096 "ab"s in groups) and still compiles and matches.
    auto set = rule_set::parse(rule_file(R"({"id": "deep", "category": "character",
                                             "patterns": ["\\b{d12}\\b"], "why": "w",
                                             "suggestions": ["s"]})",
                                         doubling_defines(13)),
                               "team.json");
    std::string text;
    for (int i = 0; i < 4096; ++i) text += "ab";
    EXPECT_EQ(set.scan(text).size(), 1u);
    EXPECT_TRUE(set.scan(text.substr(2)).empty());
}

TEST(LintDocument, ReportsLineAndColumn) {
    const std::string doc = "# Timeline\n\nAt 14:05 someone\nbroke prod.\n\nIt was human error.\n";
    auto f = scan_document(rules(), doc);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].line, 3u);
    EXPECT_EQ(f[0].column, 10u);
    EXPECT_EQ(f[0].hit.matched, "someone\nbroke");
    EXPECT_EQ(f[1].line, 6u);
    EXPECT_EQ(f[1].column, 8u);
    EXPECT_EQ(f[1].hit.category, "human_error");
}

TEST(LintDocument, SkipsCodeBlocksAndInlineCode) {
    const std::string doc =
        "Intro.\n\n```\nwho broke prod\n```\n\n~~~ text\nhuman error\n~~~\n\n"
        "    operator error in an indented block\n\n"
        "The log said `human error` here.\n- who pushed this??\n";
    auto f = scan_document(rules(), doc);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 14u);
    EXPECT_EQ(f[0].column, 3u);
}

TEST(LintDocument, CountsColumnsInCharacters) {
    const std::string doc = "\xC3\xA9t\xC3\xA9: human error\n";
    auto f = scan_document(rules(), doc);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].column, 6u);
}

// The rules alone on the lines they were written against; the corpus splits that measure
// how they generalise are reported by `incident-bot rules --eval` (config/corpus/LABELING.md).
TEST(RuleCorpus, MeetsPrecisionAndRecall) {
    std::size_t tp = 0, fp = 0, fn = 0, category_hits = 0, lines = 0;
    for (const auto& l : read_corpus({source_dir + "/config/corpus/train/00-original.tsv"})) {
        ++lines;
        const auto found = rules().scan(l.text);
        if (l.blame && !found.empty()) {
            ++tp;
            if (found.front().category == l.kind) ++category_hits;
        } else if (l.blame) {
            ++fn;
            std::cout << "  missed (" << l.kind << "): " << l.text << "\n";
        } else if (!found.empty()) {
            ++fp;
            std::cout << "  false alarm (" << found.front().rule_id << "): " << l.text << "\n";
        }
    }
    const double precision = tp + fp ? double(tp) / double(tp + fp) : 0.0;
    const double recall = tp + fn ? double(tp) / double(tp + fn) : 0.0;
    std::cout << "corpus: " << lines << " lines, precision " << precision << ", recall "
              << recall << ", category agreement " << category_hits << "/" << tp << "\n";
    EXPECT_GE(lines, 300u);
    EXPECT_GE(precision, 0.9);
    EXPECT_GE(recall, 0.85);
}

}  // namespace
}  // namespace incident_bot

// Issue 19 from the command line: `search`, `learnings`, and the JSON contract of
// `incidents` and `postmortem` that scripts rely on.
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "harness.hpp"
#include "incident_bot/store/store.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot::testing {
namespace {

using json = nlohmann::json;

class SearchCli : public ::testing::Test {
  protected:
    void SetUp() override {
        store s(db);
        const auto t0 = unix_time(std::chrono::seconds(1'790'000'000));
        s.create_incident({.title = "Checkout errors",
                           .severity = 2,
                           .channel = "C1",
                           .declared_at = t0,
                           .status = incident_status::resolved,
                           .resolved_at = t0 + std::chrono::hours(1),
                           .is_private = true});
        s.create_incident({.title = "Slow dashboards",
                           .severity = 3,
                           .channel = "C2",
                           .declared_at = t0 + std::chrono::days(30)});
        timeline_entry e;
        e.incident_id = 1;
        e.ts = "1790000060.000100";
        e.user = "U1";
        e.text = "redis pool exhausted on checkout-api; this is on <@U2>, he broke it";
        s.add_entry(e);
        e.incident_id = 2;
        e.ts = "1792592100.000100";
        e.text = "grafana queries hit redis too";
        s.add_entry(e);
        s.add_learning({.incident_id = 1,
                        .user = "U3",
                        .text = "Alert on redis pool usage, ask <@U2>",
                        .created_at = t0 + std::chrono::hours(2)});
        s.add_learning({.incident_id = 2,
                        .user = "U3",
                        .text = "Dashboards need their own replica",
                        .created_at = t0 + std::chrono::days(31)});
    }
    void TearDown() override {
        for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(db + s);
        std::filesystem::remove(out_file);
    }

    std::tuple<int, std::string, std::string> cli(std::vector<std::string> args) {
        args.insert(args.end(), {"--db", db});
        return run_cli_captured(args, out_file);
    }

    const std::string db = temp_path("ib-search-cli.db");
    const std::string out_file = temp_path("ib-search-cli.out");
};

TEST_F(SearchCli, SearchJsonListsHitsBestFirstWithSnippetAndTs) {
    auto [status, out, err] = cli({"search", "redis", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto hits = json::parse(out);
    ASSERT_TRUE(hits.is_array());
    ASSERT_EQ(hits.size(), 2u) << out;
    for (const auto& h : hits) {
        for (const char* key : {"incident_id", "title", "score", "snippet", "ts"})
            EXPECT_TRUE(h.contains(key)) << key << " in " << h.dump();
        EXPECT_TRUE(h["score"].is_number());
        EXPECT_NE(h["snippet"].get<std::string>().find("**redis**"), std::string::npos);
    }
    // The CLI sees private incidents too.
    std::set<std::int64_t> ids{hits[0]["incident_id"].get<std::int64_t>(),
                               hits[1]["incident_id"].get<std::int64_t>()};
    EXPECT_EQ(ids, (std::set<std::int64_t>{1, 2}));
    EXPECT_GE(hits[0]["score"].get<double>(), hits[1]["score"].get<double>());

    std::tie(status, out, err) =
        cli({"search", "redis", "exhausted", "--severity", "sev2", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto one = json::parse(out);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0]["incident_id"], 1);
    EXPECT_EQ(one[0]["title"], "Checkout errors");
    EXPECT_EQ(one[0]["ts"], "1790000060.000100");

    std::tie(status, out, err) = cli({"search", "redis", "--since", "2026-10-01", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    ASSERT_EQ(json::parse(out).size(), 1u);
    EXPECT_EQ(json::parse(out)[0]["incident_id"], 2);

    std::tie(status, out, err) = cli({"search", "zebra", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_EQ(json::parse(out), json::array());
    // FTS syntax is searched as words.
    std::tie(status, out, err) =
        cli({"search", "(redis", "-pool*", "\"exhausted", ":", ")", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    ASSERT_EQ(json::parse(out).size(), 1u) << out;
    EXPECT_EQ(json::parse(out)[0]["incident_id"], 1);
    std::tie(status, out, err) = cli({"search", "redis", "--limit", "1"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("SCORE"), std::string::npos) << out;
    EXPECT_NE(out.find("**redis**"), std::string::npos) << out;
}

TEST_F(SearchCli, BadSearchInputIsAUsageError) {
    for (auto args : std::vector<std::vector<std::string>>{{"search"},
                                                           {"search", "  "},
                                                           {"search", "x", "--severity", "sev9"},
                                                           {"search", "x", "--limit", "0"},
                                                           {"search", "x", "--since", "yesterday"}}) {
        auto [status, out, err] = cli(args);
        EXPECT_EQ(status, 2) << args.size() << err;
        EXPECT_NE(err.find("usage"), std::string::npos) << err;
    }
}

TEST_F(SearchCli, LearningsDigestWithoutNames) {
    auto [status, out, err] = cli({"learnings"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("# What we learned"), std::string::npos) << out;
    EXPECT_NE(out.find("## Incident #1: Checkout errors (2026-09-21, SEV2)"), std::string::npos)
        << out;
    EXPECT_NE(out.find("- Alert on redis pool usage, ask a responder"), std::string::npos) << out;
    EXPECT_EQ(out.find("U2"), std::string::npos) << out;
    EXPECT_EQ(out.find("U3"), std::string::npos) << out;
    // Newest incident first.
    EXPECT_LT(out.find("Incident #2"), out.find("Incident #1"));

    std::tie(status, out, err) = cli({"learnings", "--since", "2026-10-01", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto list = json::parse(out);
    ASSERT_EQ(list.size(), 1u) << out;
    EXPECT_EQ(list[0]["incident_id"], 2);
    EXPECT_EQ(list[0]["text"], "Dashboards need their own replica");
    EXPECT_EQ(list[0]["created_at"], "2026-10-22T14:13:20Z");
}

TEST_F(SearchCli, IncidentsJsonContract) {
    auto [status, out, err] = cli({"incidents", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto list = json::parse(out);
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0]["id"], 1);
    EXPECT_EQ(list[0]["title"], "Checkout errors");
    EXPECT_EQ(list[0]["channel"], "C1");
    EXPECT_EQ(list[0]["status"], "resolved");
    EXPECT_EQ(list[0]["severity"], 2);
    EXPECT_EQ(list[0]["declared_at"], "2026-09-21T14:13:20Z");
    EXPECT_EQ(list[0]["resolved_at"], "2026-09-21T15:13:20Z");
    EXPECT_EQ(list[1]["status"], "investigating");
    EXPECT_TRUE(list[1]["resolved_at"].is_null());
}

TEST_F(SearchCli, PostmortemJsonReviewListsFindingsByMessage) {
    auto [status, out, err] = cli({"postmortem", "1", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    auto doc = json::parse(out);
    ASSERT_TRUE(doc["review"].is_array()) << out;
    ASSERT_FALSE(doc["review"].empty()) << out;
    for (const auto& r : doc["review"]) {
        EXPECT_EQ(r["ts"], "1790000060.000100");
        EXPECT_TRUE(r["rule"].is_string());
        EXPECT_EQ(r["category"], "person_attribution") << r.dump();
        EXPECT_EQ(r.size(), 3u) << r.dump();
    }
    std::tie(status, out, err) = cli({"postmortem", "2", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    doc = json::parse(out);
    EXPECT_EQ(doc["review"], json::array());
}

TEST_F(SearchCli, PostmortemVersionPrintsAnyVersionAndSaysWherePublished) {
    {
        store s(db);
        s.add_draft(1, "# team draft v1\n");
        s.add_draft(1, "# published v2\n");
        s.add_publication({.incident_id = 1,
                           .version = 2,
                           .channel = "C0SHARE",
                           .published_by = "U1",
                           .published_at = unix_time(std::chrono::seconds(1'790'100'000)),
                           .forced = true});
    }
    auto [status, out, err] = cli({"postmortem", "1", "--version", "1"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_EQ(out, "# team draft v1\n");
    std::tie(status, out, err) = cli({"postmortem", "1", "--version", "2", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    auto doc = json::parse(out);
    EXPECT_EQ(doc["version"], 2);
    EXPECT_EQ(doc["markdown"], "# published v2\n");
    EXPECT_EQ(doc["published"]["channel"], "C0SHARE");
    EXPECT_EQ(doc["published"]["published_by"], "U1");
    EXPECT_EQ(doc["published"]["forced"], true);
    EXPECT_EQ(doc["published"]["published_at"], "2026-09-22T18:00:00Z");
    std::tie(status, out, err) = cli({"postmortem", "1", "--version", "1", "--format", "json"});
    EXPECT_TRUE(json::parse(out)["published"].is_null());

    std::tie(status, out, err) = cli({"postmortem", "1", "--version", "3"});
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("incident 1 has no version 3 (the latest is 2)"), std::string::npos) << err;
    EXPECT_TRUE(out.empty());
    for (const char* bad : {"0", "x", "-1", "01"}) {
        std::tie(status, out, err) = cli({"postmortem", "1", "--version", bad});
        EXPECT_EQ(status, 2) << bad;
        EXPECT_NE(err.find("--version expects a version number"), std::string::npos) << err;
    }
}

}  // namespace
}  // namespace incident_bot::testing

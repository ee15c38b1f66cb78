// Issue 19 through `incident-bot import` and `postmortem` as processes: only incident
// channels, inferred resolutions said per channel, blameless findings stored and reviewed
// without names, and a bad channel pattern that imports nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "export_writer.hpp"
#include "incident_bot/app/health.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot::testing {
namespace {

using json = nlohmann::json;

class ImportCli : public ::testing::Test {
  protected:
    void SetUp() override {
        std::filesystem::remove_all(dir);
        exp.channel("C0GEN",
                    "general",
                    json::array({export_writer::said("1793628000.000100", "U0ANA01", "lunch?")}))
            .channel("C0BOT",
                     "inc-checkout-latency",
                     json::array(
                         {export_writer::said(
                              "1793628100.000100", "U0ANA01", "checkout pool saturated, declaring"),
                          export_writer::said("1793628200.000100",
                                              "U0BEN02",
                                              "this is obviously Ben's change, whose "
                                              "fault is it that review missed it?"),
                          export_writer::bot_said("1793631900.000100",
                                                  ":white_check_mark: *Incident #7 "
                                                  "resolved* by <@U0ANA01> after 1h 5m: "
                                                  "*Checkout latency*")}))
            .channel(
                "C0ARC",
                "incident-search-lag",
                json::array(
                    {export_writer::said("1793700000.000100", "U0BEN02", "search results stale"),
                     export_writer::said("1793703600.000100", "U0ANA01", "indexer caught up")}),
                true)
            .channel("C0OPEN",
                     "inc-dns-flaps",
                     json::array({export_writer::said(
                         "1793800000.000100", "U0ANA01", "dns flapping in eu-west")}));
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    std::tuple<int, std::string, std::string> cli(std::vector<std::string> args) {
        args.insert(args.end(), {"--db", db});
        return run_cli_captured(args, out_file);
    }

    const std::filesystem::path dir = temp_path("ib-import-cli");
    export_writer exp{dir / "export"};
    const std::string db = (dir / "bot.db").string();
    const std::string out_file = (dir / "out.txt").string();
};

TEST_F(ImportCli, SaysWhatItSkippedAndHowEachIncidentEnded) {
    auto [status, out, err] = cli({"import", exp.root().string()});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("skipped general: not an incident channel (pattern (inc|incident)-.*); "
                       "use --channel general or --all\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("imported inc-checkout-latency as incident 1 (3 timeline entries); "
                       "resolved by the bot's resolve post at 2026-11-02 15:05:00 UTC; "),
              std::string::npos)
        << out;
    EXPECT_NE(out.find(" stored (no one was messaged)\n"), std::string::npos) << out;
    EXPECT_NE(out.find("imported incident-search-lag as incident 2 (2 timeline entries); "
                       "resolved: channel archived (resolved at its last message, 2026-11-03 "
                       "11:00:00 UTC)\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("imported inc-dns-flaps as incident 3 (1 timeline entries); still open: "
                       "no resolution found\n"),
              std::string::npos)
        << out;

    std::tie(status, out, err) = cli({"incidents", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto incidents = json::parse(out);
    ASSERT_EQ(incidents.size(), 3u) << out;
    EXPECT_EQ(incidents[0]["status"], "resolved");
    EXPECT_EQ(incidents[0]["resolved_at"], "2026-11-02T15:05:00Z");
    EXPECT_EQ(incidents[2]["status"], "investigating");
    EXPECT_EQ(incidents[2]["resolved_at"], nullptr);

    // Named, the other channel is imported too; --all and --channel together are refused.
    std::tie(status, out, err) = cli({"import", exp.root().string(), "--channel", "general"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("imported general as incident 4"), std::string::npos) << out;
    std::tie(status, out, err) =
        cli({"import", exp.root().string(), "--channel", "general", "--all"});
    EXPECT_EQ(status, 2);
    EXPECT_NE(err.find("--all imports every channel"), std::string::npos) << err;
}

TEST_F(ImportCli, AllImportsEveryChannel) {
    auto [status, out, err] = cli({"import", exp.root().string(), "--all"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("imported general as incident 1"), std::string::npos) << out;
    EXPECT_EQ(out.find("skipped"), std::string::npos) << out;
}

TEST_F(ImportCli, FindingsAreReviewedWithoutNames) {
    auto [status, out, err] = cli({"import", exp.root().string()});
    ASSERT_EQ(status, 0) << err;
    std::tie(status, out, err) = cli({"postmortem", "1", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto pm = json::parse(out);
    ASSERT_FALSE(pm["review"].empty()) << out;
    for (const auto& f : pm["review"]) {
        EXPECT_EQ(f["ts"], "1793628200.000100");
        EXPECT_TRUE(f["rule"].is_string() && f["category"].is_string());
        EXPECT_EQ(f.size(), 3u) << f.dump();  // time, rule, kind: no author, no words
    }
    const std::string review = pm["review"].dump();
    for (const char* name : {"U0BEN02", "Ben", "obviously"})
        EXPECT_EQ(review.find(name), std::string::npos) << name;
    EXPECT_NE(pm["markdown"].get<std::string>().find(
                  "- **Blameless-language findings in the imported history:** " +
                  std::to_string(pm["review"].size())),
              std::string::npos);

    // /metrics counts them by kind, apart from nudges sent (none).
    store s(db);
    store_gauges gauges;
    gauges.refresh(s);
    const auto metrics = render_metrics(socket_mode_stats{}, web_api_stats{}, gauges);
    const std::string kind = pm["review"][0]["category"];
    std::size_t of_kind = 0;
    for (const auto& f : pm["review"]) of_kind += f["category"] == kind;
    EXPECT_NE(metrics.find("incident_bot_imported_findings_total{category=\"" + kind + "\"} " +
                           std::to_string(of_kind) + "\n"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("incident_bot_nudges_total{category=\"" + kind + "\"} 0\n"),
              std::string::npos)
        << metrics;
}

TEST_F(ImportCli, BadChannelPatternImportsNothing) {
    const auto config = (dir / "config.json").string();
    std::ofstream(config) << R"({"import": {"channel_pattern": "(inc-"}})";
    auto [status, out, err] = cli({"import", exp.root().string(), "--config", config});
    EXPECT_EQ(status, 2);
    EXPECT_NE(err.find("setting 'import.channel_pattern': '(inc-' is not a valid RE2 pattern"),
              std::string::npos)
        << err;
    EXPECT_NE(err.find("(nothing imported)"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists(db));

    // A good one is used: only names starting "incident-".
    std::ofstream(config) << R"({"import": {"channel_pattern": "incident-.*"}})";
    std::tie(status, out, err) = cli({"import", exp.root().string(), "--config", config});
    ASSERT_EQ(status, 0) << err;
    EXPECT_NE(out.find("skipped inc-dns-flaps: not an incident channel (pattern incident-.*)"),
              std::string::npos)
        << out;
    EXPECT_EQ(store(db, open_mode::read_only).list_incidents().size(), 1u);
}

}  // namespace
}  // namespace incident_bot::testing

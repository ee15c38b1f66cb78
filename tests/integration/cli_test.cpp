// The incident-bot binary as a process: exit statuses, messages, signals, no tokens printed.
#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "child_process.hpp"
#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/store/store.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot::testing {
namespace {

TEST(Cli, RunWithoutTokensNamesTheMissingSetting) {
    process p({"run"}, {"PATH=/usr/bin:/bin"});
    auto [status, err] = p.finish();
    EXPECT_EQ(status, 2);
    EXPECT_NE(err.find("SLACK_APP_TOKEN"), std::string::npos) << err;
}

TEST(Cli, UnknownConfigKeyIsNamed) {
    const auto file = temp_path("ib-config.json");
    std::ofstream(file) << R"({"conections": 2})";
    process p({"run", "--config", file}, {"PATH=/usr/bin:/bin"});
    auto [status, err] = p.finish();
    std::filesystem::remove(file);
    EXPECT_EQ(status, 2);
    EXPECT_NE(err.find("conections"), std::string::npos) << err;
}

TEST(Cli, RejectedTokenExitsNonZeroWithoutPrintingIt) {
    fake_slack fake;
    const auto db = temp_path("ib-cli-bad.db");
    process p({"run"}, slack_env(fake, "xapp-1-A0001-SECRETVALUE", db));
    auto [status, err] = p.finish();
    std::filesystem::remove(db);
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("invalid_auth"), std::string::npos) << err;
    EXPECT_EQ(err.find("SECRETVALUE"), std::string::npos) << err;
    EXPECT_EQ(fake.requests("apps.connections.open").size(), 1u);
}

TEST(Cli, SigtermClosesTheSocketAndExitsZero) {
    fake_slack fake;
    const auto db = temp_path("ib-cli-term.db");
    process p({"run"}, slack_env(fake, "xapp-1-A0001-test", db));
    ASSERT_TRUE(fake.wait_for_connections(1, 20s));
    std::this_thread::sleep_for(100ms);  // let the client read its hello
    kill(p.pid, SIGTERM);
    auto [status, err] = p.finish();
    // The bot created the database owner-only (SQLite gives -wal and -shm the same mode).
    const auto mode = std::filesystem::status(db).permissions() & std::filesystem::perms::all;
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(db + s);
    EXPECT_EQ(mode, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_EQ(status, 0) << err;
    EXPECT_EQ(fake.close_frames(), 1u);
    EXPECT_EQ(err.find("xoxb-0001-test"), std::string::npos);
}

// `incident-bot timeline` prints as it reads (store::scan_timeline); each format still gets
// every entry once, in order, with authors from the user cache.
// Issue 17: forget-user also rewrites the generated drafts that quoted the person, every
// version, and the search index no longer finds their words.
TEST(Cli, ForgetUserRewritesTheDraftsThatQuotedThem) {
    const auto db = temp_path("ib-cli-forget.db");
    const auto out_file = temp_path("ib-cli-forget.out");
    {
        store s(db);
        s.create_incident({.title = "Queue backlog", .channel = "C1", .declared_by = "U2"});
        timeline_entry e;
        e.incident_id = 1;
        e.ts = "1700000100.000100";
        e.user = "U0MARTA";
        e.text = "the zanzibar consumer is stuck";
        ASSERT_TRUE(s.add_entry(e));
        s.remember_person({"U0MARTA", {"marta"}, unix_time(std::chrono::seconds(1700000000))});
        ASSERT_TRUE(save_draft(s, 1, nullptr));
        ASSERT_TRUE(save_draft(s, 1, nullptr));
        ASSERT_NE(s.latest_draft(1)->markdown.find("@marta: the zanzibar consumer"),
                  std::string::npos);
    }
    process p({"forget-user", "U0MARTA", "--db", db}, {"PATH=/usr/bin:/bin"}, out_file);
    auto [status, err] = p.finish();
    ASSERT_EQ(status, 0) << err;
    std::ifstream in(out_file);
    const std::string out(std::istreambuf_iterator<char>(in), {});
    EXPECT_NE(out.find("rewrote the drafts of 1 incidents"), std::string::npos) << out;
    {
        SQLite::Database raw(db);
        SQLite::Statement versions(raw, "SELECT markdown FROM drafts WHERE incident_id = 1");
        int n = 0;
        for (; versions.executeStep(); ++n) {
            const auto markdown = versions.getColumn(0).getString();
            EXPECT_EQ(markdown.find("zanzibar"), std::string::npos) << markdown;
            EXPECT_EQ(markdown.find("marta"), std::string::npos) << markdown;
        }
        EXPECT_EQ(n, 2);
    }
    EXPECT_TRUE(store(db, open_mode::read_only).search("zanzibar").empty());
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    std::filesystem::remove(out_file);
}

TEST(Cli, TimelinePrintsEachFormatInOrder) {
    const auto db = temp_path("ib-cli-timeline.db");
    const auto out_file = temp_path("ib-cli-timeline.out");
    {
        store s(db);
        s.create_incident({.title = "Queue backlog", .channel = "C1"});
        s.create_incident({.title = "Quiet", .channel = "C2"});
        s.put_user({.id = "U1", .display_name = "ana"});
        timeline_entry e;
        e.incident_id = 1;
        e.ts = "1700000200.000100";
        e.user = "U2";
        e.text = "consumers restarted\nlag falling";
        ASSERT_TRUE(s.add_entry(e));
        e.ts = "1700000100.000100";
        e.user = "U1";
        e.text = "lag at 2M messages";
        e.pinned = true;
        ASSERT_TRUE(s.add_entry(e));
    }
    const auto print = [&](std::vector<std::string> args) {
        args.insert(args.end(), {"--db", db});
        process p(args, {"PATH=/usr/bin:/bin"}, out_file);
        auto [status, err] = p.finish();
        std::ifstream in(out_file);
        return std::tuple(status, std::string(std::istreambuf_iterator<char>(in), {}), err);
    };

    auto [status, out, err] = print({"timeline", "1", "--format", "json"});
    ASSERT_EQ(status, 0) << err;
    const auto entries = nlohmann::json::parse(out);
    ASSERT_EQ(entries.size(), 2u) << out;
    EXPECT_EQ(entries[0]["author"], "ana");
    EXPECT_EQ(entries[0]["key_event"], true);
    EXPECT_EQ(entries[1]["author"], "U2");
    EXPECT_EQ(entries[1]["text"], "consumers restarted\nlag falling");
    // Laid out as a whole-array dump(2) would be.
    EXPECT_EQ(out, entries.dump(2) + "\n");

    std::tie(status, out, err) = print({"timeline", "1", "--format", "md"});
    ASSERT_EQ(status, 0) << err;
    const auto first = out.find("**ana** `key`: lag at 2M messages");
    const auto second = out.find("**U2**: consumers restarted lag falling");
    EXPECT_NE(first, std::string::npos) << out;
    EXPECT_NE(second, std::string::npos) << out;
    EXPECT_LT(first, second);

    std::tie(status, out, err) = print({"timeline", "1"});
    ASSERT_EQ(status, 0) << err;
    EXPECT_TRUE(out.starts_with("TIME (UTC)")) << out;
    EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;

    // An incident with no entries is still valid output; an unknown one is an error.
    std::tie(status, out, err) = print({"timeline", "2", "--format", "json"});
    EXPECT_EQ(status, 0) << err;
    EXPECT_EQ(out, "[]\n");
    std::tie(status, out, err) = print({"timeline", "2", "--format", "md"});
    EXPECT_NE(out.find("_No entries._"), std::string::npos) << out;
    std::tie(status, out, err) = print({"timeline", "9"});
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("no incident 9"), std::string::npos) << err;
    for (const auto& file : {db, db + "-wal", db + "-shm", out_file}) std::filesystem::remove(file);
}

}  // namespace
}  // namespace incident_bot::testing

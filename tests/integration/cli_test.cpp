// The incident-bot binary as a process: exit statuses, messages, signals, no tokens printed.
#include <fstream>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "child_process.hpp"

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

}  // namespace
}  // namespace incident_bot::testing

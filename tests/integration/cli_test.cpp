// The incident-bot binary as a process: exit statuses, messages, signals, no tokens printed.
#include <sys/stat.h>

#include <algorithm>
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
    // The fake counts a connection before the client reads its hello; SIGTERM must find
    // the connection up on the bot's side too, or no close frame would be due.
    ASSERT_TRUE(p.wait_for_stderr(" ready (Slack counts ", 20s));
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

// A fresh folder in the temp directory, removed with everything in it.
struct scratch_dir {
    std::filesystem::path path = temp_path("ib-cli-scratch");
    scratch_dir() {
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~scratch_dir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

// Sets the umask while it lives; the binary inherits it.
struct umask_scope {
    mode_t saved;
    explicit umask_scope(mode_t m) : saved(::umask(m)) {}
    ~umask_scope() { ::umask(saved); }
};

std::filesystem::perms mode_of(const std::string& path) {
    return std::filesystem::status(path).permissions() & std::filesystem::perms::all;
}

constexpr auto owner_only =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

std::pair<int, std::string> run_cli(const std::vector<std::string>& args) {
    process p(args, {"PATH=/usr/bin:/bin"});
    return p.finish();
}

// `rules --eval --misses` lists the lines the detector got wrong, and only those: a blaming
// line it let through and a fine line it flagged, each with its label.
TEST(Cli, RulesEvalMissesListsOnlyTheWrongLines) {
    scratch_dir dir;
    const auto corpus = dir.file("lines.tsv");
    std::ofstream(corpus) << "blame\tcharacter\tthe rollout went out at noon\n"
                             "ok\tchatter\twho broke prod\n"
                             "blame\twhose_fault\twho broke prod?\n"
                             "ok\tstatus\tthe rollout went out at noon, all green\n";
    const auto out = dir.file("out.txt");
    process p({"rules", "--eval", corpus, "--misses", "--model", "off"}, {"PATH=/usr/bin:/bin"},
              out);
    const auto [status, err] = p.finish();
    ASSERT_EQ(status, 0) << err;
    std::ifstream in(out);
    std::string line, misses;
    while (std::getline(in, line))
        if (line.starts_with("MISS") || line.starts_with("FALSE")) misses += line + "\n";
    EXPECT_NE(misses.find("MISS character"), std::string::npos) << misses;
    EXPECT_NE(misses.find("FALSE chatter"), std::string::npos) << misses;
    EXPECT_EQ(std::count(misses.begin(), misses.end(), '\n'), 2) << misses;
}

// A database with one incident, made by the test under its umask.
std::string small_database(const scratch_dir& dir) {
    const auto path = dir.file("live.db");
    store s(path);
    s.create_incident({.title = "Checkout errors", .channel = "C1"});
    return path;
}

// The incident history is private whatever the umask: a backup and an imported database are
// owner-only like the database `run` creates, and a database open to others is named.
TEST(Cli, BackupAndImportCreateOwnerOnlyFilesUnderUmask022) {
    scratch_dir dir;
    umask_scope umask(022);
    const auto live = small_database(dir);
    ASSERT_EQ(
        mode_of(live),
        owner_only | std::filesystem::perms::group_read | std::filesystem::perms::others_read);

    auto [status, err] = run_cli({"backup", dir.file("copy.db"), "--db", live});
    ASSERT_EQ(status, 0) << err;
    EXPECT_EQ(mode_of(dir.file("copy.db")), owner_only);
    EXPECT_NE(err.find("is readable by other users (mode 0644)"), std::string::npos) << err;

    const auto imported = dir.file("imported.db");
    std::tie(status, err) =
        run_cli({"import", INCIDENT_BOT_SOURCE_DIR "/tests/data/sample-export", "--db", imported});
    ASSERT_EQ(status, 0) << err;
    for (const char* suffix : {"", "-wal", "-shm"}) {
        if (std::filesystem::exists(imported + suffix)) {
            EXPECT_EQ(mode_of(imported + suffix), owner_only) << suffix;
        }
    }
    EXPECT_EQ(err.find("warning"), std::string::npos) << err;
}

// `backup $DB --force` would swap the file under a running bot: the live database, or a
// link to it, is never a backup target.
TEST(Cli, BackupOntoTheLiveDatabaseIsRefused) {
    scratch_dir dir;
    const auto live = small_database(dir);
    std::filesystem::create_symlink(live, dir.file("link.db"));
    struct stat before {};
    ASSERT_EQ(::stat(live.c_str(), &before), 0);
    for (const auto& target : {live, dir.file("link.db")}) {
        auto [status, err] = run_cli({"backup", target, "--force", "--db", live});
        EXPECT_EQ(status, 1) << target;
        EXPECT_NE(err.find("is the database '" + live + "' itself"), std::string::npos) << err;
    }
    struct stat after {};
    ASSERT_EQ(::stat(live.c_str(), &after), 0);
    EXPECT_EQ(after.st_ino, before.st_ino);
    EXPECT_FALSE(std::filesystem::exists(live + ".partial"));
    store s(live, open_mode::read_only);
    EXPECT_EQ(s.list_incidents().size(), 1u);
}

// PATH.partial may be another backup's work in progress: it is removed only with --force.
TEST(Cli, BackupLeavesAnExistingPartialFileAloneWithoutForce) {
    scratch_dir dir;
    const auto live = small_database(dir);
    const auto target = dir.file("copy.db");
    std::ofstream(target + ".partial") << "another backup";
    auto [status, err] = run_cli({"backup", target, "--db", live});
    EXPECT_EQ(status, 1);
    EXPECT_NE(err.find("copy.db.partial' exists"), std::string::npos) << err;
    std::ifstream in(target + ".partial");
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "another backup");
    EXPECT_FALSE(std::filesystem::exists(target));

    std::tie(status, err) = run_cli({"backup", target, "--force", "--db", live});
    EXPECT_EQ(status, 0) << err;
    EXPECT_FALSE(std::filesystem::exists(target + ".partial"));
    EXPECT_EQ(mode_of(target), owner_only);
}

}  // namespace
}  // namespace incident_bot::testing

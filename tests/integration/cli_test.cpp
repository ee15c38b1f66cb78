// The incident-bot binary as a process: exit statuses, messages, signals, no tokens printed.
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "harness.hpp"

extern char** environ;

namespace incident_bot::testing {
namespace {

struct process {
    pid_t pid = -1;
    int err_fd = -1;

    // Starts the binary with `args` and exactly `env` as its environment; stderr is piped.
    process(const std::vector<std::string>& args, const std::vector<std::string>& env) {
        int fds[2];
        EXPECT_EQ(pipe(fds), 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::vector<std::string> argv_s = {INCIDENT_BOT_BINARY};
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv, envp;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        auto env_copy = env;
        for (auto& e : env_copy) envp.push_back(e.data());
        envp.push_back(nullptr);
        EXPECT_EQ(posix_spawn(&pid, INCIDENT_BOT_BINARY, &actions, nullptr, argv.data(), envp.data()), 0);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        err_fd = fds[0];
    }
    ~process() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (err_fd >= 0) close(err_fd);
    }
    // Waits for exit (killing after `timeout`) and returns the exit status and stderr.
    std::pair<int, std::string> finish(std::chrono::milliseconds timeout = 20s) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        int status = 0;
        while (waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > until) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(10ms);
        }
        pid = -1;
        std::string err;
        char buf[4096];
        ssize_t n;
        while ((n = read(err_fd, buf, sizeof buf)) > 0) err.append(buf, static_cast<std::size_t>(n));
        return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err};
    }
};

std::vector<std::string> slack_env(const fake_slack& fake, const std::string& app_token, const std::string& db) {
    return {"SLACK_APP_TOKEN=" + app_token, "SLACK_BOT_TOKEN=xoxb-0001-test",
            "SLACK_API_URL=" + fake.api_url(), "INCIDENT_BOT_CA_FILE=" + fake.ca_file(),
            "INCIDENT_BOT_DB=" + db, "PATH=/usr/bin:/bin"};
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
}

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
    for (const char* s : {"", "-wal", "-shm"}) std::filesystem::remove(db + s);
    EXPECT_EQ(status, 0) << err;
    EXPECT_EQ(fake.close_frames(), 1u);
    EXPECT_EQ(err.find("xoxb-0001-test"), std::string::npos);
}

}  // namespace
}  // namespace incident_bot::testing

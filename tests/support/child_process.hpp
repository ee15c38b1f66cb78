// The incident-bot binary (INCIDENT_BOT_BINARY, defined by the build) as a child process,
// for tests and benchmarks that need exit statuses, signals, real crashes or its own RSS.
#pragma once

#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <spawn.h>
#include <string>
#include <string_view>
#include <system_error>
#include <sys/wait.h>
#include <thread>
#include <tuple>
#include <unistd.h>
#include <vector>

#include "incident_bot/demo/fake_slack.hpp"

namespace incident_bot::testing {

// The fake Slack is the demo's; the tests drive it by its plain names.
using namespace incident_bot::demo;

using namespace std::chrono_literals;

/// Resident set size of process `pid` in KiB (VmRSS) and its peak (VmHWM); zeros when it
/// is gone.
inline std::pair<long, long> rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    long rss = 0, peak = 0;
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:")) rss = std::stol(line.substr(6));
        if (line.starts_with("VmHWM:")) peak = std::stol(line.substr(6));
    }
    return {rss, peak};
}

class process {
public:
    pid_t pid = -1;

    // Starts the binary with `args` and exactly `env` as its environment. Its stderr is read
    // on a thread of ours, so a chatty child never blocks on a full pipe. Its stdout goes to
    // `stdout_file` when given (created or truncated), else to ours. A `prefix` (a command
    // and its arguments, found on our PATH) runs the binary under a tool: valgrind, strace.
    process(const std::vector<std::string>& args,
            const std::vector<std::string>& env,
            const std::string& stdout_file = {},
            const std::vector<std::string>& prefix = {}) {
        int fds[2];
        if (pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
        if (!stdout_file.empty())
            posix_spawn_file_actions_addopen(&actions, 1, stdout_file.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0600);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        std::vector<std::string> argv_s = prefix;
        argv_s.push_back(INCIDENT_BOT_BINARY);
        argv_s.insert(argv_s.end(), args.begin(), args.end());
        std::vector<char*> argv, envp;
        for (auto& a : argv_s) argv.push_back(a.data());
        argv.push_back(nullptr);
        auto env_copy = env;
        for (auto& e : env_copy) envp.push_back(e.data());
        envp.push_back(nullptr);
        const int rc = prefix.empty()
                           ? posix_spawn(&pid, INCIDENT_BOT_BINARY, &actions, nullptr, argv.data(), envp.data())
                           : posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (rc != 0) {
            close(fds[0]);
            throw std::system_error(rc, std::generic_category(), "posix_spawn " INCIDENT_BOT_BINARY);
        }
        reader_ = std::thread([this, fd = fds[0]] { read_stderr(fd); });
    }
    process(const process&) = delete;
    process& operator=(const process&) = delete;
    ~process() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (reader_.joinable()) reader_.join();
    }

    /// Resident set size in KiB (VmRSS) and its peak (VmHWM); zeros once the process is gone.
    std::pair<long, long> rss_kib() const { return testing::rss_kib(pid); }

    /// Waits until the child has written `needle` to stderr; false on timeout or once its
    /// stderr is closed without it.
    bool wait_for_stderr(std::string_view needle, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        return written_.wait_for(lock, timeout, [&] {
            return err_.find(needle) != std::string::npos || stderr_closed_;
        }) && err_.find(needle) != std::string::npos;
    }

    // Waits for exit (killing after `timeout`) and returns the exit status and stderr (its
    // last megabyte).
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
        reader_.join();  // the pipe reaches EOF with the child gone
        std::lock_guard lock(mu_);
        return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), err_};
    }

private:
    void read_stderr(int fd) {
        constexpr std::size_t keep = 1 << 20;
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof buf)) > 0) {
            {
                std::lock_guard lock(mu_);
                err_.append(buf, static_cast<std::size_t>(n));
                if (err_.size() > 2 * keep) err_.erase(0, err_.size() - keep);
            }
            written_.notify_all();
        }
        close(fd);
        {
            std::lock_guard lock(mu_);
            stderr_closed_ = true;
        }
        written_.notify_all();
    }

    std::mutex mu_;  // guards err_ and stderr_closed_, which reader_ writes
    std::condition_variable written_;
    std::string err_;
    bool stderr_closed_ = false;
    std::thread reader_;
};

/// The environment of `incident-bot run` against `fake`, storing into `db`.
inline std::vector<std::string> slack_env(const fake_slack& fake, const std::string& app_token, const std::string& db) {
    return {"SLACK_APP_TOKEN=" + app_token, "SLACK_BOT_TOKEN=xoxb-0001-test",
            "SLACK_API_URL=" + fake.api_url(), "INCIDENT_BOT_CA_FILE=" + fake.ca_file(),
            "INCIDENT_BOT_DB=" + db, "PATH=/usr/bin:/bin"};
}

/// Runs a CLI command to its end with only PATH in its environment, its stdout going through
/// `stdout_file`: (exit status, stdout, stderr).
inline std::tuple<int, std::string, std::string> run_cli_captured(
    const std::vector<std::string>& args, const std::string& stdout_file) {
    process p(args, {"PATH=/usr/bin:/bin"}, stdout_file);
    auto [status, err] = p.finish();
    std::ifstream in(stdout_file);
    return {status, std::string(std::istreambuf_iterator<char>(in), {}), err};
}

/// A path in the temp directory unique to this test process.
inline std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()))).string();
}

}  // namespace incident_bot::testing

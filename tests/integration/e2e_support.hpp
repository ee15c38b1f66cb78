// Shared by the end-to-end tests: the whole bot (runtime) on its own thread and a database of
// its own, against the fake Slack.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "harness.hpp"
#include "incident_bot/app/runtime.hpp"

namespace incident_bot::testing {

using json = nlohmann::json;

struct temp_db {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("ib-e2e-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    temp_db() { std::filesystem::create_directories(dir); }
    ~temp_db() { std::filesystem::remove_all(dir); }
    std::string path() const { return (dir / "bot.db").string(); }
};

// A runtime serving on its own thread.
struct running_bot {
    running_bot(const config& c, const logger& l) : bot(c, l), thread([this] { status = bot.run(false); }) {}
    ~running_bot() {
        bot.stop();
        thread.join();
    }
    runtime bot;
    int status = -1;
    std::thread thread;
};

inline json slash(const std::string& text, const std::string& user = "U0ANA", const std::string& channel = "C0INC") {
    return {{"command", "/incident"}, {"text", text},        {"user_id", user},
            {"channel_id", channel},  {"team_id", "T1"},     {"response_url", "https://hooks.invalid/x"}};
}

// Sends `envelope` and returns its ack payload (null when acked without one).
inline json ack_payload(fake_slack& fake, const std::string& type, json payload) {
    const auto ack = fake.wait_for_ack(fake.send_envelope(type, std::move(payload)), 10s);
    EXPECT_TRUE(ack.has_value());
    return ack && ack->payload.is_object() ? ack->payload : json::object();
}

// What every end-to-end test starts from: a database of its own, the bot's config pointed at
// `fake` with short intervals, and a log the test can read.
struct bot_setup {
    explicit bot_setup(const fake_slack& fake) : cfg(fast_config(fake)) { cfg.db_path = db.path(); }
    temp_db db;
    config cfg;
    log_capture logs;
    logger log = logs.make(log_level::info);
};

// Waits until `pred` holds on the store, up to a deadline.
template <class P>
inline bool eventually(running_bot& b, P pred) {
    for (int i = 0; i < 500; ++i) {
        bool ok = false;
        b.bot.with_store([&](store& s) { ok = pred(s); });
        if (ok) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

// The arguments of the last `method` call the fake saw, as JSON text ("" when none).
inline std::string last_args(const fake_slack& fake, const std::string& method) {
    const auto r = fake.requests(method);
    return r.empty() ? "" : r.back().args.dump();
}

// Waits until some `method` call's arguments satisfy `pred`; false at the deadline.
template <class P>
bool wait_for_request_where(const fake_slack& fake, const std::string& method, P pred,
                            std::chrono::milliseconds timeout = 10s) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    do {
        for (const auto& r : fake.requests(method))
            if (pred(r.args)) return true;
        std::this_thread::sleep_for(10ms);
    } while (std::chrono::steady_clock::now() < until);
    return false;
}

}  // namespace incident_bot::testing

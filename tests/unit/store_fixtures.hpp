// Helpers for the store, ingest and import tests: a per-test temp directory, fixture loading
// and a logger that keeps its lines for assertions.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "incident_bot/log.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot::testing {

/// A fresh directory under the system temp dir, removed with everything in it.
class temp_dir {
public:
    temp_dir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = "incident-bot-";
        if (info) name += std::string(info->test_suite_name()) + "-" + info->name() + "-";
        name += std::to_string(std::random_device{}());
        path_ = std::filesystem::temp_directory_path() / name;
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

/// A person's timeline entry: what `user` said at `ts` in `incident`.
inline timeline_entry said(std::int64_t incident, std::string ts, std::string user, std::string text) {
    timeline_entry e;
    e.incident_id = incident;
    e.ts = std::move(ts);
    e.user = std::move(user);
    e.text = std::move(text);
    return e;
}

/// Path of a file under tests/data.
inline std::string data_path(const std::string& relative) {
    return std::string(INCIDENT_BOT_SOURCE_DIR) + "/tests/data/" + relative;
}

/// Parses a fixture under tests/data/fixtures.
inline nlohmann::json fixture(const std::string& name) {
    std::ifstream in(data_path("fixtures/" + name));
    EXPECT_TRUE(in) << name;
    return nlohmann::json::parse(in);
}

/// A logger that records its lines.
struct captured_log {
    std::shared_ptr<std::vector<std::string>> lines = std::make_shared<std::vector<std::string>>();
    logger log{log_level::debug, log_format::text, [l = lines](std::string_view line) {
                   l->emplace_back(line);
               }};
};

/// Store options with a clock the test controls.
struct fixed_clock {
    std::shared_ptr<std::chrono::system_clock::time_point> now =
        std::make_shared<std::chrono::system_clock::time_point>(
            std::chrono::sys_days{std::chrono::year{2026} / 11 / 2} + std::chrono::hours{14});

    store_options options() const {
        store_options o;
        o.clock = [n = now] { return *n; };
        return o;
    }
    void advance(std::chrono::system_clock::duration d) { *now += d; }
};

}  // namespace incident_bot::testing

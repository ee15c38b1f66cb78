// Helpers shared by the store subcommands (incidents, timeline, import): which database to
// open and how times are printed.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "cli/cli.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot::cli {

/// `--db PATH` when given, else the configured `db_path` (INCIDENT_BOT_DB, the config file).
inline std::string database_path(const context& ctx, const options& opts) {
    if (auto db = opts.value("db")) return *db;
    return load(ctx, opts).db_path;
}

/// UTC time as "2026-11-02 14:03:11" (`iso`: "2026-11-02T14:03:11Z").
inline std::string format_utc(std::chrono::sys_seconds t, bool iso = false) {
    const std::time_t secs = t.time_since_epoch().count();
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm);
    return buf;
}

/// Seconds part of a canonical Slack ts as a time.
inline std::chrono::sys_seconds ts_time(const std::string& ts) {
    return std::chrono::sys_seconds(std::chrono::seconds(std::stoll(ts.substr(0, ts.find('.')))));
}

}  // namespace incident_bot::cli

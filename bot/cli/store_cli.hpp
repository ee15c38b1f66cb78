// Helpers shared by the store subcommands (incidents, timeline, import): which database to
// open and how times are printed.
#pragma once

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "cli/cli.hpp"
#include "incident_bot/store/store.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot::cli {

/// `--db PATH` when given, else the configured `db_path` (INCIDENT_BOT_DB, the config file).
inline std::string database_path(const context& ctx, const options& opts) {
    if (auto db = opts.value("db")) return *db;
    return load(ctx, opts).db_path;
}

/// `--since DATE` (2026-11-01, UTC midnight) when given; a usage_error when not a date.
inline std::optional<unix_time> since_option(const options& opts) {
    const auto since = opts.value("since");
    if (!since) return std::nullopt;
    const auto day = detail::parse_day(*since);
    if (!day) throw usage_error("--since expects a date like 2026-11-01, got '" + *since + "'");
    return unix_time(*day);
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

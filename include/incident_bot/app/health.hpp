// What /healthz and /metrics report: transport counters read on the network thread, and
// database figures refreshed periodically on the store's writer thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "incident_bot/rules/engine.hpp"
#include "incident_bot/slack/socket_mode.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// Database figures, written by the store thread and read by the HTTP handler.
struct store_gauges {
    /// The last periodic write succeeded (the database is writable).
    std::atomic<bool> writable{false};
    std::atomic<std::int64_t> open_incidents{0};
    std::atomic<std::int64_t> open_actions{0};
    /// Nudges sent, per entry of `rule_categories`.
    std::array<std::atomic<std::int64_t>, rule_categories.size()> nudges{};
    /// Findings stored by `incident-bot import` in old messages (none sent), per entry of
    /// `rule_categories`.
    std::array<std::atomic<std::int64_t>, rule_categories.size()> imported_findings{};

    /// Refreshes every figure from `s`; a failed write marks the database unwritable.
    void refresh(store& s);
};

/// 200 "ok" when at least one Socket Mode connection is up and the database is writable,
/// else 503 with the reasons, one per line.
std::pair<unsigned, std::string> health_report(const socket_mode_stats& sm, const store_gauges& db);

/// Prometheus text exposition of every counter and gauge.
std::string render_metrics(const socket_mode_stats& sm, const web_api_stats& api, const store_gauges& db);

}  // namespace incident_bot

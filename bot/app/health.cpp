#include "incident_bot/app/health.hpp"

#include <chrono>
#include <sstream>

namespace incident_bot {

void store_gauges::refresh(store& s) {
    try {
        // Doubles as the write probe and as upkeep: dedupe ids are needed for minutes only.
        const auto day_ago = std::chrono::floor<std::chrono::seconds>(s.now() - std::chrono::hours(24));
        s.prune_processed(day_ago);
        writable = true;
    } catch (const std::exception&) {
        writable = false;
    }
    open_incidents = static_cast<std::int64_t>(s.list_incidents(true).size());
    open_actions = static_cast<std::int64_t>(s.list_action_items({}).size());
    for (std::size_t i = 0; i < rule_categories.size(); ++i) {
        nudge_filter f;
        f.category = std::string(rule_categories[i]);
        nudges[i] = s.count_nudges(f);
        imported_findings[i] = s.count_imported_findings(f.category);
    }
}

std::pair<unsigned, std::string> health_report(const socket_mode_stats& sm, const store_gauges& db) {
    std::string problems;
    if (sm.open_connections.load() < 1) problems += "not connected to Slack\n";
    if (!db.writable.load()) problems += "database not writable\n";
    return problems.empty() ? std::pair<unsigned, std::string>{200, "ok\n"}
                            : std::pair<unsigned, std::string>{503, problems};
}

namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help) {
    out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

}  // namespace

std::string render_metrics(const socket_mode_stats& sm, const web_api_stats& api, const store_gauges& db) {
    std::ostringstream out;
    metric(out, "incident_bot_socket_connections", "gauge", "Socket Mode connections past hello.");
    out << "incident_bot_socket_connections " << sm.open_connections.load() << '\n';
    metric(out, "incident_bot_socket_reconnects_total", "counter", "Connections opened after the first.");
    out << "incident_bot_socket_reconnects_total " << sm.reconnects.load() << '\n';
    metric(out, "incident_bot_socket_refreshes_total", "counter", "Refreshes requested by Slack.");
    out << "incident_bot_socket_refreshes_total " << sm.refreshes.load() << '\n';
    metric(out, "incident_bot_envelopes_received_total", "counter", "Envelopes received.");
    out << "incident_bot_envelopes_received_total " << sm.envelopes.load() << '\n';
    metric(out, "incident_bot_envelopes_acked_total", "counter", "Acks written.");
    out << "incident_bot_envelopes_acked_total " << sm.acks.load() << '\n';
    metric(out, "incident_bot_envelopes_duplicate_total", "counter", "Redeliveries dropped.");
    out << "incident_bot_envelopes_duplicate_total " << sm.duplicates.load() << '\n';
    metric(out, "incident_bot_frames_skipped_total", "counter", "Unusable frames skipped.");
    out << "incident_bot_frames_skipped_total " << sm.bad_frames.load() << '\n';

    metric(out, "incident_bot_ack_latency_seconds", "histogram", "Envelope read to ack queued.");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < sm.ack_latency_buckets.size(); ++i) {
        cumulative += sm.ack_latency_buckets[i].load();
        out << "incident_bot_ack_latency_seconds_bucket{le=\"";
        if (i < socket_mode_stats::ack_latency_bounds.size()) out << socket_mode_stats::ack_latency_bounds[i];
        else out << "+Inf";
        out << "\"} " << cumulative << '\n';
    }
    out << "incident_bot_ack_latency_seconds_sum " << static_cast<double>(sm.ack_latency_sum_us.load()) / 1e6
        << "\nincident_bot_ack_latency_seconds_count " << cumulative << '\n';

    metric(out, "incident_bot_web_api_requests_total", "counter", "Web API HTTP attempts by method and status.");
    for (const auto& [key, n] : api.by_method_status) {
        const auto space = key.rfind(' ');
        out << "incident_bot_web_api_requests_total{method=\"" << key.substr(0, space) << "\",status=\""
            << key.substr(space + 1) << "\"} " << n << '\n';
    }
    metric(out, "incident_bot_web_api_rate_limited_total", "counter", "HTTP 429 answers.");
    out << "incident_bot_web_api_rate_limited_total " << api.rate_limited << '\n';
    metric(out, "incident_bot_web_api_failures_total", "counter", "Calls that finally failed.");
    out << "incident_bot_web_api_failures_total " << api.failures << '\n';

    metric(out, "incident_bot_nudges_total", "counter", "Private nudges sent, by category.");
    for (std::size_t i = 0; i < rule_categories.size(); ++i)
        out << "incident_bot_nudges_total{category=\"" << rule_categories[i] << "\"} " << db.nudges[i].load() << '\n';
    // Apart from nudges: these were found in imported history and sent to no one.
    metric(out,
           "incident_bot_imported_findings_total",
           "counter",
           "Blameless-language findings in imported messages (none sent), by category.");
    for (std::size_t i = 0; i < rule_categories.size(); ++i)
        out << "incident_bot_imported_findings_total{category=\"" << rule_categories[i] << "\"} "
            << db.imported_findings[i].load() << '\n';
    metric(out, "incident_bot_open_incidents", "gauge", "Incidents not resolved.");
    out << "incident_bot_open_incidents " << db.open_incidents.load() << '\n';
    metric(out, "incident_bot_open_action_items", "gauge", "Action items not done.");
    out << "incident_bot_open_action_items " << db.open_actions.load() << '\n';
    metric(out, "incident_bot_database_writable", "gauge", "1 when the last write probe succeeded.");
    out << "incident_bot_database_writable " << (db.writable.load() ? 1 : 0) << '\n';
    return out.str();
}

}  // namespace incident_bot

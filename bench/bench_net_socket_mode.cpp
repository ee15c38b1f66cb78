// Socket Mode transport benchmark: the real client against the in-process fake Slack over
// TLS on loopback. Prints throughput, ack latency percentiles and peak RSS.
//
//   bench_net_socket_mode [EVENTS]     (default 20000)
#include <algorithm>
#include <cstdio>
#include <sys/resource.h>

#include "bench_stats.hpp"
#include "bot_harness.hpp"

using namespace incident_bot;
using namespace incident_bot::testing;

namespace {

nlohmann::json event(int i) {
    return {{"type", "event_callback"},
            {"team_id", "T1"},
            {"event_id", "EvBench" + std::to_string(i)},
            {"event_time", 1700000000 + i},
            {"event",
             {{"type", "message"},
              {"channel", "C1"},
              {"user", "U1"},
              {"text", "checkout latency p99 is back under 300ms after the rollback"},
              {"ts", "1700000000." + std::to_string(100000 + i)}}}};
}

long peak_rss_mb() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

// Sends `n` events (paced at `rate` per second when > 0) and waits for every ack.
void run(int connections, int n, int rate) {
    fake_slack fake;
    auto cfg = fast_config(fake);
    cfg.socket_mode.connections = connections;
    cfg.socket_mode.idle_timeout = std::chrono::seconds(30);
    bot_under_test bot(cfg, {}, /*record=*/false);
    if (!fake.wait_for_connections(connections, 10s)) {
        std::printf("could not connect\n");
        return;
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        fake.send_envelope("events_api", event(i));
        if (rate > 0)
            std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * (i + 1) / rate));
    }
    const bool all = fake.wait_for_acks(static_cast<std::size_t>(n), 120s);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::vector<double> lat;
    for (const auto& a : fake.acks()) lat.push_back(a.latency_ms);
    std::printf("connections=%d events=%d %s: %.0f events/s, ack latency p50=%.2f ms p99=%.2f ms "
                "max=%.2f ms, acked=%zu%s, peak RSS (bot + fake, one process)=%ld MB\n",
                connections,
                n,
                rate > 0 ? ("paced " + std::to_string(rate) + "/s").c_str() : "flat out",
                n / secs,
                percentile(lat, 0.50),
                percentile(lat, 0.99),
                percentile(lat, 1.0),
                lat.size(),
                all ? "" : " (TIMED OUT)",
                peak_rss_mb());
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
    run(1, n, 0);
    run(4, n, 0);
    run(1, 3000, 1000);
}

// Soak: the real `incident-bot run` process against the in-process fake Slack for a while,
// with steady channel traffic, refresh requests every few seconds, random TCP drops and 429
// bursts on the Web API. Every interval prints acks, ack latency p99, reconnects and the
// bot's RSS; at the end it counts events lost and duplicated in the database (both must be
// 0) and the RSS growth from the first to the last interval (must stay flat).
//
//   bench_net_soak [SECONDS=120] [EVENTS_PER_SECOND=200] [INTERVAL_SECONDS=10] [SEED=1]
//
// For hours: bench_net_soak 14400 200 60
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <random>

#include "bench_stats.hpp"
#include "bot_harness.hpp"
#include "child_process.hpp"
#include "incident_bot/store/store.hpp"

using namespace incident_bot;
using namespace incident_bot::testing;
using json = nlohmann::json;

namespace {

// Every 40th line is blaming, so nudges (chat.postEphemeral) flow too.
json message_event(int i) {
    const std::string text = i % 40 == 0 ? "who broke prod again??"
                                         : "update " + std::to_string(i) + ": checkout error rate is falling";
    return {{"type", "event_callback"},
            {"event_id", "EvSoak" + std::to_string(i)},
            {"event",
             {{"type", "message"},
              {"channel", "C0INC"},
              {"user", "U" + std::to_string(1000 + i % 50)},
              {"text", text},
              {"ts", std::to_string(1797000000 + i / 1000) + "." + std::to_string(100000 + i % 1000)}}}};
}

json slash(const std::string& text) {
    return {{"command", "/incident"}, {"text", text},    {"user_id", "U0ANA"},
            {"channel_id", "C0INC"},  {"team_id", "T1"}, {"response_url", "https://hooks.invalid/x"}};
}

// Refreshes, drops and 429 bursts at random moments (seeded), until stopped.
class chaos {
public:
    chaos(fake_slack& fake, unsigned seed)
        : thread_([this, &fake, seed] {
              std::mt19937 rng(seed);
              std::uniform_int_distribution<int> pause_ms(1000, 3000), what(0, 9), conn(0, 1);
              while (!stop_) {
                  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(pause_ms(rng));
                  while (!stop_ && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
                  if (stop_) break;
                  const int w = what(rng);
                  if (w < 5) fake.send_disconnect("refresh_requested", conn(rng));
                  else if (w < 7) fake.drop(conn(rng));
                  else fake.fail_next("chat.postEphemeral", 429, 5, 1);
                  ++actions_;
              }
          }) {}
    ~chaos() { stop(); }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
    }
    int actions() const { return actions_; }

private:
    std::atomic<bool> stop_{false};
    std::atomic<int> actions_{0};
    std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
    const int seconds = argc > 1 ? std::atoi(argv[1]) : 120;
    const int rate = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;
    const int interval = argc > 3 ? std::max(1, std::atoi(argv[3])) : 10;
    const unsigned seed = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : 1;

    fake_slack_options opts;
    opts.redeliver_after = 2s;  // unacked events come back, as from Slack (3 retries)
    fake_slack fake(opts);
    const auto db = temp_path("ib-soak.db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    auto env = slack_env(fake, "xapp-1-A0001-test", db);
    env.push_back("INCIDENT_BOT_CONNECTIONS=2");
    env.push_back("INCIDENT_BOT_LOG_LEVEL=warn");
    process bot({"run"}, env);
    if (!fake.wait_for_connections(2, 30s)) {
        std::fprintf(stderr, "bench_net_soak: the bot did not connect\n");
        return 1;
    }
    if (!fake.wait_for_ack(fake.send_envelope("slash_commands", slash("declare sev2 Soak test")), 10s)) {
        std::fprintf(stderr, "bench_net_soak: the declare command was not acked\n");
        return 1;
    }

    std::printf("soak: %d s, %d events/s, 2 connections, seed %u\n", seconds, rate, seed);
    std::printf("%6s %9s %9s %10s %10s %10s %9s\n", "t(s)", "sent", "acked", "p99(ms)", "max(ms)", "reconnects",
                "RSS(MB)");
    chaos faults(fake, seed);
    const auto t0 = std::chrono::steady_clock::now();
    int sent = 0;
    std::size_t seen_acks = 0;
    std::vector<double> rss_mb;
    std::vector<double> p99s;
    for (int tick = 1; tick * interval <= seconds; ++tick) {
        const auto tick_end = t0 + std::chrono::seconds(tick * interval);
        while (std::chrono::steady_clock::now() < tick_end) {
            fake.send_envelope("events_api", message_event(sent++));
            if (sent % 500 == 0) fake.send_envelope("slash_commands", slash("status"));
            std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * sent / rate));
        }
        const auto acks = fake.acks();
        std::vector<double> lat;
        for (std::size_t i = seen_acks; i < acks.size(); ++i) lat.push_back(acks[i].latency_ms);
        seen_acks = acks.size();
        rss_mb.push_back(static_cast<double>(bot.rss_kib().first) / 1024.0);
        p99s.push_back(percentile(lat, 0.99));
        std::printf("%6d %9d %9zu %10.2f %10.2f %10zu %9.1f\n", tick * interval, sent, acks.size(), p99s.back(),
                    percentile(lat, 1.0), fake.opens() - 2, rss_mb.back());
        std::fflush(stdout);
    }
    faults.stop();

    // Drain: redeliveries bring back whatever died with a dropped connection.
    const auto drain_until = std::chrono::steady_clock::now() + 30s;
    while (fake.unacked() > 0 && std::chrono::steady_clock::now() < drain_until) std::this_thread::sleep_for(50ms);
    const auto peak_kib = bot.rss_kib().second;
    kill(bot.pid, SIGTERM);
    const auto [status, err] = bot.finish(30s);

    std::map<std::string, int> rows;  // ts -> stored rows
    std::vector<std::string> problems;
    {
        store s(db, open_mode::read_only);
        for (const auto& e : s.list_timeline(1))
            if (e.source == entry_source::message) ++rows[e.ts];
        problems = s.integrity_check();
    }
    int lost = 0, duplicates = 0;
    for (int i = 0; i < sent; ++i) {
        const auto it = rows.find(message_event(i)["event"]["ts"]);
        if (it == rows.end()) ++lost;
        else duplicates += it->second - 1;
    }
    const double growth = rss_mb.size() > 1 ? rss_mb.back() - rss_mb.front() : 0;
    std::printf("\nevents sent %d, lost %d, duplicated %d, still unacked %zu\n", sent, lost, duplicates,
                fake.unacked());
    std::printf("faults injected %d, connections opened %zu, ack p99 median over intervals %.2f ms\n",
                faults.actions(), fake.opens(), percentile(p99s, 0.5));
    std::printf("bot RSS first interval %.1f MB, last %.1f MB (growth %+.1f MB), peak %.1f MB\n",
                rss_mb.empty() ? 0 : rss_mb.front(), rss_mb.empty() ? 0 : rss_mb.back(), growth,
                static_cast<double>(peak_kib) / 1024.0);
    std::printf("exit status %d, database integrity %s\n", status, problems.empty() ? "ok" : problems.front().c_str());
    if (status != 0) std::fprintf(stderr, "%s", err.c_str());
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    return lost == 0 && duplicates == 0 && status == 0 && problems.empty() ? 0 : 1;
}

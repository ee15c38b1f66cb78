// Socket Mode transport benchmark: the real client against the fake Slack over TLS on
// loopback, each in its own process (as in production, so the RSS is the bot's alone).
// Prints throughput, ack latency percentiles (measured by the fake, from sending an
// envelope to reading its ack), the CPU the bot's network thread spent per event and the
// bot process's RSS. Both processes share the machine's cores, so wall-clock throughput is
// a floor for what the bot alone can take; CPU per event is its own cost.
//
//   bench_net_socket_mode [EVENTS]     (default 20000)
#include <cstdio>
#include <ctime>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_stats.hpp"
#include "bot_harness.hpp"
#include "child_process.hpp"

using namespace incident_bot;
using namespace incident_bot::testing;

namespace {

struct run_spec {
    int connections;
    int events;
    int rate;  // events per second; 0 = as fast as acks allow
};

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

double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

std::string read_line(FILE* in) {
    std::string line;
    for (int c; (c = std::fgetc(in)) != EOF && c != '\n';) line += static_cast<char>(c);
    return line;
}

// The fake side, in the child process: per run, a fresh fake Slack; tells the bot side
// where it is, streams the events, waits for every ack and sends back the figures.
void fake_side(const std::vector<run_spec>& runs, FILE* from_bot, FILE* to_bot) {
    for (const auto& r : runs) {
        fake_slack fake;
        std::fprintf(to_bot, "%s %s\n", fake.api_url().c_str(), fake.ca_file().c_str());
        std::fflush(to_bot);
        if (!fake.wait_for_connections(r.connections, 60s)) {  // long enough for valgrind
            std::fprintf(to_bot, "could not connect\n");
            std::fflush(to_bot);
            read_line(from_bot);
            continue;
        }
        // Serialised before the clock starts: the generator shares the cores with the bot.
        std::vector<fake_slack::prepared_envelope> envelopes;
        for (int i = 0; i < r.events; ++i) envelopes.push_back(fake.prepare_envelope("events_api", event(i)));
        const auto t0 = std::chrono::steady_clock::now();
        const double cpu0 = process_cpu_seconds();
        for (int i = 0; i < r.events; ++i) {
            fake.send_prepared(std::move(envelopes[static_cast<std::size_t>(i)]));
            if (r.rate > 0)
                std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * (i + 1) / r.rate));
        }
        const bool all = fake.wait_for_acks(static_cast<std::size_t>(r.events), 120s);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double fake_us = (process_cpu_seconds() - cpu0) * 1e6 / r.events;
        std::vector<double> lat;
        for (const auto& a : fake.acks()) lat.push_back(a.latency_ms);
        std::fprintf(to_bot,
                     "%.0f events/s, ack latency p50=%.2f ms p99=%.2f ms max=%.2f ms, acked=%zu%s; "
                     "fake Slack %.1f us CPU/event\n",
                     r.events / secs,
                     percentile(lat, 0.50),
                     percentile(lat, 0.99),
                     percentile(lat, 1.0),
                     lat.size(),
                     all ? "" : " (TIMED OUT)",
                     fake_us);
        std::fflush(to_bot);
        read_line(from_bot);  // the bot side has measured; the fake may go
    }
}

// The bot side, in the parent: the client on its own network thread, acking at once.
void bot_side(const std::vector<run_spec>& runs, FILE* from_fake, FILE* to_fake) {
    for (const auto& r : runs) {
        const std::string where = read_line(from_fake);
        const auto space = where.find(' ');
        auto cfg = fast_config(where.substr(0, space), where.substr(space + 1));
        cfg.socket_mode.connections = r.connections;
        cfg.socket_mode.idle_timeout = std::chrono::seconds(30);
        std::string figures;
        double cpu_us = 0;
        {
            bot_under_test bot(cfg, {}, /*record=*/false);
            figures = read_line(from_fake);
            cpu_us = std::chrono::duration<double, std::micro>(bot.thread_cpu_time()).count() / r.events;
        }
        const auto [rss, peak] = rss_kib(getpid());
        std::printf("connections=%d events=%d %s: %s; bot thread %.1f us CPU/event (%.0f events per "
                    "CPU-second); bot RSS %.1f MB, peak %.1f MB\n",
                    r.connections,
                    r.events,
                    r.rate > 0 ? ("paced " + std::to_string(r.rate) + "/s").c_str() : "flat out",
                    figures.c_str(),
                    cpu_us,
                    1e6 / cpu_us,
                    static_cast<double>(rss) / 1024,
                    static_cast<double>(peak) / 1024);
        std::fflush(stdout);
        std::fprintf(to_fake, "next\n");
        std::fflush(to_fake);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const int n = argc > 1 ? std::atoi(argv[1]) : 20000;
    const std::vector<run_spec> runs = {{1, n, 0}, {4, n, 0}, {1, 3000, 1000}};
    int to_bot[2], to_fake[2];
    if (pipe(to_bot) != 0 || pipe(to_fake) != 0) return 1;
    // Forked before either side starts a thread.
    const pid_t child = fork();
    if (child < 0) return 1;
    if (child == 0) {
        close(to_bot[0]);
        close(to_fake[1]);
        fake_side(runs, fdopen(to_fake[0], "r"), fdopen(to_bot[1], "w"));
        _exit(0);
    }
    close(to_bot[1]);
    close(to_fake[0]);
    bot_side(runs, fdopen(to_bot[0], "r"), fdopen(to_fake[1], "w"));
    int status = 0;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

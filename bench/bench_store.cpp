// bench_store: timeline events ingested per second through the real ingest queue with
// durable (synchronous=FULL) group commits, the search index kept up to date by the writer
// between batches as the bot does, and the time to read an incident's timeline of 100,000
// entries. Prints the median of several runs.
//
// usage: bench_store [EVENTS_PER_RUN] [RUNS]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <ctime>

#include "incident_bot/store/ingest.hpp"
#include "incident_bot/store/store_executor.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace {

using namespace incident_bot;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& tag) {
    const auto dir = fs::temp_directory_path() /
                     ("bench_store-" + tag + "-" + std::to_string(std::random_device{}()));
    fs::create_directories(dir);
    return dir;
}

std::string ts_of(std::size_t i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%010zu.%06zu", 1'790'000'000 + i / 1000, (i % 1000) * 7);
    return buf;
}

nlohmann::json message_callback(std::size_t i) {
    return {{"type", "event_callback"},
            {"event_id", "Ev" + std::to_string(i)},
            {"event_time", 1'790'000'000},
            {"event",
             {{"type", "message"},
              {"channel", "C1"},
              {"user", "U" + std::to_string(i % 17)},
              {"text", "p99 latency on checkout-api is " + std::to_string(i % 900) +
                           "ms, pool usage " + std::to_string(i % 200) + "/200"},
              {"ts", ts_of(i)},
              {"channel_type", "channel"}}}};
}

// CPU seconds of the whole process (all threads) or of the calling thread. On a shared,
// overloaded machine these approximate what the wall clock would show on an idle one.
double cpu_seconds(clockid_t which) {
    timespec t{};
    clock_gettime(which, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct rate {
    double wall;  // events per wall-clock second
    double cpu;   // events per CPU second
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// One run: a fresh database, `events` callbacks pushed as fast as the executor takes them
// (it indexes for search between batches, as in the bot); the clock stops when the last
// completion (the point where an ack would be sent) and the indexing of the last entries
// have run.
rate ingest_run(std::size_t events, const logger& log) {
    const auto dir = fresh_dir("ingest");
    rate per_second{};
    {
        // Durable commits: WAL with synchronous=FULL, an fsync of the WAL at every commit.
        store_options options;
        options.sync_every_commit = true;
        store s((dir / "bench.db").string(), open_mode::read_write, options);
        s.create_incident({.title = "bench", .channel = "C1"});
        std::vector<store_executor::callback_ptr> callbacks;
        callbacks.reserve(events);
        for (std::size_t i = 0; i < events; ++i)
            callbacks.push_back(std::make_shared<const json_document>(message_callback(i)));

        std::atomic<std::size_t> stored{0};
        // Written on the writer thread; read here once `finished` publishes them.
        double writer_cpu = 0;
        bool caught_up = false;
        std::atomic<bool> finished{false};
        store_executor q(s, {}, {}, log);
        const auto start = clock_type::now();
        for (std::size_t i = 0; i < events; ++i) {
            // A full queue means "do not ack, Slack redelivers"; the bench just retries.
            store_executor::completion completion = [&](const ingest_result& r) {
                if (r.status == ingest_status::stored) stored.fetch_add(1);
            };
            // Waits sleeping, as the bot's network thread would: a thread spinning on yield
            // keeps the second of two cores busy, competing with the writer it measures.
            while (!q.try_push(std::move(callbacks[i]), std::move(completion)))
                std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        // Jobs run in order with the events, so this one runs last.
        q.post([&](store& st) {
            st.index_pending(events);
            writer_cpu = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
            caught_up = st.index_pending(1) == 0;
            finished.store(true, std::memory_order_release);
        });
        while (!finished.load(std::memory_order_acquire))
            std::this_thread::sleep_for(std::chrono::microseconds(100));
        const std::chrono::duration<double> took = clock_type::now() - start;
        if (stored.load() != events) std::fprintf(stderr, "warning: %zu of %zu stored\n",
                                                  stored.load(), events);
        if (!caught_up) std::fprintf(stderr, "warning: entries left unindexed\n");
        per_second = {static_cast<double>(events) / took.count(),
                      static_cast<double>(events) / writer_cpu};
    }
    fs::remove_all(dir);
    return per_second;
}

// Reads the big incident's timeline 11 times with `read` (which returns the row count) and
// prints the median wall and CPU time.
template <typename Read>
void time_query(const char* how, Read read) {
    std::vector<double> ms, cpu_ms;
    std::size_t rows = 0;
    for (int r = 0; r < 11; ++r) {
        const auto start = clock_type::now();
        const double cpu_start = cpu_seconds(CLOCK_THREAD_CPUTIME_ID);
        rows = read();
        cpu_ms.push_back((cpu_seconds(CLOCK_THREAD_CPUTIME_ID) - cpu_start) * 1000);
        ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - start).count());
    }
    std::printf("timeline query (%s): %zu entries, median %.1f ms wall, %.1f ms CPU over %zu "
                "runs\n",
                how, rows, median(ms), median(cpu_ms), ms.size());
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 200'000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
    logger log(log_level::warn);

    std::vector<double> wall, cpu;
    for (int r = 0; r < runs; ++r) {
        const auto got = ingest_run(events, log);
        wall.push_back(got.wall);
        cpu.push_back(got.cpu);
    }
    std::printf("ingest: %zu message events/run, %d runs, WAL synchronous=FULL (fsync per "
                "commit: survives power loss), batch<=1000, ack after commit, search index "
                "caught up by the writer between batches\n",
                events, runs);
    std::printf("ingest: median %.0f events/s wall clock (min %.0f, max %.0f)\n", median(wall),
                *std::min_element(wall.begin(), wall.end()),
                *std::max_element(wall.begin(), wall.end()));
    std::printf("ingest: median %.0f events per writer-thread CPU second\n", median(cpu));

    // Timeline query: one incident with 100,000 entries next to another with 20,000.
    const auto dir = fresh_dir("query");
    {
        store s((dir / "bench.db").string());
        s.create_incident({.title = "big", .channel = "C1"});
        s.create_incident({.title = "other", .channel = "C2"});
        {
            transaction tx(s);
            for (std::size_t i = 0; i < 120'000; ++i) {
                timeline_entry e;
                e.incident_id = i % 6 == 5 ? 2 : 1;
                e.ts = ts_of(i);
                e.user = "U" + std::to_string(i % 17);
                e.text = "entry " + std::to_string(i) + " with some words about the incident";
                s.add_entry(e);
            }
            tx.commit();
        }
        // The streamed read is what `incident-bot timeline` uses; the list is what the
        // post-mortem draft holds. The visitor touches every text so nothing is skipped.
        std::size_t bytes = 0;
        time_query("streamed", [&] {
            std::size_t rows = 0;
            s.scan_timeline(1, timeline_view::all, [&](const timeline_entry& e) {
                ++rows;
                bytes += e.ts.size() + (e.text ? e.text->size() : 0);
            });
            return rows;
        });
        time_query("as a list", [&] { return s.list_timeline(1).size(); });
        if (bytes == 0) std::fprintf(stderr, "warning: nothing read\n");
    }
    fs::remove_all(dir);
    return 0;
}

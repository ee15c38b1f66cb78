// bench_search: `incident-bot search` / `/incident search` latency over a large history:
// INCIDENTS incidents of MESSAGES messages each (default 1,000 x 1,000), indexed as the bot
// indexes them, then QUERIES searches of one to three words drawn like real ones (rare,
// medium and common words of a Zipf-distributed vocabulary). Prints p50/p99/max per kind of
// query and overall, in milliseconds; the target is p99 < 50 ms.
//
// usage: bench_search [INCIDENTS] [MESSAGES] [QUERIES] [DB]
//   DB: keep the generated database at this path and reuse it on the next run (generation
//   takes most of the time).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench_stats.hpp"
#include "incident_bot/store/store.hpp"

namespace {

using namespace incident_bot;
using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

// A made-up but pronounceable vocabulary: word i is the same on every run.
std::vector<std::string> make_vocabulary(std::size_t n) {
    static const char* syllables[] = {"ka", "lo", "re", "mi", "tu", "san", "dor", "vel",
                                      "pi", "qua", "zen", "tro", "mu", "fal", "ser", "nik"};
    std::vector<std::string> words;
    for (std::size_t i = 0; i < n; ++i) {
        std::string w;
        std::size_t x = i + 17;
        for (int s = 0; s < 3; ++s, x /= 16) w += syllables[x % 16];
        w += std::to_string(i % 97);
        words.push_back(w);
    }
    return words;
}

struct zipf {
    explicit zipf(std::size_t n) {
        double sum = 0;
        for (std::size_t i = 1; i <= n; ++i) cdf.push_back(sum += 1.0 / static_cast<double>(i));
        for (auto& c : cdf) c /= sum;
    }
    std::size_t operator()(std::mt19937_64& rng) const {
        const double u = std::uniform_real_distribution<double>(0, 1)(rng);
        return static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
    }
    std::vector<double> cdf;
};

void generate(store& s,
              std::size_t incidents,
              std::size_t messages,
              const std::vector<std::string>& vocabulary) {
    const zipf pick(vocabulary.size());
    std::mt19937_64 rng(42);
    const auto start = clock_type::now();
    for (std::size_t i = 0; i < incidents; ++i) {
        transaction tx(s);
        new_incident n;
        n.title = vocabulary[pick(rng)] + " " + vocabulary[pick(rng)] + " errors";
        n.severity = 1 + static_cast<int>(i % 4);
        n.channel = "C" + std::to_string(i);
        n.status = incident_status::resolved;
        n.declared_at = unix_time(std::chrono::seconds(1'700'000'000 + i * 86'400));
        const auto id = s.create_incident(n).id;
        timeline_entry e;
        e.incident_id = id;
        for (std::size_t m = 0; m < messages; ++m) {
            char ts[32];
            std::snprintf(ts, sizeof ts, "%010zu.%06zu", 1'700'000'000 + i * 86'400 + m, m);
            e.ts = ts;
            e.user = "U" + std::to_string(m % 23);
            std::string text;
            for (int w = 0; w < 12; ++w) text += (w ? " " : "") + vocabulary[pick(rng)];
            e.text = std::move(text);
            s.add_entry(e);
        }
        tx.commit();
        // The bot indexes between batches; do the same so no single call does it all.
        while (s.index_pending(50'000) == 50'000) {
        }
        if ((i + 1) % 100 == 0)
            std::fprintf(stderr, "  %zu incidents, %.0f s\n", i + 1,
                         std::chrono::duration<double>(clock_type::now() - start).count());
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t incidents = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000;
    const std::size_t messages = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000;
    const std::size_t queries = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 300;
    const bool keep = argc > 4;
    const fs::path path = keep ? fs::path(argv[4])
                               : fs::temp_directory_path() /
                                     ("bench_search-" + std::to_string(std::random_device{}()) +
                                      ".db");
    const auto vocabulary = make_vocabulary(20'000);
    store_options o;
    o.sync_every_commit = false;
    {
        store s(path.string(), open_mode::read_write, o);
        if (s.list_incidents().size() != incidents) {
            std::printf("generating %zu incidents x %zu messages into %s\n", incidents, messages,
                        path.c_str());
            const auto t0 = clock_type::now();
            generate(s, incidents, messages, vocabulary);
            std::printf("generated in %.1f s\n",
                        std::chrono::duration<double>(clock_type::now() - t0).count());
        }
    }
    // As the CLI searches: a read-only store beside the file.
    store s(path.string(), open_mode::read_only);
    std::mt19937_64 rng(7);
    struct kind {
        const char* name;
        std::size_t from, to;  // vocabulary rank range the words are drawn from
        int words;
        std::vector<double> ms;
    };
    std::vector<kind> kinds = {{"rare word (rank 5k-20k)", 5'000, 20'000, 1, {}},
                               {"medium word (rank 200-2k)", 200, 2'000, 1, {}},
                               {"two medium words", 200, 2'000, 2, {}},
                               {"three words, one common", 20, 2'000, 3, {}},
                               {"common word (rank 10-50)", 10, 50, 1, {}}};
    std::vector<double> all;
    std::size_t found = 0;
    for (std::size_t q = 0; q < queries; ++q) {
        auto& k = kinds[q % kinds.size()];
        std::string text;
        for (int w = 0; w < k.words; ++w)
            text += (w ? " " : "") +
                    vocabulary[std::uniform_int_distribution<std::size_t>(k.from, k.to - 1)(rng)];
        search_filter f;
        f.limit = 10;
        const auto t0 = clock_type::now();
        const auto hits = s.search_hits(text, f);
        const double ms = std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
        found += !hits.empty();
        k.ms.push_back(ms);
        all.push_back(ms);
    }
    std::printf("%zu incidents x %zu messages, %zu queries (%zu found something)\n", incidents,
                messages, queries, found);
    std::printf("%-28s %8s %8s %8s\n", "query", "p50 ms", "p99 ms", "max ms");
    for (const auto& k : kinds)
        std::printf("%-28s %8.2f %8.2f %8.2f\n", k.name, percentile(k.ms, 0.5),
                    percentile(k.ms, 0.99), percentile(k.ms, 1));
    std::printf("%-28s %8.2f %8.2f %8.2f   (target p99 < 50 ms)\n", "all", percentile(all, 0.5),
                percentile(all, 0.99), percentile(all, 1));
    if (!keep)
        for (const char* suffix : {"", "-wal", "-shm"})
            fs::remove(path.string() + suffix);
    return 0;
}

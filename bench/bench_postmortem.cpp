// Post-mortem draft generation for an incident with 10,000 messages (target: under 100 ms),
// on a real SQLite file in a temp dir: read, condense, metrics, related search, blameless
// review and Block Kit split. Prints the median of several runs in wall-clock milliseconds.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "incident_bot/postmortem/draft.hpp"

int main() {
    using namespace incident_bot;
    namespace fs = std::filesystem;
    const auto dir = fs::temp_directory_path() / ("bench-postmortem-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    double median_ms = 0;
    std::size_t parts = 0, bytes = 0;
    {
        store s((dir / "bench.db").string());
        for (int k = 0; k < 50; ++k) {
            new_incident old;
            old.title =
                "Past incident " + std::to_string(k) + (k % 5 ? " cache" : " checkout gateway");
            old.channel = "COLD" + std::to_string(k);
            s.set_status(s.create_incident(old).id, incident_status::resolved);
        }
        new_incident n;
        n.title = "Checkout gateway timeouts in EU";
        n.severity = 1;
        n.channel = "C1";
        const auto id = s.create_incident(n).id;
        {
            transaction tx(s);
            const long long base = 1'793'000'000;
            for (int i = 0; i < 10'000; ++i) {
                timeline_entry e;
                e.incident_id = id;
                e.ts = *canonical_ts(std::to_string(base + i) + ".000100");
                e.user = "U" + std::to_string(i % 40);
                e.text = "update " + std::to_string(i) +
                         ": looking at the gateway dashboards, p99 still high in eu-west";
                const auto row = s.add_entry(e);
                if (i % 100 == 0) s.set_pinned(*row, true);
            }
            s.add_note(id, "U1", "rolled back gateway config");
            tx.commit();
        }
        s.set_status(id, incident_status::resolved, "U1");
        const auto rules = rule_set::load_default();
        std::vector<double> runs;
        for (int r = 0; r < 15; ++r) {
            const auto start = std::chrono::steady_clock::now();
            const auto d = generate_draft(s, id, &rules);
            const auto messages = to_block_kit_messages(d->markdown, "C1", "Post-mortem draft");
            const auto end = std::chrono::steady_clock::now();
            runs.push_back(std::chrono::duration<double, std::milli>(end - start).count());
            parts = messages.size();
            bytes = d->markdown.size();
        }
        std::sort(runs.begin(), runs.end());
        median_ms = runs[runs.size() / 2];
    }
    fs::remove_all(dir);
    std::printf(
        "bench_postmortem: 10000 messages, draft %zu bytes in %zu message(s): median "
        "%.2f ms (target < 100 ms)\n",
        bytes,
        parts,
        median_ms);
    return median_ms < 100 ? 0 : 1;
}

// bench_home: time to build a person's App Home (issue 18) from a store with many open action
// items, as the bot does on `app_home_opened` before views.publish: the store reads and the
// view. Target: under 300 ms with 1,000 open items. Prints the median and the worst of
// several runs, per filter, and the view's size.
//
// usage: bench_home [OPEN_ITEMS] [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "bench_stats.hpp"
#include "incident_bot/commands/home.hpp"

int main(int argc, char** argv) {
    using namespace incident_bot;
    using namespace std::chrono;
    namespace fs = std::filesystem;
    const int items = argc > 1 ? std::atoi(argv[1]) : 1000;
    const int runs = argc > 2 ? std::atoi(argv[2]) : 20;
    const auto dir = fs::temp_directory_path() / ("bench-home-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    {
        store s((dir / "bench.db").string());
        const auto today = floor<days>(s.now());
        {
            transaction tx(s);
            // 50 incidents, a tenth of them private, with timelines people wrote in.
            for (int k = 0; k < 50; ++k) {
                new_incident n;
                n.title = "Checkout gateway timeouts, region " + std::to_string(k);
                n.channel = "C" + std::to_string(k);
                n.commander = "U" + std::to_string(k % 30);
                n.is_private = k % 10 == 0;
                const auto id = s.create_incident(n).id;
                for (int i = 0; i < 200; ++i) {
                    timeline_entry e;
                    e.incident_id = id;
                    e.ts = *canonical_ts(std::to_string(1'793'000'000 + k * 1000 + i) + ".000100");
                    e.user = "U" + std::to_string(i % 40);
                    e.text = "looking at the gateway dashboards";
                    s.add_entry(e);
                }
            }
            for (int i = 0; i < items; ++i) {
                action_item a;
                a.incident_id = 1 + i % 50;
                a.text = "Follow-up " + std::to_string(i) +
                         ": add an alert on gateway p99 and a runbook link for it";
                a.owner = "U" + std::to_string(i % 30);
                a.due = today + days(i % 40 - 10);
                s.add_action_item(a);
            }
            tx.commit();
        }
        const commands_config cfg;
        std::printf("bench_home: %d open action items in 50 incidents, %d runs per view\n", items,
                    runs);
        for (const auto f : {home_filter::open, home_filter::overdue, home_filter::mine,
                             home_filter::all}) {
            std::vector<double> ms;
            std::size_t blocks = 0, bytes = 0;
            for (int r = 0; r < runs; ++r) {
                const auto start = steady_clock::now();
                const auto view = build_home_view(s, cfg, {"U7", f, home_grouping::incident, today, ""});
                ms.push_back(duration<double, std::milli>(steady_clock::now() - start).count());
                blocks = view["blocks"].size();
                bytes = view.dump().size();
                if (!block_kit_problems(view).empty()) {
                    std::printf("view breaks Block Kit: %s\n", block_kit_problems(view).front().c_str());
                    return 1;
                }
            }
            std::printf("  filter %-8s median %7.2f ms  worst %7.2f ms  %3zu blocks  %6zu bytes\n",
                        std::string(to_string(f)).c_str(), percentile(ms, 0.5), percentile(ms, 1.0),
                        blocks, bytes);
        }
    }
    fs::remove_all(dir);
    return 0;
}

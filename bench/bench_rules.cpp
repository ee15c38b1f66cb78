// Detector throughput on one core: the corpus lines, padded or cut to about 100 characters,
// classified repeatedly; prints the median of several runs in messages/s and MB/s, then the
// clean and the flagged lines on their own (most channel traffic is clean, and a flagged
// line costs several clean ones). Time is this thread's CPU time, so other work on a shared
// machine does not skew the figure.
// Usage: bench_rules [source dir] [passes per run]; a small pass count suits callgrind.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "incident_bot/rules/engine.hpp"

#ifndef INCIDENT_BOT_SOURCE_DIR
#define INCIDENT_BOT_SOURCE_DIR "."
#endif

namespace {

double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Corpus texts (third TSV column), each brought to ~100 bytes: short lines get a neutral
// incident-channel tail so the mix of blame and clean text is kept.
std::vector<std::string> load_messages(const std::string& path) {
    std::vector<std::string> out;
    std::ifstream in(path);
    std::string line;
    const std::string tail = " - checking the dashboards for the api pods in us-east-1 now, brb";
    while (std::getline(in, line)) {
        if (line.empty() || line.front() == '#') continue;
        auto t2 = line.find('\t', line.find('\t') + 1);
        if (t2 == std::string::npos) continue;
        std::string text = line.substr(t2 + 1);
        while (text.size() < 100) text += tail.substr(0, 100 - text.size());
        out.push_back(text.substr(0, 110));
    }
    return out;
}

constexpr int runs = 7;

// The median over `runs` runs of the time `passes` scans of every message take; `flagged`
// gets the number of messages with findings in one pass.
double median_seconds(const incident_bot::rule_set& rules,
                      const std::vector<std::string>& messages,
                      int passes,
                      std::size_t& flagged) {
    std::vector<double> seconds;
    for (int r = 0; r < runs; ++r) {
        flagged = 0;
        const double start = thread_seconds();
        for (int p = 0; p < passes; ++p)
            for (const auto& m : messages) flagged += rules.scan(m).empty() ? 0 : 1;
        seconds.push_back(thread_seconds() - start);
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[runs / 2];
}

}  // namespace

int main(int argc, char** argv) {
    const std::string root = argc > 1 ? argv[1] : INCIDENT_BOT_SOURCE_DIR;
    const auto rules = incident_bot::rule_set::load_file(root + "/config/rules.json");
    const auto messages = load_messages(root + "/tests/data/blame_corpus.tsv");
    if (messages.empty()) {
        std::fprintf(stderr, "bench_rules: no corpus under %s\n", root.c_str());
        return 2;
    }
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.size();

    const int passes = argc > 2 ? std::max(1, std::atoi(argv[2])) : 200;
    std::size_t flagged = 0;
    const double median = median_seconds(rules, messages, passes, flagged);
    const double count = static_cast<double>(messages.size()) * passes;
    std::printf("bench_rules: %zu messages (avg %.0f bytes), %d passes, median of %d runs\n",
                messages.size(), static_cast<double>(bytes) / messages.size(), passes, runs);
    std::printf("  %.0f messages/s, %.1f MB/s, %.2f us/message, %zu flagged per pass\n",
                count / median, static_cast<double>(bytes) * passes / median / 1e6,
                median / count * 1e6, flagged / passes);

    std::vector<std::string> subsets[2];  // clean, flagged
    for (const auto& m : messages) subsets[rules.scan(m).empty() ? 0 : 1].push_back(m);
    for (int k = 0; k < 2; ++k) {
        if (subsets[k].empty()) continue;
        std::size_t ignored = 0;
        const double s = median_seconds(rules, subsets[k], passes, ignored);
        const double n = static_cast<double>(subsets[k].size()) * passes;
        std::printf("  %s lines: %.0f messages/s, %.2f us/message (%zu lines)\n",
                    k == 0 ? "clean" : "flagged", n / s, s / n * 1e6, subsets[k].size());
    }
    return 0;
}

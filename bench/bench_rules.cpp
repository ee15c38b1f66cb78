// Detector throughput on one core: the training corpus's lines, padded or cut to about 100
// characters, classified repeatedly by the rules alone and by the rules plus the built-in
// model (what `lint` and the bot run); prints the median of several runs in messages/s and
// MB/s, then the clean and the flagged lines on their own (most channel traffic is clean,
// and a flagged line costs several clean ones). Time is this thread's CPU time, so other work on a shared
// machine does not skew the figure.
// Usage: bench_rules [source dir] [passes per run]; a small pass count suits callgrind.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "incident_bot/rules/detector.hpp"

#ifndef INCIDENT_BOT_SOURCE_DIR
#define INCIDENT_BOT_SOURCE_DIR "."
#endif

namespace {

double thread_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Corpus texts, each brought to ~100 bytes: short lines get a neutral incident-channel tail
// so the mix of blame and clean text is kept.
std::vector<std::string> load_messages(const std::string& path) {
    std::vector<std::string> out;
    const std::string tail = " - checking the dashboards for the api pods in us-east-1 now, brb";
    for (const auto& l : incident_bot::read_corpus({path})) {
        std::string text = l.text;
        while (text.size() < 100) text += tail.substr(0, 100 - text.size());
        out.push_back(text.substr(0, 110));
    }
    return out;
}

constexpr int runs = 7;

// The median over `runs` runs of the time `passes` scans of every message take; `flagged`
// gets the number of messages with findings in one pass.
double median_seconds(const incident_bot::blame_detector& detector,
                      const std::vector<std::string>& messages,
                      int passes,
                      std::size_t& flagged) {
    std::vector<double> seconds;
    for (int r = 0; r < runs; ++r) {
        flagged = 0;
        const double start = thread_seconds();
        for (int p = 0; p < passes; ++p)
            for (const auto& m : messages) flagged += detector.scan(m).empty() ? 0 : 1;
        seconds.push_back(thread_seconds() - start);
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[runs / 2];
}

void report(const char* name,
            const incident_bot::blame_detector& detector,
            const std::vector<std::string>& messages,
            int passes) {
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.size();
    std::size_t flagged = 0;
    const double median = median_seconds(detector, messages, passes, flagged);
    const double count = static_cast<double>(messages.size()) * passes;
    std::printf("%s: %.0f messages/s, %.1f MB/s, %.2f us/message, %zu flagged per pass\n", name,
                count / median, static_cast<double>(bytes) * passes / median / 1e6,
                median / count * 1e6, flagged / passes);

    std::vector<std::string> subsets[2];  // clean, flagged
    for (const auto& m : messages) subsets[detector.scan(m).empty() ? 0 : 1].push_back(m);
    for (int k = 0; k < 2; ++k) {
        if (subsets[k].empty()) continue;
        std::size_t ignored = 0;
        const double s = median_seconds(detector, subsets[k], passes, ignored);
        const double n = static_cast<double>(subsets[k].size()) * passes;
        std::printf("  %s lines: %.0f messages/s, %.2f us/message (%zu lines)\n",
                    k == 0 ? "clean" : "flagged", n / s, s / n * 1e6, subsets[k].size());
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace incident_bot;
    const std::string root = argc > 1 ? argv[1] : INCIDENT_BOT_SOURCE_DIR;
    const auto rules = rule_set::load_file(root + "/config/rules.json");
    const auto messages = load_messages(root + "/config/corpus/train");
    std::size_t bytes = 0;
    for (const auto& m : messages) bytes += m.size();
    const int passes = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
    std::printf("bench_rules: %zu messages (avg %.0f bytes), %d passes, median of %d runs\n",
                messages.size(), static_cast<double>(bytes) / messages.size(), passes, runs);
    report("rules", blame_detector(rules), messages, passes);
    if (auto model = blame_model::load_builtin())
        report("rules + model", blame_detector(rules, model), messages, passes);
    else
        std::printf("rules + model: this build has no model\n");
    return 0;
}

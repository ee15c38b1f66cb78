// Whole-bot load: the real `incident-bot run` process (TLS, a real SQLite file, the rules,
// the nudge path) against the in-process fake Slack, with an open incident in the channel so
// every message is really stored. Each event is a realistic ~1.2 KB `message` envelope with
// rich-text blocks, serialised before the clock starts (Slack does that on its machines).
//
// Two phases, each measured from outside the bot's process:
//  - paced: RATE events/s for SECONDS; the bot's CPU per event (utime + stime from
//    /proc/PID/stat, delta over the phase), its RSS, context switches per event (wake-ups),
//    ack latency p50/p99/max, and the CPU split by thread;
//  - full speed on one connection: FULL_EVENTS events sent as fast as acks allow, at most
//    WINDOW unacked; events/s acked, CPU per event, ack p50/p99;
//  - nudges: NUDGES blaming messages one at a time, each from someone new (the throttle
//    allows one nudge per person and kind), no rule matching them, so the model decides;
//    latency from sending the event to the fake Slack receiving chat.postEphemeral.
// Then the bot is stopped (SIGTERM) and the database checked: every event must be acked once
// and stored once. The exit status is non-zero when one is lost or stored twice.
//
//   bench_net_bot_load [SECONDS=10] [RATE=1000] [FULL_EVENTS=60000] [WINDOW=2000] [NUDGES=200]
//
// RATE=0 skips the paced phase, FULL_EVENTS=0 the full-speed one. The fake Slack's own CPU
// (this process) is printed too, so a reader can tell when the generator is the limit: both
// share the machine's cores.
//
// Profiling hooks (environment):
//   INCIDENT_BOT_BENCH_CHILD_PREFIX="valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.%p"
//       runs the bot under a tool (split on spaces, found on PATH);
//   INCIDENT_BOT_BENCH_ATTACH="perf record -g -o /tmp/bot.perf -p {pid}" (or "strace -c -f -p
//       {pid}") starts a command when a phase's clock starts ({pid} is the bot's) and sends it
//       SIGINT when the phase ends; INCIDENT_BOT_BENCH_ATTACH_TO=paced|full picks the phase
//       (default paced);
//   INCIDENT_BOT_CONFIG=FILE passes a config file to the bot (e.g. to try other
//       store.commit_linger_us values).
//
// Baseline (issue 15 compares the bot with a Bolt-JS app that stores nothing):
//   INCIDENT_BOT_BENCH_BASELINE="node bench/bolt-baseline/app.js" runs that command (split on
//       spaces, found on PATH, from the directory the bench runs in) instead of the bot, with
//       the bot's environment plus NODE_EXTRA_CA_CERTS naming the fake's CA; the bot's own
//       arguments follow and are ignored. The same paced and full-speed phases run, labelled
//       "baseline"; no incident is declared, and the nudges and the database checks are
//       skipped (nothing is stored), but every event must still be acked once. See
//       bench/bolt-baseline/README.md.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/resource.h>

#include "bench_stats.hpp"
#include "child_process.hpp"
#include "incident_bot/store/store.hpp"

using namespace incident_bot;
using namespace incident_bot::testing;
using json = nlohmann::json;

namespace {

constexpr const char* channel = "C0INC";

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::vector<std::string> split_words(const std::string& s) {
    std::istringstream in(s);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

json load_fixture(const std::string& name) {
    const std::string path = std::string(INCIDENT_BOT_SOURCE_DIR) + "/tests/data/fixtures/" + name;
    std::ifstream in(path);
    if (!in) throw std::runtime_error("missing fixture " + path);
    return json::parse(in);
}

std::string event_ts(int i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d.%06d", 1797000000 + i / 1000000, i % 1000000);
    return buf;
}

json text_el(std::string t, bool bold = false) {
    json e = {{"type", "text"}, {"text", std::move(t)}};
    if (bold) e["style"] = {{"bold", true}};
    return e;
}

// The events_api payload of message `i`: Slack's own fixture with the incident channel, a
// unique event_id and ts, and the rich-text blocks a person's message carries (a mention, a
// link, bold text). One message in 100 is blaming, so the rules
// match and the nudge path runs now and then, as in a real incident channel.
json message_callback(const json& fixture, int i) {
    const std::string user = "U" + std::to_string(1000 + i % 50);
    const std::string n = std::to_string(i);
    const bool blaming = i % 100 == 99;
    const std::string lead = blaming ? "who broke prod again?? this is the third time this week"
                                     : "update " + n + ": checkout error rate is falling";
    const std::string text = "<@U0ANA> " + lead +
                             " after the rollback of <https://deploy.example.com/r/4821|deploy "
                             "4821>; p99 is *310 ms* again.";
    json p = fixture["payload"];
    p["event_id"] = "EvLoad" + n;
    p["event_time"] = 1797000000 + i / 1000000;
    p["event_context"] = "1-message-T111-" + std::string(channel);
    json& e = p["event"];
    e["client_msg_id"] = "f0582a78-72db-4feb-b2f3-" + std::string(12 - std::min<std::size_t>(12, n.size()), '0') + n;
    e["text"] = text;
    e["user"] = user;
    e["ts"] = event_ts(i);
    e["event_ts"] = event_ts(i);
    e["channel"] = channel;
    json section = {{"type", "rich_text_section"},
                    {"elements",
                     {{{"type", "user"}, {"user_id", "U0ANA"}},
                      text_el(" " + lead + " after the rollback of "),
                      {{"type", "link"}, {"url", "https://deploy.example.com/r/4821"}, {"text", "deploy 4821"}},
                      text_el("; p99 is "),
                      text_el("310 ms", true),
                      text_el(" again.")}}};
    e["blocks"] = json::array({{{"type", "rich_text"}, {"block_id", "rt" + n}, {"elements", {section}}}});
    return p;
}

std::vector<fake_slack::prepared_envelope> prepare(fake_slack& fake, const json& fixture, int first, int count,
                                                   std::vector<std::size_t>* sizes = nullptr) {
    std::vector<fake_slack::prepared_envelope> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int i = first; i < first + count; ++i) {
        auto e = fake.prepare_envelope("events_api", message_callback(fixture, i));
        if (sizes) sizes->push_back(e.text.size());
        // The fake keeps the payload only to name the acked event; keep just that, so a
        // hundred thousand prepared envelopes stay small.
        e.payload = json{{"event_id", e.payload["event_id"]}};
        out.push_back(std::move(e));
    }
    return out;
}

// ---- /proc readings --------------------------------------------------------------------------

const double tick_s = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));

// utime and stime (seconds) from a /proc/.../stat line; the comm field may hold spaces.
std::pair<double, double> stat_times(const std::string& path, std::string* comm = nullptr) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    const auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) return {0, 0};
    if (comm) *comm = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    std::vector<std::string> f;
    for (std::string w; rest >> w;) f.push_back(w);
    if (f.size() < 13) return {0, 0};
    // Fields 14 and 15 of proc(5); the first after the comm is field 3.
    return {std::stod(f[11]) * tick_s, std::stod(f[12]) * tick_s};
}

long status_field(const std::string& path, const std::string& key) {
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (line.starts_with(key)) return std::stol(line.substr(key.size()));
    return 0;
}

// On-CPU nanoseconds of a task (first field of schedstat): finer than the 10 ms ticks.
double schedstat_s(const std::string& dir) {
    std::ifstream in(dir + "/schedstat");
    double ns = 0;
    in >> ns;
    return ns / 1e9;
}

struct thread_sample {
    std::string comm;
    double user = 0, sys = 0, run = 0;
    long voluntary = 0, involuntary = 0;
};

struct cpu_sample {
    double user = 0, sys = 0;  // the whole process, threads that ended included
    std::map<int, thread_sample> threads;
    long voluntary() const {
        long n = 0;
        for (const auto& [tid, t] : threads) n += t.voluntary;
        return n;
    }
    long involuntary() const {
        long n = 0;
        for (const auto& [tid, t] : threads) n += t.involuntary;
        return n;
    }
};

cpu_sample sample(pid_t pid) {
    cpu_sample s;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::tie(s.user, s.sys) = stat_times(dir + "/stat");
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator(dir + "/task", ec)) {
        const std::string t = task.path().string();
        thread_sample ts;
        std::tie(ts.user, ts.sys) = stat_times(t + "/stat", &ts.comm);
        ts.run = schedstat_s(t);
        ts.voluntary = status_field(t + "/status", "voluntary_ctxt_switches:");
        ts.involuntary = status_field(t + "/status", "nonvoluntary_ctxt_switches:");
        s.threads[std::stoi(task.path().filename().string())] = ts;
    }
    return s;
}

double self_cpu_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- a profiler attached for one phase ---------------------------------------------------------

class attached_tool {
public:
    attached_tool(const std::string& command, pid_t bot) {
        if (command.empty()) return;
        std::string cmd = command;
        for (auto at = cmd.find("{pid}"); at != std::string::npos; at = cmd.find("{pid}"))
            cmd.replace(at, 5, std::to_string(bot));
        std::string line = "exec " + cmd;
        const char* argv[] = {"/bin/sh", "-c", line.c_str(), nullptr};
        if (posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) {
            pid_ = -1;
            return;
        }
        std::fprintf(stderr, "bench_net_bot_load: attached `%s` (pid %d)\n", cmd.c_str(), pid_);
        // perf and strace need a moment to attach to every thread before the clock starts.
        std::this_thread::sleep_for(700ms);
    }
    ~attached_tool() {
        if (pid_ <= 0) return;
        kill(pid_, SIGINT);
        waitpid(pid_, nullptr, 0);
    }

private:
    pid_t pid_ = -1;
};

struct phase_figures {
    int events = 0;
    double seconds = 0;
    double bot_us = 0, user_us = 0, sys_us = 0, fake_us = 0;
    double voluntary = 0, involuntary = 0;
    std::vector<double> latency_ms;
    bool all_acked = false;
};

void print_threads(const char* phase, const cpu_sample& a, const cpu_sample& b, pid_t pid, int events) {
    std::vector<std::pair<double, std::string>> rows;
    for (const auto& [tid, t] : b.threads) {
        thread_sample before;
        if (auto it = a.threads.find(tid); it != a.threads.end()) before = it->second;
        const double run = (t.run - before.run) * 1e6 / events;
        if (run < 0.05) continue;
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "%s thread %d (%s%s): %.1f us/event on CPU (user %.1f, sys %.1f), "
                      "%.2f voluntary + %.2f involuntary switches/event",
                      phase, tid, t.comm.c_str(), tid == pid ? ", main: network" : "", run,
                      (t.user - before.user) * 1e6 / events, (t.sys - before.sys) * 1e6 / events,
                      static_cast<double>(t.voluntary - before.voluntary) / events,
                      static_cast<double>(t.involuntary - before.involuntary) / events);
        rows.emplace_back(run, buf);
    }
    std::sort(rows.rbegin(), rows.rend());
    for (const auto& [run, line] : rows) std::printf("%s\n", line.c_str());
}

// The cost lines of a phase: CPU, wake-ups, ack latency, memory, and the fake's own CPU.
void print_costs(const char* phase, const phase_figures& f, std::pair<long, long> rss_peak_kib) {
    std::printf("%s: bot CPU %.1f us/event (user %.1f, sys %.1f); %.2f voluntary + %.2f involuntary "
                "context switches/event\n",
                phase, f.bot_us, f.user_us, f.sys_us, f.voluntary, f.involuntary);
    std::printf("%s: ack latency p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", phase,
                percentile(f.latency_ms, 0.5), percentile(f.latency_ms, 0.99), percentile(f.latency_ms, 1.0));
    std::printf("%s: bot RSS %.1f MB (VmRSS), peak %.1f MB (VmHWM); fake Slack CPU %.1f us/event\n", phase,
                static_cast<double>(rss_peak_kib.first) / 1024, static_cast<double>(rss_peak_kib.second) / 1024,
                f.fake_us);
    std::fflush(stdout);
}

// Sends `envs` (paced at `rate`/s, or as fast as a window of `window` unacked allows when
// rate is 0), waits for every ack and measures.
phase_figures run_phase(const char* name, fake_slack& fake, pid_t bot,
                        std::vector<fake_slack::prepared_envelope> envs, int rate, std::size_t window,
                        const std::string& attach) {
    phase_figures f;
    f.events = static_cast<int>(envs.size());
    const std::size_t base = fake.acks().size();
    std::optional<attached_tool> tool;
    tool.emplace(attach, bot);
    const auto cpu0 = sample(bot);
    const double fake0 = self_cpu_s();
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < envs.size(); ++i) {
        if (rate > 0) {
            std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * static_cast<long long>(i) / rate));
        } else if (i >= window) {
            fake.wait_for_acks(base + i - window + 1, 60s);
        }
        fake.send_prepared(std::move(envs[i]), 0);
    }
    f.all_acked = fake.wait_for_acks(base + envs.size(), 120s);
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double fake1 = self_cpu_s();
    const auto cpu1 = sample(bot);
    tool.reset();
    const double n = f.events;
    f.user_us = (cpu1.user - cpu0.user) * 1e6 / n;
    f.sys_us = (cpu1.sys - cpu0.sys) * 1e6 / n;
    f.bot_us = f.user_us + f.sys_us;
    f.fake_us = (fake1 - fake0) * 1e6 / n;
    f.voluntary = static_cast<double>(cpu1.voluntary() - cpu0.voluntary()) / n;
    f.involuntary = static_cast<double>(cpu1.involuntary() - cpu0.involuntary()) / n;
    const auto acks = fake.acks();
    for (std::size_t i = base; i < acks.size(); ++i) f.latency_ms.push_back(acks[i].latency_ms);
    print_threads(name, cpu0, cpu1, bot, f.events);
    return f;
}

}  // namespace

int main(int argc, char** argv) {
    const int seconds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 10;
    const int rate = argc > 2 ? std::max(0, std::atoi(argv[2])) : 1000;
    const int full_events = argc > 3 ? std::max(0, std::atoi(argv[3])) : 60000;
    const auto window = static_cast<std::size_t>(argc > 4 ? std::max(1, std::atoi(argv[4])) : 2000);
    const std::string baseline = env_or("INCIDENT_BOT_BENCH_BASELINE", "");
    // A baseline stores nothing and nudges no one: only the ack path is compared.
    const int nudges = !baseline.empty() ? 0 : argc > 5 ? std::max(0, std::atoi(argv[5])) : 200;
    const std::string attach = env_or("INCIDENT_BOT_BENCH_ATTACH", "");
    const std::string attach_to = env_or("INCIDENT_BOT_BENCH_ATTACH_TO", "paced");
    const json fixture = load_fixture("sm_events_api_message.json");

    fake_slack fake;  // no redelivery: an event not acked the first time counts as lost
    const auto db = temp_path("ib-bot-load.db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    auto env = slack_env(fake, "xapp-1-A0001-test", db);
    env.push_back("INCIDENT_BOT_CONNECTIONS=1");
    env.push_back("INCIDENT_BOT_LOG_LEVEL=warn");
    // Settings to try (e.g. store.commit_linger_us) come from a config file of the caller's.
    if (const auto file = env_or("INCIDENT_BOT_CONFIG", ""); !file.empty())
        env.push_back("INCIDENT_BOT_CONFIG=" + file);
    // The baseline runs where the bot would, after any tool prefix; Node trusts the fake's CA
    // through NODE_EXTRA_CA_CERTS, as the bot does through INCIDENT_BOT_CA_FILE.
    auto command = split_words(env_or("INCIDENT_BOT_BENCH_CHILD_PREFIX", ""));
    if (!baseline.empty()) {
        const auto words = split_words(baseline);
        command.insert(command.end(), words.begin(), words.end());
        env.push_back("NODE_EXTRA_CA_CERTS=" + fake.ca_file());
    }
    const std::string label = baseline.empty() ? "" : "baseline ";
    process bot({"run"}, env, {}, command);
    if (!fake.wait_for_connections(1, 120s)) {  // long enough for valgrind
        std::fprintf(stderr,
                     "bench_net_bot_load: the %s did not connect\n",
                     baseline.empty() ? "bot" : "baseline");
        std::fprintf(stderr, "%s", bot.finish(1s).second.c_str());
        return 1;
    }
    const json declare = {{"command", "/incident"},   {"text", "declare sev2 Load test"},
                          {"user_id", "U0ANA"},       {"channel_id", channel},
                          {"team_id", "T111"},        {"response_url", "https://hooks.invalid/x"}};
    if (baseline.empty() &&
        !fake.wait_for_ack(fake.send_envelope("slash_commands", declare), 60s)) {
        std::fprintf(stderr, "bench_net_bot_load: the declare command was not acked\n");
        return 1;
    }

    // Warm-up (not measured): the page cache, SQLite's, the allocator and the TLS session.
    int next = 0;
    std::vector<std::size_t> sizes;
    const int warmup = 1000;
    {
        auto envs = prepare(fake, fixture, next, warmup, &sizes);
        next += warmup;
        const std::size_t base = fake.acks().size();
        for (auto& e : envs) {
            fake.send_prepared(std::move(e), 0);
            std::this_thread::sleep_for(500us);
        }
        if (!fake.wait_for_acks(base + warmup, 120s)) std::fprintf(stderr, "bench_net_bot_load: warm-up not acked\n");
    }
    const double envelope_bytes = percentile(std::vector<double>(sizes.begin(), sizes.end()), 0.5);
    if (baseline.empty())
        std::printf(
            "bot_load: real incident-bot over TLS, 1 connection, SQLite file, open incident; "
            "envelope %.0f bytes (median)\n",
            envelope_bytes);
    else
        std::printf(
            "bot_load: BASELINE `%s` in place of the bot (stores nothing; \"bot\" below "
            "means it) over TLS, 1 connection; envelope %.0f bytes (median)\n",
            baseline.c_str(),
            envelope_bytes);
    std::fflush(stdout);

    // Sends `count` events at `phase_rate` (0: as fast as the window allows), measured as
    // the phase `name` (also what INCIDENT_BOT_BENCH_ATTACH_TO picks).
    auto run_named_phase = [&](const std::string& name, int count, int phase_rate) {
        auto envs = prepare(fake, fixture, next, count);
        next += count;
        return run_phase((label + name).c_str(),
                         fake,
                         bot.pid,
                         std::move(envs),
                         phase_rate,
                         window,
                         attach_to == name ? attach : std::string());
    };
    if (rate > 0) {
        const std::string phase = label + "paced";
        const auto f = run_named_phase("paced", seconds * rate, rate);
        std::printf("%s: %d events/s for %d s: %d events in %.2f s%s\n",
                    phase.c_str(),
                    rate,
                    seconds,
                    f.events,
                    f.seconds,
                    f.all_acked ? "" : " (NOT ALL ACKED)");
        print_costs(phase.c_str(), f, bot.rss_kib());
    }
    if (full_events > 0) {
        const std::string phase = label + "full";
        const auto f = run_named_phase("full", full_events, 0);
        std::printf("%s: %d events, window %zu unacked: %.0f events/s acked in %.2f s%s\n",
                    phase.c_str(),
                    f.events,
                    window,
                    f.events / f.seconds,
                    f.seconds,
                    f.all_acked ? "" : " (NOT ALL ACKED)");
        print_costs(phase.c_str(), f, bot.rss_kib());
    }

    if (nudges > 0) {
        std::vector<double> ms;
        int missing = 0;
        for (int k = 0; k < nudges; ++k, ++next) {
            json p = message_callback(fixture, next);
            p["event"]["user"] = "UNUDGE" + std::to_string(k);
            p["event"]["text"] = "great, another friday deploy from the platform folks";
            const std::size_t before = fake.requests("chat.postEphemeral").size();
            const auto start = std::chrono::steady_clock::now();
            fake.send_envelope("events_api", std::move(p));
            if (!fake.wait_for_requests("chat.postEphemeral", before + 1, 5s)) {
                ++missing;
                continue;
            }
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
        }
        std::printf("nudges: %d blaming messages, %d nudged privately: event to chat.postEphemeral "
                    "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                    nudges, nudges - missing, percentile(ms, 0.5), percentile(ms, 0.99),
                    ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end()));
        std::fflush(stdout);
    }

    // Every event acked once: count the acks per event_id (the fake names the event).
    std::map<std::string, int> acked;
    for (const auto& a : fake.acks())
        if (!a.event_id.empty()) ++acked[a.event_id];
    kill(bot.pid, SIGTERM);
    const auto [status, err] = bot.finish(120s);

    std::map<std::string, int> rows;  // ts -> stored message rows
    std::vector<std::string> problems;
    if (baseline.empty()) {
        store s(db, open_mode::read_only);
        s.scan_timeline(1, timeline_view::all, [&](const timeline_entry& e) {
            if (e.source == entry_source::message) ++rows[e.ts];
        });
        problems = s.integrity_check();
    }
    int lost = 0, twice = 0, unacked = 0, acked_twice = 0;
    for (int i = 0; i < next; ++i) {
        if (baseline.empty()) {
            const auto it = rows.find(event_ts(i));
            if (it == rows.end()) ++lost;
            else if (it->second > 1) ++twice;
        }
        const auto a = acked.find("EvLoad" + std::to_string(i));
        if (a == acked.end()) ++unacked;
        else if (a->second > 1) ++acked_twice;
    }
    if (baseline.empty())
        std::printf(
            "check: %d events sent, %d lost, %d stored twice, %d not acked, %d acked twice; "
            "exit status %d, database integrity %s\n",
            next,
            lost,
            twice,
            unacked,
            acked_twice,
            status,
            problems.empty() ? "ok" : problems.front().c_str());
    else
        std::printf(
            "baseline check: %d events sent, %d not acked, %d acked twice; exit status %d "
            "(nothing stored to check)\n",
            next,
            unacked,
            acked_twice,
            status);
    if (status != 0) std::fprintf(stderr, "%s", err.c_str());
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    return lost == 0 && twice == 0 && unacked == 0 && acked_twice == 0 && status == 0 && problems.empty() ? 0 : 1;
}

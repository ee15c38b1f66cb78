#include "incident_bot/failpoint.hpp"

#ifdef INCIDENT_BOT_FAILPOINTS

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

#include <unistd.h>

namespace incident_bot {

namespace {

struct armed_point {
    std::string name;
    long nth = 1;
};

armed_point read_environment() {
    armed_point p;
    const char* v = std::getenv("INCIDENT_BOT_FAILPOINT");
    if (!v) return p;
    p.name = v;
    if (const auto colon = p.name.find(':'); colon != std::string::npos) {
        p.nth = std::strtol(p.name.c_str() + colon + 1, nullptr, 10);
        p.name.resize(colon);
    }
    return p;
}

}  // namespace

void failpoint(std::string_view name) {
    static const armed_point armed = read_environment();
    static std::atomic<long> hits{0};
    if (armed.name.empty() || name != armed.name) return;
    if (hits.fetch_add(1) + 1 == armed.nth) ::kill(::getpid(), SIGKILL);
}

}  // namespace incident_bot

#endif

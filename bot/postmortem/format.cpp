#include "incident_bot/postmortem/format.hpp"

#include <cstdio>
#include <ctime>

namespace incident_bot::detail {

std::string format_duration(std::chrono::seconds d) {
    using namespace std::chrono;
    if (d < minutes(1)) return "under a minute";
    const auto days_ = duration_cast<days>(d);
    const auto hours_ = duration_cast<hours>(d - days_);
    const auto mins = duration_cast<minutes>(d - days_ - hours_);
    std::string out;
    if (days_.count() > 0) out += std::to_string(days_.count()) + "d ";
    if (hours_.count() > 0 || days_.count() > 0) out += std::to_string(hours_.count()) + "h ";
    // Minutes stop mattering once an incident is days long.
    if (days_.count() == 0) out += std::to_string(mins.count()) + "m";
    if (out.back() == ' ') out.pop_back();
    return out;
}

namespace {

std::string strftime_utc(unix_time t, const char* format) {
    const std::time_t secs = t.time_since_epoch().count();
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

}  // namespace

std::string format_time(unix_time t) { return strftime_utc(t, "%Y-%m-%d %H:%M UTC"); }

std::string format_clock(unix_time t) { return strftime_utc(t, "%H:%M"); }

std::string format_day(std::chrono::sys_days d) { return strftime_utc(unix_time(d), "%Y-%m-%d"); }

std::optional<std::chrono::sys_days> parse_day(std::string_view s) {
    // Exactly 10 characters with dashes in place: sscanf alone would accept "2026-1-5x".
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return std::nullopt;
    const auto num = [&](std::size_t pos, std::size_t len) {
        return std::stoi(std::string(s.substr(pos, len)));
    };
    const std::chrono::year_month_day ymd{std::chrono::year(num(0, 4)),
                                          std::chrono::month(static_cast<unsigned>(num(5, 2))),
                                          std::chrono::day(static_cast<unsigned>(num(8, 2)))};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd);
}

unix_time ts_time(std::string_view ts) {
    long long secs = 0;
    for (char c : ts) {
        if (c < '0' || c > '9') break;
        secs = secs * 10 + (c - '0');
    }
    return unix_time(std::chrono::seconds(secs));
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return std::string(text);
    const std::string_view ellipsis = "…";
    std::size_t cut = max_bytes > ellipsis.size() ? max_bytes - ellipsis.size() : 0;
    // Back up over continuation bytes so a multi-byte character is never split.
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + std::string(ellipsis);
}

std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (char c : text) {
        if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

}  // namespace incident_bot::detail

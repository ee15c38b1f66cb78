#include "incident_bot/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

namespace incident_bot {

namespace {

const char* level_name(log_level level) {
    switch (level) {
        case log_level::debug: return "debug";
        case log_level::info: return "info";
        case log_level::warn: return "warn";
        case log_level::error: return "error";
    }
    return "info";
}

std::string utc_timestamp() {
    using namespace std::chrono;
    const auto now = system_clock::now();
    const auto secs = system_clock::to_time_t(now);
    const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf,
                  sizeof buf,
                  "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                  tm.tm_year + 1900,
                  tm.tm_mon + 1,
                  tm.tm_mday,
                  tm.tm_hour,
                  tm.tm_min,
                  tm.tm_sec,
                  static_cast<int>(ms));
    return buf;
}

}  // namespace

bool parse_log_level(std::string_view s, log_level& out) {
    for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error}) {
        if (s == level_name(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

logger::logger(log_level level, log_format format, sink out)
    : level_(level),
      format_(format),
      sink_(out ? std::move(out)
                : sink([](std::string_view line) {
                      std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
                  })),
      mutex_(std::make_shared<std::mutex>()) {}

void logger::log(log_level level, std::string_view component, std::string_view message) const {
    if (!enabled(level)) return;
    // Messages are ours, but may quote text from outside (error strings, URLs).
    const std::string safe = redact_tokens(message);
    std::string line;
    if (format_ == log_format::json) {
        nlohmann::json j = {{"ts", utc_timestamp()},
                            {"level", level_name(level)},
                            {"component", component},
                            {"msg", safe}};
        line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
        line = utc_timestamp() + " " + level_name(level) + " " + std::string(component) + ": " +
               safe;
    }
    std::lock_guard lock(*mutex_);
    sink_(line);
}

std::string secret::redacted() const {
    if (value_.empty()) return "(unset)";
    const auto dash = value_.find('-');
    if (dash == std::string::npos || dash > 5) return "…";
    return value_.substr(0, dash + 1) + "…";
}

std::string redact_tokens(std::string_view text) {
    static constexpr std::string_view prefixes[] = {
        "xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxe-", "xoxs-", "xoxr-"};
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool matched = false;
        for (auto p : prefixes) {
            if (text.substr(i, p.size()) == p) {
                out.append(p);
                out.append("…");
                i += p.size();
                // A token runs over letters, digits and dashes.
                while (i < text.size() &&
                       (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '-'))
                    ++i;
                matched = true;
                break;
            }
        }
        if (!matched) out.push_back(text[i++]);
    }
    return out;
}

}  // namespace incident_bot

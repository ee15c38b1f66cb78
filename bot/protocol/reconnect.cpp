#include "incident_bot/protocol/reconnect.hpp"

#include <algorithm>

namespace incident_bot {

milliseconds backoff::next(milliseconds max) {
    const int shift = std::min(attempt_, 30);
    ++attempt_;
    const auto full = std::min<long long>(max.count(), initial_.count() << shift);
    std::uniform_int_distribution<long long> jitter(full / 2, std::max<long long>(full, 0));
    return milliseconds(jitter(rng_));
}

void certificate_refusals::refused(const logger& log,
                                   std::string_view component,
                                   const std::string& host,
                                   const std::string& reason) {
    auto [it, first] = last_reason_.try_emplace(host, reason);
    const bool news = first || it->second != reason;
    it->second = reason;
    log.log(news ? log_level::warn : log_level::debug,
            component,
            "TLS: certificate for " + host + " refused: " + reason);
}

void certificate_refusals::accepted(const std::string& host) { last_reason_.erase(host); }

}  // namespace incident_bot

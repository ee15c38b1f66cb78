#include "protocol/reconnect.hpp"

#include <algorithm>
#include <array>

namespace incident_bot {

milliseconds backoff::next(milliseconds max) {
    const int shift = std::min(attempt_, 30);
    ++attempt_;
    const auto full = std::min<long long>(max.count(), initial_.count() << shift);
    std::uniform_int_distribution<long long> jitter(full / 2, std::max<long long>(full, 0));
    return milliseconds(jitter(rng_));
}

bool is_fatal_open_error(std::string_view error, int http_status) {
    static constexpr std::array<std::string_view, 9> fatal = {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "user_removed_from_team",
        "team_disabled",
        "not_allowed_token_type",
        "missing_args",
    };
    // slack-go treats a 404 from apps.connections.open as bad credentials.
    return http_status == 404 || std::ranges::find(fatal, error) != fatal.end();
}

reconnect_decision reconnect_policy::on_disconnect(std::string_view reason) {
    using k = reconnect_decision::kind;
    if (reason == "link_disabled")
        return {k::stop, {}, "Slack disabled Socket Mode for this app (link_disabled); "
                             "turn Socket Mode back on in the app settings"};
    if (reason == "too_many_websockets") {
        // Close first, then wait: overlapping here makes the storm worse.
        std::uniform_int_distribution<long long> jitter(0, cfg_.too_many_websockets_backoff.count() / 2);
        std::mt19937_64 rng(static_cast<std::uint64_t>(backoff_.attempts()) + 17);
        return {k::open_after,
                cfg_.too_many_websockets_backoff + milliseconds(jitter(rng)) + backoff_.next(),
                "too_many_websockets"};
    }
    // warning, refresh_requested and any reason Slack adds later: a routine refresh.
    return {k::replace, {}, std::string(reason)};
}

reconnect_decision reconnect_policy::on_connection_lost() {
    // The first loss reconnects at once; repeated losses without a hello back off.
    if (backoff_.attempts() == 0) {
        backoff_.next();
        return {reconnect_decision::kind::open_now, {}, {}};
    }
    return {reconnect_decision::kind::open_after, backoff_.next(), {}};
}

reconnect_decision reconnect_policy::on_open_failed(const open_failure& f) {
    using k = reconnect_decision::kind;
    if (is_fatal_open_error(f.error, f.http_status))
        return {k::stop, {}, "Slack refused the app token (" + f.error +
                                 "): check SLACK_APP_TOKEN is a valid xapp- token with "
                                 "connections:write"};
    // A refused certificate waits for a person (a renewed certificate, a fixed proxy or CA
    // bundle): back off as for any failure, but let the waits grow to minutes (issue 15).
    auto delay = f.certificate_refused
                     ? backoff_.next(std::max(cfg_.backoff_max, cfg_.certificate_backoff_max))
                     : backoff_.next();
    if (f.retry_after) delay = std::max(delay, *f.retry_after);
    return {k::open_after, delay, f.error};
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

#include "incident_bot/error.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace incident_bot {

namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "incident_bot"; }
    std::string message(int ev) const override {
        switch (static_cast<errc>(ev)) {
            case errc::invalid_auth: return "token refused";
            case errc::link_disabled: return "Socket Mode disabled for the app";
            case errc::rate_limited: return "rate limited";
            case errc::network: return "network failure";
            case errc::tls: return "TLS certificate refused";
            case errc::protocol: return "unusable answer";
            case errc::http_status: return "HTTP error status";
            case errc::queue_full: return "too many calls pending";
            case errc::refused_url: return "URL refused";
            case errc::slack_error: return "Slack returned an error";
        }
        return "unknown error";
    }
};

}  // namespace

const std::error_category& bot_category() noexcept {
    static const category c;
    return c;
}

bool is_fatal(std::error_code ec) noexcept {
    return ec == errc::invalid_auth || ec == errc::link_disabled;
}

errc classify_slack_error(std::string_view error) noexcept {
    // Slack's errors for a token that will not work however often it is retried
    // (https://api.slack.com/methods/apps.connections.open, auth.test).
    static constexpr std::array<std::string_view, 9> refused_token = {
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
    if (std::ranges::find(refused_token, error) != refused_token.end()) return errc::invalid_auth;
    if (error == "ratelimited") return errc::rate_limited;
    return errc::slack_error;
}

}  // namespace incident_bot

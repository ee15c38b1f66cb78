// The bot's own error codes (Boost.MySQL's model): a `std::error_code` says what kind of
// failure it was, and one `is_fatal` decides give-up versus retry. Text from outside (Slack's
// `error` string, a TLS library message) never goes into the category; callers keep it in a
// separate diagnostics string.
#pragma once

#include <string_view>
#include <system_error>

namespace incident_bot {

enum class errc {
    invalid_auth = 1,  ///< a token Slack refuses: bad, revoked, expired or of the wrong type
    link_disabled,     ///< Socket Mode was turned off for the app
    rate_limited,      ///< HTTP 429 after the retries
    network,           ///< no answer: DNS, TCP, a reset, a timeout
    tls,               ///< the server's certificate was refused (chain or host name)
    protocol,          ///< an answer we cannot use: not JSON, no usable URL, a refused scheme
    http_status,       ///< an HTTP error status without a Slack answer
    queue_full,        ///< refused locally: too many calls pending
    refused_url,       ///< a URL from a payload that may not be called
    slack_error,       ///< Slack answered ok:false with some other error
};

const std::error_category& bot_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), bot_category()};
}

/// True for failures that retrying cannot fix: a refused token, Socket Mode turned off.
bool is_fatal(std::error_code ec) noexcept;

/// The code for Slack's `error` string of an ok:false answer ("invalid_auth",
/// "ratelimited", "channel_not_found", ...).
errc classify_slack_error(std::string_view error) noexcept;

}  // namespace incident_bot

template <>
struct std::is_error_code_enum<incident_bot::errc> : std::true_type {};

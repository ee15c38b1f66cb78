#include "incident_bot/protocol/session_fsm.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "incident_bot/error.hpp"

namespace incident_bot {

namespace {

using k = session_action::kind;

session_action act(k what, milliseconds delay = {}) {
    session_action a;
    a.what = what;
    a.delay = delay;
    return a;
}

}  // namespace

session_action session_fsm::start() {
    if (state_ == state::stopped) return act(k::stop);
    state_ = state::opening;
    return act(k::open);
}

session_action session_fsm::on_opened() {
    if (state_ == state::stopped) return act(k::stop);
    backoff_.reset();
    state_ = state::live;
    auto a = act(k::watch);
    // The replacement is up: only now does the refreshed connection go.
    a.close_retiring = std::exchange(retiring_, false);
    return a;
}

session_action session_fsm::on_open_failed(const open_failure& f) {
    if (state_ == state::stopped) return act(k::stop);
    if (is_fatal(f.code))
        return stop_with(f.code,
                         "Slack refused the app token (" + f.diagnostics +
                             "): check SLACK_APP_TOKEN is a valid xapp- token with "
                             "connections:write");
    // A refused certificate waits for a person (a renewed certificate, a fixed proxy or CA
    // bundle): back off as for any failure, but let the waits grow to minutes.
    auto delay = f.code == errc::tls
                     ? backoff_.next(std::max(cfg_.backoff_max, cfg_.certificate_backoff_max))
                     : backoff_.next();
    if (f.retry_after) delay = std::max(delay, *f.retry_after);
    return wait(delay, f.diagnostics, /*close_live=*/false);
}

session_action session_fsm::on_disconnect(std::string_view reason) {
    if (state_ == state::stopped) return act(k::stop);
    if (reason == "link_disabled")
        return stop_with(errc::link_disabled,
                         "Slack disabled Socket Mode for this app (link_disabled); turn Socket "
                         "Mode back on in the app settings");
    if (reason == "too_many_websockets") {
        // Close first, then wait: overlapping here makes the storm worse.
        std::uniform_int_distribution<long long> jitter(
            0, cfg_.too_many_websockets_backoff.count() / 2);
        std::mt19937_64 rng(static_cast<std::uint64_t>(backoff_.attempts()) + 17);
        return wait(cfg_.too_many_websockets_backoff + milliseconds(jitter(rng)) + backoff_.next(),
                    "too_many_websockets",
                    /*close_live=*/true);
    }
    // warning, refresh_requested and any reason Slack adds later: a routine refresh, make
    // before break. (Nothing is retiring while live: the last hello closed it.)
    auto a = act(k::open);
    a.keep_as_retiring = true;
    a.message = std::string(reason);
    retiring_ = true;
    state_ = state::opening;
    return a;
}

session_action session_fsm::on_lost() {
    if (state_ == state::stopped) return act(k::stop);
    // The first loss reconnects at once; repeated losses without a hello back off.
    if (backoff_.attempts() == 0) {
        backoff_.next();
        state_ = state::opening;
        auto a = act(k::open);
        a.close_live = true;
        return a;
    }
    return wait(backoff_.next(), {}, /*close_live=*/true);
}

session_action session_fsm::on_woken() {
    if (state_ == state::stopped) return act(k::stop);
    state_ = state::opening;
    return act(k::open);
}

session_action session_fsm::on_stop() {
    auto a = act(k::stop);
    a.close_live = state_ == state::live;
    a.close_retiring = std::exchange(retiring_, false);
    state_ = state::stopped;
    return a;
}

session_action session_fsm::stop_with(std::error_code code, std::string message) {
    auto a = on_stop();
    a.close_live = true;  // a disconnect or failed open leaves nothing worth keeping
    a.code = code;
    a.message = std::move(message);
    return a;
}

session_action session_fsm::wait(milliseconds delay, std::string reason, bool close_live) {
    state_ = state::waiting;
    auto a = act(k::wait, delay);
    a.close_live = close_live;
    a.message = std::move(reason);
    return a;
}

}  // namespace incident_bot

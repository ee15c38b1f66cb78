// One Socket Mode slot's state machine without a socket: every sequence the slot lives
// through, events in, actions out (issue 16). The waits a refused certificate gets are from
// issue 15.
#include <gtest/gtest.h>

#include <vector>

#include "incident_bot/error.hpp"
#include "incident_bot/protocol/session_fsm.hpp"

namespace incident_bot {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using kind = session_action::kind;
using state = session_fsm::state;

socket_mode_config production_backoff() {
    socket_mode_config c;
    c.backoff_initial = seconds(1);
    c.backoff_max = seconds(60);
    c.certificate_backoff_max = minutes(5);
    c.too_many_websockets_backoff = seconds(10);
    return c;
}

open_failure failure(errc code, std::string text = "network: Connection refused") {
    return {code, std::move(text), {}};
}

open_failure refused_certificate() {
    return failure(errc::tls,
                   "network: certificate verify failed (self-signed certificate in chain)");
}

// A machine with a live connection (started and opened).
session_fsm live(const socket_mode_config& cfg, std::uint64_t seed = 7) {
    session_fsm f(cfg, seed);
    EXPECT_EQ(f.start().what, kind::open);
    EXPECT_EQ(f.on_opened().what, kind::watch);
    return f;
}

std::vector<milliseconds> waits(session_fsm& f, const open_failure& why, int n) {
    std::vector<milliseconds> out;
    for (int i = 0; i < n; ++i) {
        const auto a = f.on_open_failed(why);
        EXPECT_EQ(a.what, kind::wait);
        EXPECT_FALSE(a.close_live);  // nothing was live
        out.push_back(a.delay);
        EXPECT_EQ(f.on_woken().what, kind::open);
    }
    return out;
}

TEST(SessionFsm, StartOpensThenWatchesAfterHello) {
    const auto cfg = production_backoff();
    session_fsm f(cfg, 1);
    EXPECT_EQ(f.current(), state::idle);
    EXPECT_EQ(f.start().what, kind::open);
    EXPECT_EQ(f.current(), state::opening);
    const auto a = f.on_opened();
    EXPECT_EQ(a.what, kind::watch);
    EXPECT_FALSE(a.close_live);
    EXPECT_FALSE(a.close_retiring);
    EXPECT_EQ(f.current(), state::live);
}

TEST(SessionFsm, RefreshMakesBeforeBreak) {
    const auto cfg = production_backoff();
    auto f = live(cfg);
    for (const char* reason : {"refresh_requested", "warning", "some_reason_slack_adds_later"}) {
        const auto a = f.on_disconnect(reason);
        EXPECT_EQ(a.what, kind::open) << reason;
        EXPECT_TRUE(a.keep_as_retiring) << reason;  // the old one keeps reading and acking
        EXPECT_FALSE(a.close_live) << reason;
        EXPECT_FALSE(a.close_retiring) << reason;
        EXPECT_EQ(a.delay, milliseconds(0)) << reason;
        EXPECT_TRUE(f.has_retiring());
        const auto up = f.on_opened();  // the replacement said hello: only now the old goes
        EXPECT_EQ(up.what, kind::watch);
        EXPECT_TRUE(up.close_retiring);
        EXPECT_FALSE(f.has_retiring());
    }
}

TEST(SessionFsm, RefreshWhoseReplacementFailsKeepsTheOldConnectionUntilOneSaysHello) {
    const auto cfg = production_backoff();
    auto f = live(cfg);
    (void)f.on_disconnect("refresh_requested");
    const auto a = f.on_open_failed(failure(errc::network));
    EXPECT_EQ(a.what, kind::wait);
    EXPECT_FALSE(a.close_retiring);
    EXPECT_TRUE(f.has_retiring());
    EXPECT_EQ(f.on_woken().what, kind::open);
    EXPECT_TRUE(f.on_opened().close_retiring);
}

TEST(SessionFsm, TooManyWebsocketsClosesFirstThenWaits) {
    const auto cfg = production_backoff();
    auto f = live(cfg);
    const auto a = f.on_disconnect("too_many_websockets");
    EXPECT_EQ(a.what, kind::wait);
    EXPECT_TRUE(a.close_live);
    EXPECT_FALSE(a.keep_as_retiring);
    EXPECT_GE(a.delay, seconds(10));
    EXPECT_LE(a.delay, seconds(15) + seconds(1));  // base + jitter up to half + first backoff
    EXPECT_EQ(f.current(), state::waiting);
    EXPECT_EQ(f.on_woken().what, kind::open);
}

TEST(SessionFsm, LinkDisabledStopsTheBotWithAClearMessage) {
    const auto cfg = production_backoff();
    auto f = live(cfg);
    const auto a = f.on_disconnect("link_disabled");
    EXPECT_EQ(a.what, kind::stop);
    EXPECT_EQ(a.code, errc::link_disabled);
    EXPECT_TRUE(is_fatal(a.code));
    EXPECT_TRUE(a.close_live);
    EXPECT_NE(a.message.find("turn Socket Mode back on"), std::string::npos) << a.message;
    EXPECT_EQ(f.current(), state::stopped);
    EXPECT_EQ(f.on_woken().what, kind::stop);  // stays stopped
}

TEST(SessionFsm, RefusedTokenStopsAndNamesTheSetting) {
    const auto cfg = production_backoff();
    session_fsm f(cfg, 1);
    (void)f.start();
    const auto a = f.on_open_failed(failure(errc::invalid_auth, "invalid_auth"));
    EXPECT_EQ(a.what, kind::stop);
    EXPECT_EQ(a.code, errc::invalid_auth);
    EXPECT_NE(a.message.find("SLACK_APP_TOKEN"), std::string::npos) << a.message;
    EXPECT_NE(a.message.find("invalid_auth"), std::string::npos) << a.message;
}

TEST(SessionFsm, EverySlackTokenErrorIsFatalAndOthersAreNot) {
    for (const char* e : {"invalid_auth", "not_authed", "account_inactive", "token_revoked",
                          "token_expired", "not_allowed_token_type"})
        EXPECT_TRUE(is_fatal(make_error_code(classify_slack_error(e)))) << e;
    for (const char* e : {"ratelimited", "internal_error", "channel_not_found", ""})
        EXPECT_FALSE(is_fatal(make_error_code(classify_slack_error(e)))) << e;
    for (auto c : {errc::network, errc::tls, errc::protocol, errc::rate_limited})
        EXPECT_FALSE(is_fatal(c));
}

TEST(SessionFsm, FirstLossReconnectsAtOnceThenBacksOffUntilAHello) {
    const auto cfg = production_backoff();
    auto f = live(cfg);
    const auto first = f.on_lost();
    EXPECT_EQ(first.what, kind::open);
    EXPECT_TRUE(first.close_live);
    // The server accepts and says hello, then drops at once, again and again: a hello resets
    // the backoff, so each first loss is immediate...
    (void)f.on_opened();
    EXPECT_EQ(f.on_lost().what, kind::open);
    // ...but losses and failed opens without a hello in between grow the wait.
    std::vector<milliseconds> w;
    auto a = f.on_open_failed(failure(errc::network));
    for (int i = 0; i < 6; ++i) {
        ASSERT_EQ(a.what, kind::wait);
        w.push_back(a.delay);
        (void)f.on_woken();
        a = f.on_open_failed(failure(errc::network));
    }
    for (std::size_t n = 0; n < w.size(); ++n) {
        const auto full = seconds(1) * (1LL << (n + 1));  // attempt 0 was the instant reconnect
        EXPECT_GE(w[n], full / 2) << n;
        EXPECT_LE(w[n], full) << n;
    }
}

TEST(SessionFsm, BackoffResetsOnlyAfterHello) {
    const auto cfg = production_backoff();
    session_fsm f(cfg, 3);
    (void)f.start();
    (void)waits(f, failure(errc::network), 8);  // up to 60 s now
    EXPECT_GE(f.on_open_failed(failure(errc::network)).delay, seconds(30));
    (void)f.on_woken();
    (void)f.on_opened();
    EXPECT_EQ(f.on_lost().what, kind::open);  // back to an instant reconnect
    EXPECT_LE(f.on_open_failed(failure(errc::network)).delay, seconds(2));
}

TEST(SessionFsm, RetryAfterFromA429IsHonoured) {
    const auto cfg = production_backoff();
    session_fsm f(cfg, 5);
    (void)f.start();
    auto limited = failure(errc::rate_limited, "ratelimited");
    limited.retry_after = seconds(30);
    const auto a = f.on_open_failed(limited);
    EXPECT_EQ(a.what, kind::wait);
    EXPECT_GE(a.delay, seconds(30));
    EXPECT_EQ(a.message, "ratelimited");
}

TEST(SessionFsm, RefusedCertificateBacksOffExponentiallyUpToMinutes) {
    const auto cfg = production_backoff();
    for (std::uint64_t seed : {1, 2, 3}) {
        session_fsm f(cfg, seed);
        (void)f.start();
        const auto w = waits(f, refused_certificate(), 14);
        for (std::size_t n = 0; n < w.size(); ++n) {
            // Attempt n waits a jittered [d/2, d], d = min(1 s * 2^n, 5 min).
            const auto full = std::min<milliseconds>(seconds(1) * (1LL << n), minutes(5));
            EXPECT_GE(w[n], full / 2) << "attempt " << n;
            EXPECT_LE(w[n], full) << "attempt " << n;
        }
        EXPECT_GE(w.back(), minutes(2) + seconds(30));  // well past backoff_max
    }
}

TEST(SessionFsm, OtherOpenFailuresStayCappedAtBackoffMax) {
    const auto cfg = production_backoff();
    session_fsm f(cfg, 7);
    (void)f.start();
    for (const auto w : waits(f, failure(errc::network), 14)) EXPECT_LE(w, seconds(60));
}

TEST(SessionFsm, CertificateCapBelowBackoffMaxDoesNotShortenTheWaits) {
    auto cfg = production_backoff();
    cfg.certificate_backoff_max = seconds(10);
    session_fsm f(cfg, 7);
    (void)f.start();
    EXPECT_GE(waits(f, refused_certificate(), 12).back(), seconds(30));
}

TEST(SessionFsm, StopInEveryStateClosesWhatIsOpen) {
    const auto cfg = production_backoff();
    {
        session_fsm f(cfg, 1);  // before start
        const auto a = f.on_stop();
        EXPECT_EQ(a.what, kind::stop);
        EXPECT_FALSE(a.close_live);
        EXPECT_EQ(f.start().what, kind::stop);
    }
    {
        session_fsm f(cfg, 1);  // while opening the first connection
        (void)f.start();
        const auto a = f.on_stop();
        EXPECT_EQ(a.what, kind::stop);
        EXPECT_FALSE(a.close_live);
        EXPECT_FALSE(a.code);  // a stop we asked for is not a failure
        EXPECT_EQ(f.on_opened().what, kind::stop);  // an open that completes late is dropped
    }
    {
        auto f = live(cfg);  // live
        const auto a = f.on_stop();
        EXPECT_TRUE(a.close_live);
        EXPECT_FALSE(a.close_retiring);
    }
    {
        auto f = live(cfg);  // mid-refresh: the old connection and the opening one
        (void)f.on_disconnect("refresh_requested");
        const auto a = f.on_stop();
        EXPECT_TRUE(a.close_retiring);
        EXPECT_FALSE(f.has_retiring());
    }
    {
        auto f = live(cfg);  // waiting after a loss
        (void)f.on_lost();
        (void)f.on_open_failed(failure(errc::network));
        ASSERT_EQ(f.current(), state::waiting);
        const auto a = f.on_stop();
        EXPECT_EQ(a.what, kind::stop);
        EXPECT_FALSE(a.close_live);
        EXPECT_EQ(f.on_woken().what, kind::stop);
        EXPECT_EQ(f.on_lost().what, kind::stop);
        EXPECT_EQ(f.on_disconnect("refresh_requested").what, kind::stop);
    }
}

}  // namespace
}  // namespace incident_bot

// Runs the real Web API + Socket Mode clients on their own thread against a fake Slack
// (tests and benchmarks).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "incident_bot/demo/fake_slack.hpp"
#include "incident_bot/slack/socket_mode.hpp"
#include "incident_bot/slack/web_api.hpp"

namespace incident_bot::testing {

// The fake Slack is the demo's; the tests drive it by its plain names.
using namespace incident_bot::demo;

using namespace std::chrono_literals;

/// A config pointed at a fake Slack (its Web API URL and CA file) with intervals shrunk so
/// failures show up in milliseconds.
inline config fast_config(std::string api_url, std::string ca_file) {
    config c;
    c.app_token = secret("xapp-1-A0001-test");
    c.bot_token = secret("xoxb-0001-test");
    c.api_url = std::move(api_url);
    c.ca_file = std::move(ca_file);
    c.socket_mode.idle_timeout = 400ms;
    c.socket_mode.handshake_timeout = 2s;
    c.socket_mode.hello_timeout = 2s;
    c.socket_mode.ack_deadline = 1500ms;
    c.socket_mode.close_timeout = 300ms;
    c.socket_mode.backoff_initial = 20ms;
    c.socket_mode.backoff_max = 200ms;
    c.socket_mode.too_many_websockets_backoff = 300ms;
    c.web_api.request_timeout = 2s;
    c.web_api.retry_initial = 20ms;
    c.web_api.post_message_interval = 100ms;
    return c;
}

inline config fast_config(const fake_slack& fake) { return fast_config(fake.api_url(), fake.ca_file()); }

/// A result a callback on the bot's thread delivers and a test waits for with a deadline.
/// Copies share one state, so a callback that runs after the test gave up writes into
/// live memory, not into a destroyed promise on the test's stack.
template <class T>
class eventual {
public:
    /// Delivers the result (usable directly as a callback).
    void operator()(T value) const { state_->set_value(std::move(value)); }
    /// The result once delivered; nullopt when `timeout` passes first.
    std::optional<T> get(std::chrono::milliseconds timeout) const {
        if (future_.wait_for(timeout) != std::future_status::ready) return std::nullopt;
        return future_.get();
    }

private:
    std::shared_ptr<std::promise<T>> state_ = std::make_shared<std::promise<T>>();
    std::shared_future<T> future_ = state_->get_future().share();
};

/// Collects log lines so tests can assert on them (and on what must not be in them).
struct log_capture {
    mutable std::mutex mu;
    mutable std::condition_variable logged;
    std::vector<std::string> lines;
    logger make(log_level level = log_level::debug) {
        return logger(level, log_format::text, [this](std::string_view l) {
            {
                std::lock_guard lock(mu);
                lines.emplace_back(l);
            }
            logged.notify_all();
        });
    }
    bool contains(std::string_view needle) const { return count({needle}) > 0; }
    /// Lines that contain every one of `needles` (e.g. a level and a message).
    std::size_t count(std::initializer_list<std::string_view> needles) const {
        std::lock_guard lock(mu);
        return count_locked(needles);
    }
    /// Waits until a line containing `needle` was logged; false on timeout.
    bool wait_for(std::string_view needle, std::chrono::milliseconds timeout) const {
        return wait_for_count({needle}, 1, timeout);
    }
    /// Waits until `n` lines contain every one of `needles`; false on timeout.
    bool wait_for_count(std::initializer_list<std::string_view> needles,
                        std::size_t n,
                        std::chrono::milliseconds timeout) const {
        std::unique_lock lock(mu);
        return logged.wait_for(lock, timeout, [&] { return count_locked(needles) >= n; });
    }
    std::size_t count_locked(std::initializer_list<std::string_view> needles) const {
        return static_cast<std::size_t>(std::ranges::count_if(lines, [&](const std::string& l) {
            return std::ranges::all_of(needles, [&](std::string_view n) {
                return l.find(n) != std::string::npos;
            });
        }));
    }
    std::string all() const {
        std::lock_guard lock(mu);
        std::string out;
        for (const auto& l : lines) out += l + "\n";
        return out;
    }
};

/// The bot's transport under test. `on_envelope` runs on the network thread; by default
/// every envelope is recorded and acked at once.
class bot_under_test {
public:
    using handler = std::function<void(const envelope&, const ack_handle&)>;

    /// `record` keeps a copy of every envelope for envelopes(); benchmarks turn it off so
    /// memory figures show the client, not the copies.
    bot_under_test(config cfg, handler h = {}, bool record = true)
        : cfg_(std::move(cfg)),
          log_(capture_.make()),
          api_(ioc_.get_executor(), cfg_, log_),
          client_(ioc_.get_executor(), cfg_, api_, log_, [this, h, record](envelope e, ack_handle a) {
              {
                  std::lock_guard lock(mu_);
                  if (record) seen_.push_back(e);
                  else seen_.resize(seen_.size() + 1);  // keep the count for wait_for_envelopes
              }
              cv_.notify_all();
              if (h) h(e, a);
              else a();
          }) {
        boost::asio::co_spawn(ioc_, client_.async_run(), [this](std::exception_ptr, run_outcome o) {
            outcome_.set_value(o);
        });
        thread_ = std::thread([this] { ioc_.run(); });
    }

    ~bot_under_test() {
        client_.stop();
        finished(5s);
        ioc_.stop();
        thread_.join();
    }

    /// Waits for async_run to end; nullopt on timeout.
    std::optional<run_outcome> finished(std::chrono::milliseconds timeout) {
        if (!result_ && outcome_future_.wait_for(timeout) == std::future_status::ready)
            result_ = outcome_future_.get();
        return result_;
    }

    bool wait_for_envelopes(std::size_t n, std::chrono::milliseconds timeout) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return seen_.size() >= n; });
    }
    std::vector<envelope> envelopes() {
        std::lock_guard lock(mu_);
        return seen_;
    }

    /// Waits until the client itself has read `n` hellos (the fake counts a connection as
    /// soon as it answers the upgrade, before the client has read that answer). The client
    /// logs each one as "connection N ready".
    bool wait_for_hellos(std::size_t n, std::chrono::milliseconds timeout) const {
        return capture_.wait_for_count({" ready (Slack counts "}, n, timeout);
    }

    /// CPU time of the network thread, which runs the whole client (benchmarks divide it
    /// by the events handled: the bot's own cost, apart from the fake's).
    std::chrono::nanoseconds thread_cpu_time() {
        clockid_t clock{};
        timespec ts{};
        if (pthread_getcpuclockid(thread_.native_handle(), &clock) != 0 || clock_gettime(clock, &ts) != 0)
            return {};
        return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
    }

    socket_mode_client& client() { return client_; }
    web_api& api() { return api_; }
    boost::asio::io_context& ioc() { return ioc_; }
    const log_capture& logs() const { return capture_; }

    /// Runs a Web API call on the bot's thread and waits for its result. The deadline
    /// covers the client's own retries (five attempts, Retry-After honoured); past it the
    /// test fails with an exception instead of hanging.
    api_result call(std::string method,
                    nlohmann::json args = nlohmann::json::object(),
                    std::chrono::milliseconds timeout = 30s) {
        const std::string name = method;
        eventual<api_result> r;
        api_.call(std::move(method), std::move(args), r);
        auto result = r.get(timeout);
        if (!result) throw std::runtime_error(name + ": no result within the test's deadline");
        return *std::move(result);
    }

private:
    config cfg_;
    log_capture capture_;
    logger log_;
    boost::asio::io_context ioc_{1};
    web_api api_;
    socket_mode_client client_;
    std::promise<run_outcome> outcome_;
    std::future<run_outcome> outcome_future_ = outcome_.get_future();
    std::optional<run_outcome> result_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<envelope> seen_;
};

}  // namespace incident_bot::testing

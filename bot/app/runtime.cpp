#include "incident_bot/app/runtime.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/app/health.hpp"
#include "incident_bot/app/home_app.hpp"
#include "incident_bot/app/incident_app.hpp"
#include "incident_bot/app/nudge_app.hpp"
#include "incident_bot/app/people_app.hpp"
#include "incident_bot/app/shortcuts_app.hpp"
#include "incident_bot/app/timeline_app.hpp"
#include "incident_bot/rules/detector.hpp"
#include "incident_bot/slack/socket_mode.hpp"
#include "incident_bot/store/store_executor.hpp"
#include "incident_bot/store/store_reader.hpp"
#include "incident_bot/net/http_server.hpp"
#include "incident_bot/error.hpp"

namespace incident_bot {

namespace asio = boost::asio;

namespace {

// Bounds a shutdown: once armed, stops the io_context if its work has not finished within
// the grace period (a peer that never answers, a call stuck on a dead socket), so a SIGTERM
// never hangs the process. A thread of its own, because a timer on the io_context would
// itself keep run() from returning.
class shutdown_watchdog {
public:
    ~shutdown_watchdog() { disarm(); }

    void arm(asio::io_context& ioc, std::chrono::milliseconds grace, const logger& log) {
        if (thread_.joinable()) return;
        thread_ = std::thread([this, &ioc, grace, &log] {
            std::unique_lock lock(mutex_);
            if (finished_.wait_for(lock, grace, [this] { return done_; })) return;
            log.warn("runtime", "work still running " + std::to_string(grace.count()) +
                                    " ms after the connections closed; stopping without it");
            fired_ = true;
            ioc.stop();
        });
    }
    /// Whether the io_context was stopped with work left in it.
    bool fired() const { return fired_; }
    /// Once io_context::run returned.
    void disarm() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        finished_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

private:
    std::mutex mutex_;
    std::condition_variable finished_;
    bool done_ = false;
    std::atomic<bool> fired_{false};
    std::thread thread_;
};

}  // namespace

struct runtime::impl {
    impl(const config& c, const logger& l)
        : cfg(c),
          log(l),
          db(c.db_path),
          queue(db, capture_config{}, c.store, l),
          reader(c.db_path, l),
          detector(c.rules_file.empty() ? rule_set::load_default() : rule_set::load_file(c.rules_file),
                   open_model(c.nudges.model)),
          api(ioc.get_executor(), c, l),
          routes(l),
          timeline(routes, queue, l),
          incidents(routes, queue, api, c.commands, &detector.rules(), l),
          people(routes, queue, api, detector, l),
          nudges(routes, queue, api, c.nudges, detector, l, c.commands.command),
          home(routes, queue, reader, api, c.commands, l),
          shortcuts(routes, incidents, queue, api, c.commands, l),
          client(ioc.get_executor(), c, api, l, [this](envelope e, ack_handle a) {
              routes(std::move(e), a);
          }) {
        routes.use(log_envelopes(l));
        incidents.on_change([this](std::int64_t id, const std::string& by) { home.refresh(id, by); });
        timeline.on_diagnosis([this](const diagnosis_mark& m) { incidents.suggest_related(m); });
        if (!c.http_listen.empty())
            http = std::make_unique<net::http_server>(
                ioc.get_executor(), c.http_listen, [this](const std::string& target) {
                    return serve_http(target);
                }, l);
    }

    net::http_reply serve_http(const std::string& target) {
        if (target == "/healthz") {
            auto [status, body] = health_report(client.stats(), gauges);
            return {status, "text/plain; charset=utf-8", std::move(body)};
        }
        if (target == "/metrics")
            return {200, "text/plain; version=0.0.4; charset=utf-8",
                    render_metrics(client.stats(), api.stats(), gauges)};
        return {404, "text/plain; charset=utf-8", "try /healthz or /metrics\n"};
    }

    // Refreshes the database gauges on the writer thread now and then, until stopped.
    asio::awaitable<void> refresh_gauges() {
        while (!stopped) {
            queue.post([this](store& s) { gauges.refresh(s); });
            gauge_timer.expires_after(std::chrono::seconds(15));
            co_await gauge_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    }

    const config& cfg;
    const logger& log;
    store db;
    store_executor queue;  // the store's only writer from here on
    store_reader reader;   // long reads (App Home views), off the writer's thread
    blame_detector detector;
    asio::io_context ioc{1};
    web_api api;
    dispatcher routes;
    timeline_app timeline;
    incident_app incidents;
    people_app people;
    nudge_app nudges;
    home_app home;
    shortcuts_app shortcuts;
    socket_mode_client client;
    store_gauges gauges;
    asio::steady_timer gauge_timer{ioc};
    bool stopped = false;
    std::unique_ptr<net::http_server> http;
};

runtime::runtime(const config& cfg, const logger& log)
    : impl_(std::make_unique<impl>(cfg, log)) {}

runtime::~runtime() = default;

web_api& runtime::api() { return impl_->api; }

unsigned short runtime::http_port() const { return impl_->http ? impl_->http->port() : 0; }

void runtime::stop() { impl_->client.stop(); }

void runtime::with_store(const std::function<void(store&)>& job) {
    std::promise<void> done;
    impl_->queue.post([&](store& s) {
        try {
            job(s);
            done.set_value();
        } catch (...) {
            done.set_exception(std::current_exception());
        }
    });
    done.get_future().get();
}

int runtime::run(bool handle_signals) {
    auto& d = *impl_;
    asio::signal_set signals(d.ioc);
    if (handle_signals) {
        signals.add(SIGINT);
        signals.add(SIGTERM);
        signals.async_wait([&](boost::system::error_code ec, int sig) {
            if (ec) return;
            d.log.info("runtime", std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
                                      ", closing connections");
            d.client.stop();
        });
    }
    int status = 0;
    shutdown_watchdog watchdog;
    asio::co_spawn(d.ioc, d.client.async_run(), [&](std::exception_ptr e, run_outcome outcome) {
        if (e) {
            d.log.error("runtime", "socket mode stopped unexpectedly");
            status = 1;
        } else if (outcome.fatal) {
            status = 1;
        }
        d.incidents.stop();
        // The connections are closed: what is still retrying could not be answered anyway.
        d.log.info("runtime", "connections closed; finishing " + std::to_string(d.api.pending()) +
                                  " Web API call(s) and the store's queue");
        d.api.stop();
        d.stopped = true;
        d.gauge_timer.cancel();
        if (d.http) d.http->stop();
        signals.cancel();
        // Long enough for a call in flight to time out by itself and a close to finish.
        watchdog.arm(d.ioc, d.cfg.web_api.request_timeout + d.cfg.socket_mode.close_timeout, d.log);
    });
    // Checks the bot token early (the app token is checked by apps.connections.open) and
    // learns the bot's own user id so its messages are never nudged.
    asio::co_spawn(d.ioc, d.api.async_call("auth.test"), [&](std::exception_ptr e, api_result r) {
        if (e) return;
        if (r.ok) {
            d.nudges.set_bot_user(r.body.value("user_id", ""));
        } else if (is_fatal(r.code)) {
            d.log.error("runtime", "Slack refused the bot token (" + r.error +
                                       "): check SLACK_BOT_TOKEN is a valid xoxb- token");
            status = 1;
            d.client.stop();
        }
    });
    d.incidents.start_reminders();
    asio::co_spawn(d.ioc, d.refresh_gauges(), asio::detached);
    d.log.info("runtime", "starting with " + std::to_string(d.cfg.socket_mode.connections) +
                              " Socket Mode connection(s), database " + d.cfg.db_path +
                              "; app token " + d.cfg.app_token.redacted() + ", bot token " +
                              d.cfg.bot_token.redacted());
    // Returns once the close frames are out and in-flight Web API calls are done.
    d.ioc.run();
    watchdog.disarm();
    d.queue.stop();  // commit what is queued
    d.reader.stop();
    d.log.info("runtime", "stopped");
    // The abandoned handlers refer to this runtime's parts, which are destroyed before the
    // io_context that would destroy them; what matters is committed, so leave at once.
    if (watchdog.fired()) std::_Exit(status);
    return status;
}

}  // namespace incident_bot

#include "incident_bot/app/runtime.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include "incident_bot/slack/socket_mode.hpp"

namespace incident_bot {

namespace asio = boost::asio;

struct runtime::impl {
    impl(const config& c, const logger& l)
        : cfg(c),
          log(l),
          api(ioc.get_executor(), c, l),
          routes(l),
          client(ioc.get_executor(), c, api, l, [this](envelope e, ack_handle a) {
              routes(e, a);
          }) {}

    const config& cfg;
    const logger& log;
    asio::io_context ioc{1};
    web_api api;
    dispatcher routes;
    socket_mode_client client;
};

runtime::runtime(const config& cfg, const logger& log)
    : impl_(std::make_unique<impl>(cfg, log)) {}

runtime::~runtime() = default;

web_api& runtime::api() { return impl_->api; }
dispatcher& runtime::routes() { return impl_->routes; }

void runtime::stop() { impl_->client.stop(); }

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
    asio::co_spawn(d.ioc, d.client.async_run(), [&](std::exception_ptr e, run_outcome outcome) {
        if (e) {
            d.log.error("runtime", "socket mode stopped unexpectedly");
            status = 1;
        } else if (outcome.fatal) {
            status = 1;
        }
        signals.cancel();
    });
    d.log.info("runtime", "starting with " + std::to_string(d.cfg.socket_mode.connections) +
                              " Socket Mode connection(s); app token " + d.cfg.app_token.redacted() +
                              ", bot token " + d.cfg.bot_token.redacted());
    // The close frames and any in-flight Web API calls finish before run() returns.
    d.ioc.run();
    d.log.info("runtime", "stopped");
    return status;
}

}  // namespace incident_bot

#include "incident_bot/slack/web_api.hpp"

#include <map>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include "net/http_client.hpp"
#include "net/tls.hpp"
#include "incident_bot/json_parse.hpp"
#include "incident_bot/protocol/reconnect.hpp"
#include "incident_bot/protocol/url.hpp"

namespace incident_bot {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

// Slack documents no JSON input for these read methods; they take a query string
// (Slack docs, "Web API basics": read methods accept form or query arguments).
bool is_read_method(const std::string& m) {
    static const std::set<std::string> reads = {
        "users.info",          "users.list",          "users.conversations",
        "conversations.info",  "conversations.list",  "conversations.history",
        "conversations.replies", "conversations.members", "pins.list",
        "reactions.get",       "chat.getPermalink",
    };
    return reads.contains(m);
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 15]);
        }
    }
    return out;
}

std::string query_string(const json& args) {
    std::string q;
    if (!args.is_object()) return q;
    for (const auto& [k, v] : args.items()) {
        q += q.empty() ? "?" : "&";
        q += percent_encode(k) + "=" + percent_encode(v.is_string() ? v.get<std::string>() : v.dump());
    }
    return q;
}


std::vector<std::string> collect_warnings(const json& body) {
    std::vector<std::string> out;
    if (auto w = body.find("warning"); w != body.end() && w->is_string()) {
        std::string_view all = w->get_ref<const std::string&>();
        while (!all.empty()) {
            auto comma = all.find(',');
            out.emplace_back(all.substr(0, comma));
            all = comma == std::string_view::npos ? std::string_view{} : all.substr(comma + 1);
        }
    }
    if (auto m = body.find("response_metadata"); m != body.end() && m->is_object())
        if (auto ws = m->find("warnings"); ws != m->end() && ws->is_array())
            for (const auto& w : *ws)
                if (w.is_string() && std::ranges::find(out, w.get<std::string>()) == out.end())
                    out.push_back(w.get<std::string>());
    return out;
}

}  // namespace

struct web_api::impl {
    impl(asio::any_io_executor e, const config& c, const logger& l)
        : ex(std::move(e)),
          cfg(c),
          log(l),
          base(*parse_url(c.api_url)),
          http(ex,
               net::make_client_tls(c.ca_file),
               c.web_api.request_timeout,
               static_cast<std::size_t>(c.web_api.max_connections)) {}

    // Reserves the next chat.postMessage slot for `channel`: Slack allows about one message
    // per second per channel, so bursts are spread instead of drawing 429s.
    clock_type::time_point reserve_channel_slot(const std::string& channel) {
        auto& next = channel_next[channel];
        const auto slot = std::max(clock_type::now(), next);
        next = slot + cfg.web_api.post_message_interval;
        return slot;
    }

    // Sends `req` to `to` with retries: 429 blocks `rate_key` (the method) for Retry-After,
    // 5xx and network errors back off. Failures are logged and returned, never thrown.
    asio::awaitable<api_result> async_send(std::string label,
                                           url to,
                                           net::http_request req,
                                           std::string rate_key,
                                           std::string channel);

    // Waits until `t`; stop() cuts the wait short.
    asio::awaitable<void> sleep_until(clock_type::time_point t) {
        if (t <= clock_type::now() || stopping) co_return;
        asio::steady_timer timer(ex, t);
        sleepers.insert(&timer);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        sleepers.erase(&timer);
    }

    asio::any_io_executor ex;
    const config& cfg;
    const logger& log;
    url base;
    net::http_client http;
    std::map<std::string, clock_type::time_point> blocked_until;  // per method, after a 429
    std::map<std::string, clock_type::time_point> channel_next;
    certificate_refusals refusals;
    std::size_t pending = 0;
    web_api_stats stats;
    // After stop(): no new attempt starts and no wait goes on (see web_api::stop).
    bool stopping = false;
    std::set<asio::steady_timer*> sleepers;
};

web_api::web_api(asio::any_io_executor ex, const config& cfg, const logger& log)
    : impl_(std::make_unique<impl>(std::move(ex), cfg, log)) {
    if (!parse_url(cfg.api_url))
        throw config_error("setting 'SLACK_API_URL': not a valid URL");
}

web_api::~web_api() = default;

const web_api_stats& web_api::stats() const { return impl_->stats; }
std::size_t web_api::pending() const { return impl_->pending; }

void web_api::stop() {
    asio::post(impl_->ex, [&d = *impl_] {
        d.stopping = true;
        for (auto* t : d.sleepers) t->cancel();
    });
}
asio::any_io_executor web_api::get_executor() const { return impl_->ex; }

asio::awaitable<api_result> web_api::async_call(std::string method, json args, token_kind token) {
    auto& d = *impl_;
    api_result result;
    if (d.stopping) {
        result.code = errc::network;
        result.error = "shutting_down";
        co_return result;
    }
    if (d.pending >= d.cfg.web_api.max_pending) {
        result.code = errc::queue_full;
        result.error = "queue_full";
        d.log.error("web_api", method + ": refused, " + std::to_string(d.pending) +
                                   " calls already pending");
        ++d.stats.failures;
        co_return result;
    }
    ++d.pending;
    ++d.stats.calls;
    struct pending_guard {
        std::size_t& n;
        ~pending_guard() { --n; }
    } guard{d.pending};

    net::http_request req;
    const secret& tok = token == token_kind::app ? d.cfg.app_token : d.cfg.bot_token;
    req.authorization = "Bearer " + tok.reveal();
    if (is_read_method(method)) {
        req.verb = http::verb::get;
        req.target = d.base.target + method + query_string(args);
    } else {
        req.verb = http::verb::post;
        req.target = d.base.target + method;
        req.content_type = "application/json; charset=utf-8";
        req.body = args.is_object() ? args.dump(-1, ' ', false, json::error_handler_t::replace)
                                    : "{}";
    }
    std::string channel;
    if (method == "chat.postMessage" && args.is_object() && args.contains("channel") &&
        args["channel"].is_string())
        channel = args["channel"].get<std::string>();

    // Built before co_await: GCC 12 miscompiles some temporaries inside co_await operands.
    std::string label = method;
    if (!channel.empty()) label += " " + channel;
    co_return co_await d.async_send(std::move(label), d.base, std::move(req), method, channel);
}

asio::awaitable<api_result> web_api::async_post_response_url(std::string response_url, json body) {
    auto& d = *impl_;
    auto target = parse_url(response_url);
    // The URL comes from a payload: it must not aim our client at any other host.
    const bool api_explicit = d.cfg.api_url != default_api_url;
    if (!target || !is_allowed_response_url(*target, d.base, api_explicit)) {
        api_result bad;
        if (target) {
            bad.code = errc::refused_url;
            bad.error = "response_url_refused";
            d.log.error("web_api",
                        "response_url to " + target->scheme + "://" + target->host +
                            " refused (only https://hooks.slack.com/); reply dropped");
        } else {
            bad.code = errc::refused_url;
            bad.error = "invalid_response_url";
            d.log.error("web_api", "response_url is not a valid URL; reply dropped");
        }
        ++d.stats.failures;
        co_return bad;
    }
    net::http_request req;
    req.verb = http::verb::post;
    req.content_type = "application/json; charset=utf-8";
    req.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    // The response_url path carries a secret; log only the host.
    std::string label = "response_url " + target->host;
    co_return co_await d.async_send(std::move(label), *target, std::move(req), "response_url", "");
}

asio::awaitable<web_api::page_result> web_api::async_paginate(std::string method,
                                                              json args,
                                                              std::string items_key,
                                                              int limit) {
    page_result out;
    args["limit"] = limit;
    for (;;) {
        out.last = co_await async_call(method, args);
        if (!out.last.ok) co_return out;
        if (auto it = out.last.body.find(items_key); it != out.last.body.end() && it->is_array())
            for (auto& item : *it) out.items.push_back(std::move(item));
        std::string cursor;
        if (auto m = out.last.body.find("response_metadata"); m != out.last.body.end() &&
                                                               m->is_object())
            cursor = m->value("next_cursor", std::string());
        // An empty or missing next_cursor marks the last page.
        if (cursor.empty()) co_return out;
        args["cursor"] = cursor;
    }
}

void web_api::call(std::string method, json args, std::function<void(const api_result&)> done) {
    asio::co_spawn(
        impl_->ex,
        [this, method = std::move(method), args = std::move(args), done = std::move(done)]()
            -> asio::awaitable<void> {
            auto r = co_await async_call(method, args);
            if (done) done(r);
        },
        [log = &impl_->log](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log->debug("web_api", std::string("call abandoned: ") + ex.what());
            }
        });
}

asio::awaitable<api_result> web_api::impl::async_send(std::string label,
                                                      url to,
                                                      net::http_request req,
                                                      std::string rate_key,
                                                      std::string channel) {
    api_result result;
    backoff retry(cfg.web_api.retry_initial, cfg.web_api.retry_initial * 32,
                  stats.http_attempts + 1);
    for (int attempt = 1; attempt <= cfg.web_api.max_attempts; ++attempt) {
        co_await sleep_until(blocked_until[rate_key]);
        if (!channel.empty()) co_await sleep_until(reserve_channel_slot(channel));
        if (stopping) {
            result.code = errc::network;
            result.error = "shutting_down";
            log.info("web_api", label + ": dropped, shutting down");
            co_return result;
        }
        ++stats.http_attempts;
        result.attempts = attempt;
        result.retry_after.reset();  // only the last attempt's counts
        net::http_response res;
        boost::system::error_code failed;
        try {
            res = co_await http.async_send(to, req);
        } catch (const boost::system::system_error& e) {
            if (e.code() == asio::error::operation_aborted) throw;
            failed = e.code();
        }
        if (failed) {
            ++stats.by_method_status[rate_key + " 0"];
            result.error = "network: " + failed.message();
            result.code = errc::network;
            if (net::is_certificate_error(failed)) {
                // Not a network blip: a retry moments later only repeats the handshake.
                // Callers that loop (the Socket Mode slots) back off instead (issue 15).
                result.code = errc::tls;
                ++stats.failures;
                refusals.refused(log, "web_api", to.host, failed.message());
                co_return result;
            }
            log.warn("web_api", label + ": " + result.error + " (attempt " +
                                      std::to_string(attempt) + ")");
            co_await sleep_until(clock_type::now() + retry.next());
            continue;
        }
        refusals.accepted(to.host);
        result.http_status = res.status;
        ++stats.by_method_status[rate_key + " " + std::to_string(res.status)];
        if (res.status == 429) {
            ++stats.rate_limited;
            const auto wait = res.retry_after.value_or(retry.next());
            blocked_until[rate_key] = clock_type::now() + wait;
            result.code = errc::rate_limited;
            result.error = "ratelimited";
            result.retry_after = res.retry_after;
            log.warn("web_api", label + ": ratelimited, retrying after " +
                                      std::to_string(wait.count()) + " ms");
            continue;
        }
        if (res.status >= 500) {
            result.code = errc::http_status;
            result.error = "http_" + std::to_string(res.status);
            log.warn("web_api", label + ": " + result.error);
            co_await sleep_until(clock_type::now() + retry.next());
            continue;
        }
        json body = parse_json(res.body);
        if (body.is_discarded() || !body.is_object()) {
            result.code = res.status == 200 ? errc::protocol : errc::http_status;
            result.error = res.status == 200 ? "invalid_response" : "http_" + std::to_string(res.status);
            break;
        }
        result.ok = body.value("ok", false);
        result.error = result.ok ? "" : body.value("error", std::string("unknown_error"));
        result.code = result.ok ? std::error_code() : make_error_code(classify_slack_error(result.error));
        result.warnings = collect_warnings(body);
        result.body = std::move(body);
        if (!result.ok) {
            ++stats.failures;
            log.warn("web_api", label + ": " + result.error);
        }
        co_return result;
    }
    ++stats.failures;
    log.error("web_api", label + ": failed after " + std::to_string(result.attempts) +
                               " attempts: " + result.error);
    co_return result;
}

}  // namespace incident_bot

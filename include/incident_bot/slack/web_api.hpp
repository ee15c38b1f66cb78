// Slack Web API client: HTTPS POST JSON (GET for read methods) with Bearer auth,
// keep-alive reuse, typed results, 429/Retry-After handling per method, per-channel pacing of
// chat.postMessage, retries with backoff, and a bounded queue. Runs on one executor; `call`
// may be used from any thread.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "incident_bot/config.hpp"
#include "incident_bot/error.hpp"
#include "incident_bot/log.hpp"

namespace incident_bot {

/// The outcome of one Web API call, after retries.
struct api_result {
    /// Slack's `ok`; false for transport failures too.
    bool ok = false;
    /// What kind of failure (error.hpp); empty when ok.
    std::error_code code;
    /// Diagnostics, text from outside: Slack's `error` ("channel_not_found", "ratelimited"),
    /// or for failures that never got a Slack answer: "http_<status>", "network: <what>",
    /// "queue_full", "invalid_response".
    std::string error;
    /// Slack's Retry-After on the last 429, when the retries ran out on one.
    std::optional<std::chrono::milliseconds> retry_after;
    /// Slack's warnings (from `warning` and `response_metadata.warnings`).
    std::vector<std::string> warnings;
    /// The whole response object (null for transport failures).
    nlohmann::json body;
    /// Last HTTP status seen (0 when no response arrived).
    unsigned http_status = 0;
    /// How many HTTP attempts were made.
    int attempts = 0;
};

/// Which token authorises a call.
enum class token_kind { bot, app };

/// Counters for tests and /metrics.
struct web_api_stats {
    std::size_t calls = 0;
    std::size_t http_attempts = 0;
    std::size_t rate_limited = 0;
    std::size_t failures = 0;
    /// HTTP attempts by "method status" ("chat.postMessage 200"; status 0: no response).
    std::map<std::string, std::size_t> by_method_status;
};

class web_api {
public:
    web_api(boost::asio::any_io_executor ex, const config& cfg, const logger& log);
    ~web_api();
    web_api(const web_api&) = delete;
    web_api& operator=(const web_api&) = delete;

    /// Calls `method` with `args` (a JSON object). Read methods (users.info,
    /// conversations.history, ...) go as GET with a query string, the rest as a JSON POST.
    /// Never throws for Slack or network failures: they come back in the result (and are
    /// logged); only cancellation propagates.
    boost::asio::awaitable<api_result> async_call(std::string method,
                                                  nlohmann::json args = nlohmann::json::object(),
                                                  token_kind token = token_kind::bot);

    /// Posts `body` as JSON to a slash-command/interaction `response_url` (no token: the URL
    /// is the credential). Retries like async_call.
    boost::asio::awaitable<api_result> async_post_response_url(std::string response_url,
                                                               nlohmann::json body);

    /// Follows `response_metadata.next_cursor` until it is empty, collecting the array at
    /// `items_key` of every page. Stops at the first failed page and returns its result with
    /// what was collected so far in `items`.
    struct page_result {
        api_result last;
        std::vector<nlohmann::json> items;
    };
    boost::asio::awaitable<page_result> async_paginate(std::string method,
                                                       nlohmann::json args,
                                                       std::string items_key,
                                                       int limit = 200);

    /// Thread-safe fire-and-report form: runs the call on the client's executor and hands the
    /// result to `done` there (may be empty to just log failures).
    void call(std::string method,
              nlohmann::json args,
              std::function<void(const api_result&)> done = {});

    /// Shutdown (thread-safe): calls started from now on fail with "shutting_down", retries
    /// and rate-limit waits end at once, and a request on the wire gets no second attempt, so
    /// no call keeps the executor busy for longer than one request_timeout.
    void stop();
    /// Calls started and not finished (on the client's executor).
    std::size_t pending() const;

    const web_api_stats& stats() const;
    boost::asio::any_io_executor get_executor() const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace incident_bot

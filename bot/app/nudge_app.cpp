#include "incident_bot/app/nudge_app.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>

#include "incident_bot/rules/nudge.hpp"
#include "incident_bot/store/settle_nudge.hpp"

namespace incident_bot {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

constexpr const char* thanks = "Thanks for the feedback \xE2\x80\x94 noted.";

// Replacing the nudge through its response_url is the only way to change an ephemeral
// message (Slack docs, "Handling user interaction": response_url with replace_original); it
// also removes the buttons, so one vote per nudge.
asio::awaitable<void> replace_nudge(web_api& api, std::string url, const logger& log) {
    // Built before the co_await: GCC 12 mishandles braced JSON inside a co_await operand.
    json body = {{"replace_original", true}, {"text", thanks}};
    auto r = co_await api.async_post_response_url(std::move(url), std::move(body));
    if (!r.ok) log.warn("nudges", "response_url for a nudge vote: " + r.error);
}

}  // namespace

nudge_app::nudge_app(dispatcher& routes,
                     store_executor& executor,
                     web_api& api,
                     const nudges_config& cfg,
                     const blame_detector& detector,
                     const logger& log,
                     std::string opt_out_command)
    : executor_(executor),
      api_(api),
      cfg_(cfg),
      detector_(detector),
      log_(log),
      opt_out_command_(std::move(opt_out_command)) {
    // An observer: the timeline's listener owns the ack.
    routes.on_event("message", [this](const envelope_ptr& env, const ack_handle&) {
        on_message(*env);
    });
    for (const auto kind : {nudge_vote_helpful_action, nudge_vote_not_helpful_action})
        routes.on_action(kind, [this](const envelope_ptr& env, const ack_handle& ack) {
            on_block_actions(*env, ack);
        });
}

void nudge_app::set_bot_user(std::string user_id) {
    std::lock_guard lock(bot_user_mutex_);
    bot_user_ = std::move(user_id);
}

// On the network thread. A redelivered message may be scanned again; the throttle (one
// nudge per person and category per window) keeps it from being nudged twice.
void nudge_app::on_message(const envelope& env) {
    if (!cfg_.enabled) return;
    const json_view event = env.payload.root()["event"];
    if (!event.present()) return;
    std::string self;
    {
        std::lock_guard lock(bot_user_mutex_);
        self = bot_user_;
    }
    auto m = nudge_candidate(event, self);
    if (!m) return;
    auto findings = detector_.scan(m->text);
    if (findings.empty()) return;  // most messages: no store work at all
    executor_.post([this, m = std::move(*m), findings = std::move(findings)](store& s) mutable {
        const auto now = std::chrono::floor<std::chrono::seconds>(s.now());
        const auto f = settle_nudge(s, cfg_, m, std::move(findings), now);
        if (!f) return;
        // Ids and the rule only: the message text never reaches the log.
        log_.debug("nudges", "nudging " + m.user + " in " + m.channel + " (" + f->rule_id + ")");
        api_.call("chat.postEphemeral",
                  nudge_ephemeral_args(m, *f, opt_out_command_),
                  [this, channel = m.channel](const api_result& r) {
                      if (!r.ok)
                          log_.warn("nudges", "chat.postEphemeral " + channel + ": " + r.error);
                  });
    });
}

// On the network thread: ack at once, write the vote on the store's thread.
void nudge_app::on_block_actions(const envelope& env, const ack_handle& ack) {
    ack();
    auto vote = parse_nudge_vote(env.payload.tree());
    if (!vote) {
        log_.info("nudges", "vote " + env.envelope_id + " without a rule or a user; ignored");
        return;
    }
    const auto& known = detector_.rules().rules();
    if (vote->rule_id != model_rule_id &&
        std::none_of(
            known.begin(), known.end(), [&](const rule& r) { return r.id == vote->rule_id; })) {
        log_.info("nudges", "vote for unknown rule from " + vote->user + " ignored");
        return;
    }
    // The category comes back from our own block id, but the payload is not ours to trust.
    const bool example = !vote->message_ts.empty() && !vote->channel.empty() &&
                         std::find(rule_categories.begin(), rule_categories.end(),
                                   vote->category) != rule_categories.end();
    executor_.post([this, example, v = std::move(*vote)](store& s) {
        s.vote_nudge(v.rule_id, v.helpful);
        // The voted message, kept for `train --with-feedback` (in the store only, never logged).
        if (example)
            s.keep_nudge_example(v.channel, v.message_ts, v.rule_id, v.category, v.helpful,
                                 std::chrono::floor<std::chrono::seconds>(s.now()));
        if (!v.response_url.empty()) {
            asio::co_spawn(api_.get_executor(),
                           replace_nudge(api_, v.response_url, log_),
                           [this](std::exception_ptr e) {
                               if (e) log_.error("nudges", "nudge vote reply failed");
                           });
        } else if (!v.channel.empty()) {
            api_.call("chat.postEphemeral",
                      {{"channel", v.channel}, {"user", v.user}, {"text", thanks}});
        }
    });
}

}  // namespace incident_bot

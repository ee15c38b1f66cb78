#include "incident_bot/app/incident_app.hpp"

#include <atomic>
#include <optional>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "app/async_submit.hpp"
#include "app/private_reply.hpp"
#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/commands/publish.hpp"
#include "incident_bot/commands/reminders.hpp"
#include "incident_bot/postmortem/related.hpp"

namespace incident_bot {

namespace asio = boost::asio;
using json = nlohmann::json;
using std::chrono::system_clock;

struct incident_app::state : std::enable_shared_from_this<incident_app::state> {
    state(store_executor& q, web_api& a, const commands_config& c, const rule_set* r, const logger& l)
        : queue(q), api(a), cfg(c), rules(r), log(l) {}

    store_executor& queue;
    web_api& api;
    const commands_config& cfg;
    const rule_set* rules;
    const logger& log;
    // Touched only by jobs on the store's writer thread.
    reminder_state reminders;
    std::atomic<bool> stopped{false};
    // Touched only on the web_api's executor.
    asio::steady_timer* timer = nullptr;
    // Set before the bot runs (incident_app::on_change).
    change_listener changed;
    std::function<bool(const slash_command&)> bare_declare;

    // Failures are logged; the command itself is already stored, and an echo line that did
    // not make it is not worth an error to the responder. A call that says what to tell on
    // failure (`if_failed`) tells `asker` privately.
    void send(const api_call& c, const detail::audience& asker = {}) {
        api.call(c.method, c.args, [this, self = shared_from_this(), c, asker](const api_result& r) {
            if (r.ok) {
                if (c.on_ok && !queue.post([on_ok = c.on_ok, body = r.body](store& s) { on_ok(s, body); }))
                    log.error("incident_app", "store queue full: the record of " + c.purpose +
                                                  " in " + c.args.value("channel", std::string()) +
                                                  " was not saved");
                return;
            }
            log.warn("incident_app",
                     c.method + " (" + c.purpose + ") " + c.args.value("channel", std::string()) +
                         ": " + r.error);
            if (!c.if_failed.empty() && !asker.user.empty())
                detail::tell_privately(api, log, "incident_app", asker,
                                       c.if_failed + " (Slack said: " + r.error + ")");
        });
    }

    // The command runs on the store's thread; its reply, follow-ups and channel creation
    // come back here, to the network thread. A reply later than the ack deadline reaches
    // the person through the command's response_url (ack_handle). `cfg_used` replaces the
    // configured commands (the declare modal's own create_channel), and `after` runs in the
    // same store job once the command is done (the modal's first summary).
    asio::awaitable<void> async_handle(slash_command cmd,
                                       std::function<void(json)> answer,
                                       std::optional<commands_config> cfg_used = {},
                                       after_command after = {}) {
        // Named, not a temporary: GCC 12 destroys temporaries in a co_await operand twice.
        auto run = [this, &cmd, &cfg_used, &after](store& s) {
            auto out = run_incident_command(
                s, cmd, cfg_used ? *cfg_used : cfg, rules, system_clock::now());
            if (after) after(s, out);
            return out;
        };
        command_outcome out;
        try {
            out = co_await async_submit(queue, std::move(run));
        } catch (const std::exception& e) {
            // The command's transaction rolled back, so nothing was half-applied.
            log.error("incident_app", cmd.command + " in " + cmd.channel_id + ": " + e.what());
            answer({{"response_type", "ephemeral"},
                    {"text",
                     "Sorry, I couldn't save that: the incident database had an error. Nothing "
                     "was changed; please try again in a moment."}});
            co_return;
        }
        answer(std::move(out.reply));
        for (const auto& c : out.follow_ups)
            send(c, {cmd.user_id, cmd.channel_id, cmd.response_url});
        if (out.new_channel) create_channel(*out.new_channel, out.new_channel->name, 1);
        if (out.check_privacy) learn_privacy(*out.check_privacy);
        if (out.touched_incident && changed) changed(*out.touched_incident, cmd.user_id);
    }

    // Until Slack answers, the incident counts as private: shown only in its own channel.
    void learn_privacy(const privacy_check& c) {
        api.call("conversations.info",
                 {{"channel", c.channel}},
                 [self = shared_from_this(), c](const api_result& r) {
                     const auto ch = r.ok ? r.body.find("channel") : r.body.end();
                     if (ch == r.body.end() || !ch->is_object() ||
                         !ch->value("is_private", json()).is_boolean()) {
                         self->log.warn("incident_app",
                                        "conversations.info " + c.channel + ": " +
                                            (r.ok ? "no is_private" : r.error) +
                                            "; incident #" + std::to_string(c.incident_id) +
                                            " stays visible in its channel only");
                         return;
                     }
                     const bool is_private = (*ch)["is_private"].get<bool>();
                     self->queue.post([c, is_private](store& s) {
                         s.set_incident_private(c.incident_id, is_private);
                     });
                 });
    }

    // Incidents from before privacy was recorded (or whose lookup failed) ask again at start.
    void learn_unknown_privacy() {
        queue.post([self = shared_from_this()](store& s) {
            for (const auto& i : s.list_incidents())
                if (!i.is_private && !i.channel.starts_with("pending:"))
                    self->learn_privacy({i.id, i.channel});
        });
    }

    // conversations.create, then (on the store thread) record the channel, invite the
    // declarer and post the header. A taken name gets the incident id appended once.
    void create_channel(const channel_request& req, const std::string& name, int attempt) {
        api.call("conversations.create",
                 {{"name", name}},
                 [self = shared_from_this(), req, name, attempt](const api_result& r) {
                     if (!r.ok && r.error == "name_taken" && attempt == 1)
                         return self->create_channel(
                             req, req.name + "-" + std::to_string(req.incident_id), 2);
                     const auto id = r.ok ? r.body["channel"].value("id", std::string()) : "";
                     if (id.empty()) {
                         self->log.warn("incident_app",
                                        "conversations.create " + name + ": " +
                                            (r.ok ? "no channel id" : r.error));
                     }
                     self->queue.post([self, req, id, error = r.error](store& s) {
                         self->channel_created(s, req, id, error);
                     });
                 });
    }

    void channel_created(store& s,
                         const channel_request& req,
                         const std::string& channel,
                         const std::string& error) {
        const auto tag = "incident #" + std::to_string(req.incident_id);
        if (channel.empty()) {
            // Fall back to where it was declared, so the incident is reachable at all.
            std::string where = "It lives in this channel instead.";
            try {
                s.set_incident_channel(req.incident_id, req.origin_channel);
            } catch (const store_error&) {
                where = "This channel already has an open incident, so " + tag +
                        " has no channel yet; please create one by hand.";
            }
            send({"chat.postMessage",
                  {{"channel", req.origin_channel},
                   {"text",
                    ":warning: I couldn't create #" + req.name + " for " + tag + " (" + error +
                        "). " + where}},
                  "create_channel"});
            return;
        }
        s.set_incident_channel(req.incident_id, channel);
        // conversations.create makes a public channel (is_private is not passed).
        s.set_incident_private(req.incident_id, false);
        send({"conversations.invite", {{"channel", channel}, {"users", req.declarer}}, "invite"});
        // The related incidents go in the header's thread, once Slack tells its ts.
        api.call("chat.postMessage",
                 {{"channel", channel}, {"text", req.header}},
                 [self = shared_from_this(), channel, related = req.related](const api_result& r) {
                     if (!r.ok) {
                         self->log.warn("incident_app", "chat.postMessage (header) " + channel + ": " + r.error);
                         return;
                     }
                     const auto ts = r.body.value("ts", std::string());
                     if (related.empty() || ts.empty()) return;
                     self->send({"chat.postMessage",
                                 {{"channel", channel}, {"thread_ts", ts}, {"text", related},
                                  {"unfurl_links", false}},
                                 "related"});
                 });
        send({"chat.postMessage",
              {{"channel", req.origin_channel},
               {"text", ":rotating_light: " + tag + " is being handled in <#" + channel + ">."}},
              "create_channel"});
    }

    void check_reminders_now() {
        queue.post([self = shared_from_this()](store& s) {
            const auto now = std::chrono::floor<std::chrono::seconds>(system_clock::now());
            for (const auto& c : check_reminders(s, self->cfg, self->reminders, now)) self->send(c);
        });
    }
};

namespace {

asio::awaitable<void> reminder_loop(std::shared_ptr<incident_app::state> st,
                                    std::chrono::milliseconds interval) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    st->timer = &timer;
    while (!st->stopped) {
        timer.expires_after(interval);
        const auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec || st->stopped) break;
        st->check_reminders_now();
    }
    st->timer = nullptr;
}

}  // namespace

incident_app::incident_app(dispatcher& routes,
                           store_executor& queue,
                           web_api& api,
                           const commands_config& cfg,
                           const rule_set* rules,
                           const logger& log)
    : state_(std::make_shared<state>(queue, api, cfg, rules, log)) {
    state_->learn_unknown_privacy();
    routes.on_command(cfg.command, [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        auto cmd = parse_slash_command(env->payload.tree());
        if (!cmd) {
            st->log.warn("incident_app", "slash command without user_id or channel_id; acked");
            ack();
            return;
        }
        if (st->bare_declare && st->bare_declare(*cmd)) {
            ack();
            return;
        }
        asio::co_spawn(st->api.get_executor(),
                       st->async_handle(std::move(*cmd), [ack](json r) { ack.ack(std::move(r)); }),
                       [st, ack](std::exception_ptr e) {
                           if (!e) return;
                           st->log.error("incident_app", "command handling stopped unexpectedly");
                           ack.ack({{"response_type", "ephemeral"},
                                    {"text", "The bot is restarting; please try again in a minute."}});
                       });
    });
    // "Publish anyway" on a held-back publication: the same command, as its clicker, in the
    // channel of the message; the answer replaces that message.
    routes.on_action(publish_anyway_action, [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        const auto& p = env->payload.tree();
        ack();
        detail::audience to{detail::text_at(p, "user", "id"),
                            detail::text_at(p, "container", "channel_id"),
                            detail::text_at(p, "response_url")};
        if (to.channel.empty()) to.channel = detail::text_at(p, "channel", "id");
        if (to.user.empty() || to.channel.empty()) {
            st->log.info("incident_app", "Publish anyway " + env->envelope_id + " without a user or channel");
            return;
        }
        slash_command cmd{st->cfg.command, std::string(publish_anyway_text), to.user, to.channel,
                          to.response_url, ""};
        asio::co_spawn(st->api.get_executor(),
                       st->async_handle(std::move(cmd),
                                        [st, to](json r) {
                                            detail::replace_privately(st->api, st->log,
                                                                      "incident_app", to, std::move(r));
                                        }),
                       [st](std::exception_ptr e) {
                           if (e) st->log.error("incident_app", "Publish anyway stopped unexpectedly");
                       });
    });
}

incident_app::~incident_app() { stop(); }

void incident_app::on_change(change_listener l) { state_->changed = std::move(l); }

void incident_app::on_bare_declare(std::function<bool(const slash_command&)> opener) {
    state_->bare_declare = std::move(opener);
}

void incident_app::run_command(slash_command cmd,
                               commands_config cfg,
                               after_command after,
                               std::function<void(nlohmann::json)> answer) {
    auto log = &state_->log;
    asio::co_spawn(state_->api.get_executor(),
                   state_->async_handle(
                       std::move(cmd), std::move(answer), std::move(cfg), std::move(after)),
                   [log](std::exception_ptr e) {
                       if (e) log->error("incident_app", "command handling stopped unexpectedly");
                   });
}

void incident_app::suggest_related(const diagnosis_mark& m) {
    if (!state_->cfg.suggest_related) return;
    state_->queue.post([st = state_, m](store& s) {
        auto post = possibly_related_post(s, m.text, m.incident_id, m.channel);
        if (!post) return;
        st->send({"chat.postMessage",
                  {{"channel", m.channel},
                   {"thread_ts", m.thread_ts.value_or(m.ts)},
                   {"text", std::move(*post)},
                   {"unfurl_links", false}},
                  "related"});
    });
}

void incident_app::start_reminders(std::chrono::milliseconds interval) {
    if (interval.count() == 0) return;
    // Digests missed while the bot was down are skipped rather than posted late twice.
    state_->queue.post([st = state_](store&) {
        st->reminders.last_digest = std::chrono::floor<std::chrono::seconds>(system_clock::now());
    });
    auto log = &state_->log;
    asio::co_spawn(
        state_->api.get_executor(), reminder_loop(state_, interval), [log](std::exception_ptr e) {
            if (e) log->error("incident_app", "reminder timer stopped unexpectedly");
        });
}

void incident_app::stop() {
    state_->stopped = true;
    asio::post(state_->api.get_executor(), [st = state_] {
        if (st->timer) st->timer->cancel();
    });
}

}  // namespace incident_bot

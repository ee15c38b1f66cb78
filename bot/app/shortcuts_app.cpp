#include "incident_bot/app/shortcuts_app.hpp"

#include <algorithm>
#include <cctype>

#include "app/private_reply.hpp"
#include "incident_bot/commands/access.hpp"
#include "incident_bot/commands/declare_modal.hpp"

namespace incident_bot {

using json = nlohmann::json;
using detail::audience;
using detail::text_at;

namespace {

bool is_bare_declare(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::string word(text);
    std::transform(word.begin(), word.end(), word.begin(), [](unsigned char c) {
        return static_cast<char>(std::tolower(c));
    });
    return word == "declare";
}

}  // namespace

struct shortcuts_app::state : std::enable_shared_from_this<shortcuts_app::state> {
    state(incident_app& i, store_executor& q, web_api& a, const commands_config& c, const logger& l)
        : incidents(i), queue(q), api(a), cfg(c), log(l) {}

    incident_app& incidents;
    store_executor& queue;
    web_api& api;
    const commands_config& cfg;
    const logger& log;

    void tell(const audience& to, std::string text) {
        detail::tell_privately(api, log, "shortcuts", to, std::move(text));
    }

    void open_modal(const std::string& trigger_id, const std::string& channel, audience to) {
        api.call("views.open",
                 {{"trigger_id", trigger_id}, {"view", declare_modal(cfg, channel)}},
                 [self = shared_from_this(), to](const api_result& r) {
                     if (r.ok) return;
                     self->log.warn("shortcuts", "views.open: " + r.error);
                     self->tell(to, "Sorry, I couldn't open the declare form (" + r.error +
                                        "). Try again, or type `" + self->cfg.command +
                                        " declare sev2 What is broken`.");
                 });
    }

    // `/incident declare` alone: the modal, when there is a trigger and they may declare;
    // otherwise the text command answers (it says a title is needed, or who may declare).
    bool on_bare_declare(const slash_command& cmd) {
        if (!is_bare_declare(cmd.text) || cmd.trigger_id.empty() || may_declare(cfg, cmd.user_id))
            return false;
        open_modal(cmd.trigger_id, cmd.channel_id, {cmd.user_id, cmd.channel_id, cmd.response_url});
        return true;
    }

    void on_shortcut(const envelope& env, const ack_handle& ack) {
        ack();
        const auto& p = env.payload.tree();
        const auto user = text_at(p, "user", "id");
        if (user.empty()) return;
        const audience to{user, "", ""};
        if (text_at(p, "callback_id") != declare_callback)
            return tell(to, "Sorry, I don't know that shortcut. Nothing was changed.");
        if (auto no = may_declare(cfg, user)) return tell(to, std::move(*no));
        const auto trigger = text_at(p, "trigger_id");
        if (trigger.empty())
            return tell(to, "Slack didn't send what I need to open the declare form. Please type `" +
                                cfg.command + " declare sev2 What is broken` instead.");
        open_modal(trigger, "", to);
    }

    void on_submission(const envelope& env, const ack_handle& ack) {
        const auto& p = env.payload.tree();
        if (text_at(p, "view", "callback_id") != declare_callback) {
            log.info("shortcuts", "view_submission of an unknown view; closed");
            ack();
            return;
        }
        const auto form = parse_declare_submission(p);
        if (!form) {
            ack();
            return;
        }
        if (auto errors = declare_form_errors(*form); !errors.empty()) {
            // Shown in place: the modal stays open with the problem under its field.
            ack.ack({{"response_action", "errors"}, {"errors", std::move(errors)}});
            return;
        }
        ack();  // closes the modal; the declare's own reply follows privately
        commands_config used = cfg;
        used.create_channel = form->new_channel;
        const auto channel = form->channel;
        slash_command cmd{cfg.command, declare_command_text(*form), form->user,
                          channel.empty() ? form->user : channel, "", ""};
        auto summary = form->summary;
        auto after = [summary, user = form->user](store& s, command_outcome& out) {
            const auto id = out.new_channel     ? out.new_channel->incident_id
                            : out.check_privacy ? out.check_privacy->incident_id
                                                : 0;
            if (id && !blank(summary)) s.set_summary(id, summary, user);
        };
        incidents.run_command(std::move(cmd), std::move(used), std::move(after),
                              [self = shared_from_this(), user = form->user, channel](json reply) {
                                  self->deliver(user, channel, std::move(reply));
                              });
    }

    static bool blank(const std::string& s) {
        return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c); });
    }

    // The declare command's reply, as typing it would have shown it: in the channel for
    // everyone, or privately.
    void deliver(const std::string& user, const std::string& channel, const json& reply) {
        const auto text = reply.value("text", std::string());
        if (text.empty()) return;
        if (reply.value("response_type", "") == "in_channel" && !channel.empty()) {
            api.call("chat.postMessage", {{"channel", channel}, {"text", text}},
                     [self = shared_from_this()](const api_result& r) {
                         if (!r.ok) self->log.warn("shortcuts", "declare announcement: " + r.error);
                     });
            return;
        }
        tell({user, channel, ""}, text);
    }

    void on_message_action(const envelope& env, const ack_handle& ack) {
        ack();
        const auto& p = env.payload.tree();
        audience to{text_at(p, "user", "id"), text_at(p, "channel", "id"), text_at(p, "response_url")};
        if (to.user.empty()) return;
        if (text_at(p, "callback_id") != add_to_timeline_callback)
            return tell(to, "Sorry, I don't know that shortcut. Nothing was changed.");
        const auto ts = canonical_ts(text_at(p, "message", "ts"));
        if (to.channel.empty() || !ts)
            return tell(to, "Slack didn't say which message that was, so nothing was added.");
        timeline_entry e;
        e.ts = *ts;
        if (auto parent = canonical_ts(text_at(p, "message", "thread_ts")); parent && *parent != *ts)
            e.thread_ts = *parent;
        const auto author = text_at(p, "message", "user");
        if (!author.empty()) e.user = author;
        else if (auto bot = text_at(p, "message", "bot_id"); !bot.empty()) {
            e.user = bot;
            e.source = entry_source::bot;
        }
        e.text = text_at(p, "message", "text");
        if (!queue.post([self = shared_from_this(), to, e = std::move(e)](store& s) mutable {
                self->add_to_timeline(s, to, std::move(e));
            }))
            tell(to, "I'm too busy to add that right now. Nothing was added; please try again in "
                     "a minute.");
    }

    // On the store's thread.
    void add_to_timeline(store& s, const audience& to, timeline_entry e) {
        const auto inc = s.find_open_incident(to.channel);
        if (!inc)
            return tell(to, "There's no open incident in this channel, so there is no timeline "
                            "to add to. `" + cfg.command + " declare` starts one.");
        e.incident_id = inc->id;
        transaction tx(s);
        // A message from before the bot watched the channel is added as it is now.
        auto id = s.add_entry(e);
        if (!id)
            if (auto existing = s.find_entry(inc->id, e.ts)) id = existing->id;
        // Recorded like a marking reaction by this person, so it is undone the same way.
        const bool added = id && s.add_reaction(*id, to.user, "shortcut:add_to_timeline", {true, {}});
        tx.commit();
        const auto tag = "incident #" + std::to_string(inc->id);
        tell(to, !id     ? "Sorry, I couldn't add that message to the timeline of " + tag + "."
                 : added ? ":pushpin: Added to the timeline of " + tag +
                               " as a key event; it goes into the post-mortem."
                         : "You already marked that message as a key event of " + tag + ".");
    }
};

shortcuts_app::shortcuts_app(dispatcher& routes,
                             incident_app& incidents,
                             store_executor& queue,
                             web_api& api,
                             const commands_config& cfg,
                             const logger& log)
    : state_(std::make_shared<state>(incidents, queue, api, cfg, log)) {
    incidents.on_bare_declare([st = state_](const slash_command& cmd) { return st->on_bare_declare(cmd); });
    routes.on_interaction("shortcut", [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        st->on_shortcut(*env, ack);
    });
    routes.on_interaction("message_action", [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        st->on_message_action(*env, ack);
    });
    routes.on_interaction("view_submission", [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        st->on_submission(*env, ack);
    });
}

}  // namespace incident_bot

#include "incident_bot/app/home_app.hpp"

#include <chrono>

#include "app/private_reply.hpp"
#include "incident_bot/commands/action_items.hpp"
#include "incident_bot/commands/home.hpp"

namespace incident_bot {

using json = nlohmann::json;
using detail::text_at;
using std::chrono::steady_clock;

namespace {

// One button click, as far as the bot uses it. Everything in it came from the payload and is
// checked before use.
struct click {
    std::string action_id;
    std::string kind;  // action_id up to ':'
    std::string value;
    std::string user;
    std::string channel;     // of the message clicked; empty on the Home
    std::string message_ts;  // of the message clicked
    std::string response_url;
    bool from_home = false;
};

std::optional<click> parse_click(const json& payload) {
    const auto actions = payload.find("actions");
    if (actions == payload.end() || !actions->is_array() || actions->empty() ||
        !actions->front().is_object())
        return std::nullopt;
    click c;
    const auto& a = actions->front();
    c.action_id = text_at(a, "action_id").substr(0, 255);
    c.kind = c.action_id.substr(0, c.action_id.find(':'));
    c.value = text_at(a, "value").substr(0, 100);
    c.user = text_at(payload, "user", "id");
    if (c.user.empty()) return std::nullopt;
    c.from_home = text_at(payload, "view", "type") == "home";
    if (!c.from_home) {
        c.channel = text_at(payload, "container", "channel_id");
        if (c.channel.empty()) c.channel = text_at(payload, "channel", "id");
        c.message_ts = text_at(payload, "container", "message_ts");
        c.response_url = text_at(payload, "response_url");
    }
    return c;
}

// The view of someone who never changed it.
home_viewer first_view(const std::string& user) {
    home_viewer v;
    v.user = user;
    return v;
}

}  // namespace

struct home_app::state : std::enable_shared_from_this<home_app::state> {
    state(store_executor& q, store_reader& r, web_api& a, const commands_config& c, const logger& l)
        : queue(q), reader(r), api(a), cfg(c), log(l) {}

    store_executor& queue;
    store_reader& reader;
    web_api& api;
    const commands_config& cfg;
    const logger& log;

    void call(std::string method, json args) {
        api.call(method, std::move(args), [this, self = shared_from_this(), method](const api_result& r) {
            if (!r.ok) log.warn("home_app", method + ": " + r.error);
        });
    }

    // Publishes the viewer's Home as they left it. Built on the reader's thread: a Home
    // with many items takes tens of ms, which would hold up every event's commit.
    void publish(home_viewer v, std::string notice = {}) {
        reader.post([self = shared_from_this(), v = std::move(v), notice = std::move(notice)](
                        store& s) mutable { self->build_and_publish(s, v, std::move(notice)); });
    }

    void build_and_publish(store& s, const home_viewer& v, std::string notice) {
        const auto started = steady_clock::now();
        home_request r{v.user,
                       v.filter,
                       v.grouping,
                       std::chrono::floor<std::chrono::days>(s.now()),
                       std::move(notice)};
        auto view = build_home_view(s, cfg, r);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            steady_clock::now() - started);
        if (const auto problems = block_kit_problems(view); !problems.empty()) {
            // A bug, not a Slack condition: Slack would refuse the view anyway.
            log.error("home_app", "Home for " + v.user + " breaks Block Kit: " + problems.front());
            return;
        }
        log.debug("home_app", "Home for " + v.user + " built in " +
                                  std::to_string(took.count()) + " ms");
        call("views.publish", {{"user_id", v.user}, {"view", std::move(view)}});
    }

    void on_home_opened(const envelope& env, const ack_handle& ack) {
        const auto& p = env.payload.tree();
        const auto event = p.is_object() ? p.value("event", json::object()) : json::object();
        const auto user = text_at(event, "user");
        // The Messages tab opens the same event; only the Home tab has anything to show.
        if (user.empty() || text_at(event, "tab") != "home") {
            ack();
            return;
        }
        const bool queued = queue.post([self = shared_from_this(), user, ack](store& s) {
            auto v = s.home_viewer_of(user).value_or(first_view(user));
            v.opened_at = std::chrono::floor<std::chrono::seconds>(s.now());
            s.remember_home_viewer(v);
            // Acked once the viewer is stored: a redelivery publishes once more, harmlessly.
            ack();
            self->publish(std::move(v));
        });
        if (!queued) ack.reject();
    }

    void tell(const click& c, std::string text) {
        detail::tell_privately(api, log, "home_app", {c.user, c.channel, c.response_url}, std::move(text));
    }

    // Its own buttons, and the answer to buttons no app knows.
    void on_block_actions(const envelope& env, const ack_handle& ack) {
        ack();
        auto c = parse_click(env.payload.tree());
        if (!c) {
            log.info("home_app", "block_actions " + env.envelope_id + " without a user or action");
            return;
        }
        if (!queue.post([self = shared_from_this(), c = *c](store& s) { self->handle(s, c); }))
            tell(*c, "I'm too busy to handle that click right now. Nothing was changed; please try "
                     "again in a minute.");
    }

    // On the store's thread.
    void handle(store& s, const click& c) {
        const auto viewer = [&] {
            return s.home_viewer_of(c.user).value_or(first_view(c.user));
        };
        if (c.from_home && (c.kind == home_filter_action || c.kind == home_group_action)) {
            auto v = viewer();
            const auto f = parse_home_filter(c.value);
            const auto g = parse_home_grouping(c.value);
            if (c.kind == home_filter_action && f) v.filter = *f;
            else if (c.kind == home_group_action && g) v.grouping = *g;
            else return publish(v, "That button isn't one I know. Nothing was changed.");
            v.opened_at = std::chrono::floor<std::chrono::seconds>(s.now());
            s.remember_home_viewer(v);
            return publish(v);
        }
        if (c.kind != item_done_action && c.kind != item_snooze_action) {
            log.info("home_app", "unknown button '" + c.action_id.substr(0, 60) + "' from " + c.user);
            const std::string sorry =
                "Sorry, I don't know that button (it may come from an older version of me). "
                "Nothing was changed.";
            if (c.from_home) return publish(viewer(), sorry);
            return tell(c, sorry);
        }
        const auto id = parse_id(c.value);
        const requester who{c.user, c.channel};
        const auto today = std::chrono::floor<std::chrono::days>(s.now());
        item_change change;
        if (!id)
            change.reply = "That button doesn't name an action item I know. Nothing was changed.";
        else if (c.kind == item_done_action)
            change = close_action_item(s, cfg, *id, who);
        else
            change = snooze_action_item(s, cfg, *id, who, snooze_days, today);
        const bool changed = change.result == item_result::changed;
        if (changed) {
            // A click on the item's own post updates it in place; the channel sees that, so
            // the separate "done" line goes only to another channel.
            for (const auto& f : change.follow_ups)
                if (c.from_home || f.args.value("channel", "") != c.channel) call(f.method, f.args);
            log.info("home_app", std::string(c.kind == item_done_action ? "closed" : "snoozed") +
                                     " action #" + std::to_string(*id) + " for " + c.user);
        }
        if (c.from_home) {
            publish(viewer(), changed ? std::string() : change.reply);
        } else {
            if (changed && !c.message_ts.empty()) {
                const auto& item = *change.item;
                const auto line = action_post_line(item);
                call("chat.update",
                     {{"channel", c.channel},
                      {"ts", c.message_ts},
                      {"text", line},
                      {"blocks",
                       item.done ? action_post_blocks(line, item.id, c.user, item.done_at)
                                 : action_post_blocks(line, item.id)}});
            }
            // A done post speaks for itself; a snooze or a refusal is said privately.
            if (!changed || c.kind == item_snooze_action) tell(c, change.reply);
        }
        if (changed) refresh_now(s, *change.inc, c.from_home ? c.user : std::string(), c.user);
    }

    // On the store's thread: the Homes of the incident's people and `by`, except `skip`
    // (whose Home was just published with a notice).
    void refresh_now(store& s, const incident& i, const std::string& skip, const std::string& by) {
        auto people = incident_people(s, i);
        people.insert(by);
        for (const auto& user : people) {
            if (user == skip) continue;
            if (auto v = s.home_viewer_of(user)) publish(std::move(*v));
        }
    }
};

home_app::home_app(dispatcher& routes,
                   store_executor& queue,
                   store_reader& reader,
                   web_api& api,
                   const commands_config& cfg,
                   const logger& log)
    : state_(std::make_shared<state>(queue, reader, api, cfg, log)) {
    routes.on_event("app_home_opened", [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        st->on_home_opened(*env, ack);
    });
    const auto clicked = [st = state_](const envelope_ptr& env, const ack_handle& ack) {
        st->on_block_actions(*env, ack);
    };
    for (const auto kind : {home_filter_action, home_group_action, item_done_action, item_snooze_action})
        routes.on_action(kind, clicked);
    routes.on_unknown_action(clicked);
}

void home_app::refresh(std::int64_t incident_id, const std::string& by) {
    state_->queue.post([st = state_, incident_id, by](store& s) {
        if (auto i = s.get_incident(incident_id)) st->refresh_now(s, *i, {}, by);
    });
}

}  // namespace incident_bot

// `/incident note`, `learned`, `summary`, `impact`, `action`, `done` and `actions`.
#include "commands/command_runner.hpp"

#include <set>

#include "commands/learning_commands.hpp"
#include "incident_bot/commands/access.hpp"
#include "incident_bot/commands/action_items.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot::detail {

command_outcome command_runner::note() {
    const std::string text = std::string(after_words(cmd_.text, 1));
    if (one_line(text).empty())
        return usage("A note needs some text: what happened or what you found.", "note TEXT");
    auto inc = channel_incident();
    if (!inc) return say(no_incident_text());
    transaction tx(store_);
    store_.add_note(inc->id, cmd_.user_id, text);
    tx.commit();
    echo(inc->channel,
         ":memo: Note from " + mention(cmd_.user_id) + ": " +
             truncate_utf8(one_line(text), k_echo_chars));
    return say("Noted on the timeline of incident #" + std::to_string(inc->id) + ".");
}

command_outcome command_runner::learned() {
    const std::string text(after_words(cmd_.text, 1));
    if (one_line(text).empty())
        return usage("What did we learn? Write it as a lesson for the next responders.",
                     "learned TEXT");
    auto inc = channel_incident();
    if (!inc) return say(no_incident_text());
    transaction tx(store_);
    store_.add_learning({0, inc->id, cmd_.user_id, text, std::chrono::floor<std::chrono::seconds>(now_)});
    tx.commit();
    echo(inc->channel, detail::learning_echo(cmd_, text));
    return say("Recorded as a learning of incident #" + std::to_string(inc->id) +
               ": it goes into the post-mortem and `" + cfg_.command + " search` finds it.");
}

command_outcome command_runner::summary_or_impact(bool is_summary) {
    const std::string what = is_summary ? "summary" : "impact";
    const std::string text = std::string(after_words(cmd_.text, 1));
    if (one_line(text).empty())
        return usage(is_summary
                         ? "A summary needs text: what happened, in a sentence or two."
                         : "Describe the impact: who was affected, how, and for how long.",
                     what + " TEXT");
    auto inc = channel_incident();
    if (!inc) return say(no_incident_text());
    transaction tx(store_);
    if (is_summary)
        store_.set_summary(inc->id, text, cmd_.user_id);
    else
        store_.set_impact(inc->id, text, cmd_.user_id);
    tx.commit();
    return say("Saved the " + what + " of incident #" + std::to_string(inc->id) +
               "; it goes into the post-mortem.");
}

command_outcome command_runner::action() {
    const std::string form = "action TEXT [@owner] [due:YYYY-MM-DD]";
    std::optional<std::string> owner;
    std::optional<std::chrono::sys_days> due;
    std::string text;
    for (std::size_t i = 1; i < words_.size(); ++i) {
        const auto w = words_[i];
        if (auto u = parse_user_mention(w)) {
            if (owner) return usage("One owner per action, please.", form);
            owner = *u;
        } else if (lower(w.substr(0, 4)) == "due:") {
            if (due) return usage("One due date per action, please.", form);
            due = detail::parse_day(w.substr(4));
            if (!due)
                return usage("`" + std::string(truncate_utf8(w, 40)) +
                                 "` isn't a date I can read. Write it as due:2026-11-30.",
                             form);
            if (*due < std::chrono::floor<std::chrono::days>(now_))
                return usage("due:" + detail::format_day(*due) + " is in the past.", form);
        } else {
            text += (text.empty() ? "" : " ") + std::string(w);
        }
    }
    if (text.empty()) return usage("An action needs a description of what to do.", form);
    auto inc = channel_incident();
    if (!inc) return say(no_incident_text());

    action_item a;
    a.incident_id = inc->id;
    a.text = text;
    a.owner = owner;
    a.due = due;
    a.created_by = cmd_.user_id;
    transaction tx(store_);
    const auto id = store_.add_action_item(a);
    tx.commit();

    a.id = id;
    echo(inc->channel, action_post_line(a));
    // The post carries Mark done / Snooze buttons (issue 18).
    auto& post = out_.follow_ups.back();
    post.args["blocks"] = action_post_blocks(post.args["text"].get<std::string>(), id);
    // Remembered so that closing it by command or from the Home updates this post too.
    post.on_ok = [id](store& s, const nlohmann::json& r) {
        const auto channel = r.find("channel");
        const auto ts = r.find("ts");
        if (channel == r.end() || ts == r.end() || !channel->is_string() || !ts->is_string())
            return;
        s.set_action_post(id, channel->get<std::string>(), ts->get<std::string>());
    };
    out_.touched_incident = inc->id;
    return say("Added action #" + std::to_string(id) + ". Close it with `" + cfg_.command +
               " done " + std::to_string(id) + "`.");
}

command_outcome command_runner::done() {
    const std::string form = "done ACTION-ID";
    if (words_.size() != 2)
        return usage(words_.size() < 2 ? "Which action? Give its number, like `done 7`."
                                       : "Just the action number, please.",
                     form);
    const auto id = parse_id(words_[1]);
    if (!id)
        return usage(
            "`" + std::string(truncate_utf8(words_[1], 40)) + "` isn't an action number.",
            form);
    auto change = close_action_item(store_, cfg_, *id, {cmd_.user_id, cmd_.channel_id});
    if (change.result == item_result::changed) out_.touched_incident = change.inc->id;
    for (auto& c : change.follow_ups) out_.follow_ups.push_back(std::move(c));
    return say(std::move(change.reply));
}

command_outcome command_runner::actions() {
    const std::string form = "actions [open|overdue|all] [@owner] [#channel]";
    action_filter f;
    std::optional<std::string> channel;
    bool scoped = false;
    for (std::size_t i = 1; i < words_.size(); ++i) {
        const auto w = lower(words_[i]);
        if (auto u = parse_user_mention(words_[i])) {
            if (f.owner) return usage("One owner at a time, please.", form);
            f.owner = *u;
        } else if (auto c = parse_channel_mention(words_[i])) {
            if (channel) return usage("One channel at a time, please.", form);
            channel = *c;
        } else if (!scoped && (w == "open" || w == "overdue" || w == "all")) {
            f.scope = w == "open"      ? action_scope::open
                      : w == "overdue" ? action_scope::overdue
                                       : action_scope::all;
            scoped = true;
        } else {
            return usage(
                "I don't understand `" + std::string(truncate_utf8(words_[i], 40)) + "` here.",
                form);
        }
    }
    const auto today = std::chrono::floor<std::chrono::days>(now_);
    f.today = today;
    // Items of private incidents are listed only in their own channel.
    std::set<std::int64_t> shown;
    for (const auto& i : store_.list_incidents())
        if ((!channel || i.channel == *channel) && i.visible_in(cmd_.channel_id))
            shown.insert(i.id);
    std::vector<action_item> items;
    for (auto& a : store_.list_action_items(f))
        if (shown.contains(a.incident_id)) items.push_back(std::move(a));
    if (items.empty()) return say("No matching action items. :tada:");

    std::string text = "*" + std::to_string(items.size()) + " action item" +
                       (items.size() == 1 ? "" : "s") + "*\n";
    for (std::size_t i = 0; i < items.size() && i < k_max_listed; ++i) {
        const auto& a = items[i];
        text += (a.done ? "☑ #" : "☐ #") + std::to_string(a.id) + " " +
                truncate_utf8(one_line(a.text), 120);
        if (a.owner) text += " — " + mention(*a.owner);
        if (a.due) {
            text += ", due " + detail::format_day(*a.due);
            if (!a.done && *a.due < today) text += " *(overdue)*";
        }
        text += " · incident #" + std::to_string(a.incident_id) + "\n";
    }
    if (items.size() > k_max_listed)
        text += "… and " + std::to_string(items.size() - k_max_listed) +
                " more. Narrow it with @owner or #channel.";
    return say(text);
}

}  // namespace incident_bot::detail

#include "incident_bot/commands/incident_commands.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "commands/learning_commands.hpp"
#include "incident_bot/commands/access.hpp"
#include "incident_bot/commands/action_items.hpp"
#include "incident_bot/commands/publish.hpp"
#include "incident_bot/postmortem/related.hpp"
#include "postmortem/format.hpp"
#include "postmortem/mentions.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;
using detail::format_duration;
using detail::one_line;
using detail::truncate_utf8;
using std::chrono::system_clock;

// Slack's advice for `text`; longer replies are cut with a pointer to the rest.
constexpr std::size_t k_reply_chars = 3500;
// Longest title, note or action text quoted back in an echo line.
constexpr std::size_t k_echo_chars = 300;
constexpr std::size_t k_max_title = 200;
constexpr std::size_t k_max_listed = 30;

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::vector<std::string_view> split_words(std::string_view text) {
    std::vector<std::string_view> words;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        const auto start = i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        if (i > start) words.push_back(text.substr(start, i - start));
    }
    return words;
}

// The text after the first `n` words of `text`, with its own spacing kept.
std::string_view after_words(std::string_view text, std::size_t n) {
    std::size_t i = 0;
    for (std::size_t w = 0; w < n; ++w) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
        while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    }
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    auto rest = text.substr(i);
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back())))
        rest.remove_suffix(1);
    return rest;
}

// "sev2" / "SEV2" as 2; nullopt when the word is not shaped like a severity at all, and 0
// when it is shaped like one but out of range (so the reply can say which).
std::optional<int> parse_severity(std::string_view word) {
    const auto w = lower(word);
    if (!w.starts_with("sev") || w.size() < 4) return std::nullopt;
    for (std::size_t i = 3; i < w.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(w[i]))) return std::nullopt;
    if (w.size() != 4 || w[3] < '1' || w[3] > '4') return 0;
    return w[3] - '0';
}

std::string mention(std::string_view user) { return "<@" + std::string(user) + ">"; }

std::string status_word(incident_status s) {
    // Responders say "monitoring"; the store calls the same phase "mitigated".
    return s == incident_status::mitigated ? "monitoring" : std::string(to_string(s));
}

json reply(std::string_view type, std::string text) {
    return {{"response_type", std::string(type)}, {"text", truncate_utf8(text, k_reply_chars)}};
}

class runner {
  public:
    runner(store& s,
           const slash_command& cmd,
           const commands_config& cfg,
           const rule_set* rules,
           system_clock::time_point now)
        : store_(s),
          cmd_(cmd),
          cfg_(cfg),
          rules_(rules),
          now_(now),
          words_(split_words(cmd.text)) {}

    command_outcome run() {
        const std::string sub = words_.empty() ? "help" : lower(words_[0]);
        if (sub == "help") return say(help_text());
        if (sub == "declare") return declare();
        if (sub == "status") return status();
        if (sub == "severity" || sub == "sev") return severity();
        if (sub == "role") return role();
        if (sub == "note") return note();
        if (sub == "summary" || sub == "impact") return summary_or_impact(sub == "summary");
        if (sub == "action") return action();
        if (sub == "done") return done();
        if (sub == "actions") return actions();
        if (sub == "resolve") return resolve(after_words(cmd_.text, 1));
        if (sub == "timeline") return timeline();
        if (sub == "postmortem") return postmortem();
        if (sub == "list") return list();
        if (sub == "nudges") return nudges();
        if (sub == "search")
            return say(detail::search_reply(store_, cmd_, cfg_, after_words(cmd_.text, 1)));
        if (sub == "learned") return learned();
        return say("I don't know `" + std::string(truncate_utf8(words_[0], 40)) +
                   "`. Here is what I can do:\n" + help_text());
    }

  private:
    // ---- replies ------------------------------------------------------------------------

    command_outcome say(std::string text) {
        out_.reply = reply("ephemeral", std::move(text));
        return std::move(out_);
    }

    // In-channel posts quote what people typed: a `<!channel>` in a title or note must not
    // notify the channel again (people mentioned are still told, as the author meant).
    command_outcome announce(std::string text) {
        out_.reply = reply("in_channel", detail::quiet_mentions(text));
        return std::move(out_);
    }

    // A usage problem: what was wrong, then the right form.
    command_outcome usage(std::string_view problem, std::string_view form) {
        return say(std::string(problem) + "\nUsage: `" + cfg_.command + " " + std::string(form) +
                   "`");
    }

    void echo(const std::string& channel, std::string text) {
        out_.follow_ups.push_back({"chat.postMessage",
                                   {{"channel", channel},
                                    {"text", truncate_utf8(detail::quiet_mentions(text), k_reply_chars)},
                                    {"unfurl_links", false}},
                                   "echo"});
    }

    std::string help_text() const {
        const auto& c = cfg_.command;
        return "*Incident commands*\n"
               "`" +
               c +
               " declare [sev1-sev4] TITLE` open an incident\n"
               "`" +
               c +
               " status investigating|identified|monitoring|resolved [TEXT]`\n"
               "`" +
               c + " severity sev1-sev4` · `" + c +
               " role commander|comms|scribe @person`\n"
               "`" +
               c + " note TEXT` · `" + c + " summary TEXT` · `" + c +
               " impact TEXT`\n"
               "`" +
               c + " action TEXT [@owner] [due:YYYY-MM-DD]` · `" + c +
               " done ID`\n"
               "`" +
               c +
               " actions [open|overdue|all] [@owner] [#channel]`\n"
               "`" +
               c + " resolve [TEXT]` · `" + c + " timeline` · `" + c +
               " postmortem [new|post|publish]`\n"
               "`" +
               c + " list` open incidents · `" + c + " nudges on|off` language hints for you\n"
               "`" +
               c + " search WORDS` past incidents · `" + c + " learned TEXT` record a lesson";
    }

    std::string no_incident_text() const {
        return "There's no open incident in this channel. To start one: `" + cfg_.command +
               " declare sev2 What is broken`. `" + cfg_.command + " list` shows the open ones.";
    }

    // ---- lookups --------------------------------------------------------------------------

    std::optional<incident> open_incident() { return store_.find_open_incident(cmd_.channel_id); }

    // The open incident, else the channel's latest one: notes, actions and the post-mortem
    // keep working after resolve.
    std::optional<incident> channel_incident() {
        if (auto i = open_incident()) return i;
        std::optional<incident> latest;
        for (auto& i : store_.list_incidents())
            if (i.channel == cmd_.channel_id) latest = std::move(i);
        return latest;
    }

    void add_command_entry(std::int64_t incident_id, std::string kind, std::string text) {
        timeline_entry e;
        e.incident_id = incident_id;
        e.ts = ts_from_time(now_);
        e.kind = std::move(kind);
        e.source = entry_source::command;
        e.user = cmd_.user_id;
        e.text = std::move(text);
        store_.add_entry(e);
    }

    // ---- commands -------------------------------------------------------------------------

    command_outcome declare() {
        if (auto no = may_declare(cfg_, cmd_.user_id)) return say(std::move(*no));
        const std::string form = "declare [sev1-sev4] TITLE";
        std::optional<int> sev;
        std::size_t title_from = 1;
        if (words_.size() > 1) {
            sev = parse_severity(words_[1]);
            if (sev == 0)
                return usage("`" + std::string(words_[1]) +
                                 "` isn't a severity I know. Use sev1 (worst) to sev4.",
                             form);
            if (sev) title_from = 2;
        }
        const std::string title = one_line(after_words(cmd_.text, title_from));
        if (title.empty())
            return usage("An incident needs a short title, e.g. `" + cfg_.command +
                             " declare sev2 Checkout errors in EU`.",
                         form);
        if (title.size() > k_max_title)
            return usage("That title is " + std::to_string(title.size()) +
                             " characters; keep it under " + std::to_string(k_max_title) +
                             " and put details in a note.",
                         form);
        if (!cfg_.create_channel)
            if (auto existing = open_incident())
                return say("This channel already has incident #" + std::to_string(existing->id) +
                           " open: *" + existing->title + "*. Update it with `" + cfg_.command +
                           " status ...`, or declare from another channel.");

        new_incident n;
        n.title = title;
        n.severity = sev.value_or(3);
        // A created channel does not exist yet: park the incident on a unique placeholder
        // until conversations.create answers (see incident_app.cpp).
        n.channel =
            cfg_.create_channel ? "pending:" + cmd_.user_id + ":" + ts_from_time(now_) : cmd_.channel_id;
        n.declared_at = std::chrono::floor<std::chrono::seconds>(now_);
        n.declared_by = cmd_.user_id;
        transaction tx(store_);
        const auto inc = store_.create_incident(n);
        add_command_entry(inc.id, "declare", "Incident declared: " + title);
        if (sev)
            add_command_entry(inc.id, "severity_set", "Severity set to SEV" + std::to_string(*sev));
        tx.commit();

        std::string text = ":rotating_light: *Incident #" + std::to_string(inc.id) +
                           " declared* by " + mention(cmd_.user_id) + ": *" + title + "*";
        text += sev ? " · SEV" + std::to_string(*sev)
                    : "\nSeverity not set yet: `" + cfg_.command + " severity sev2`";
        text += "\nNext: `" + cfg_.command + " role commander @person` · `" + cfg_.command +
                " status identified what we know` · `" + cfg_.command + " help`";
        // "Has this happened before?", asked once at the start.
        auto related = cfg_.suggest_related
                           ? possibly_related_post(store_, title, inc.id, n.channel)
                           : std::nullopt;
        if (!cfg_.create_channel) {
            out_.check_privacy = privacy_check{inc.id, cmd_.channel_id};
            // The announcement is the command's reply, whose ts Slack does not tell: the
            // related incidents follow it as a message of their own.
            if (related)
                out_.follow_ups.push_back({"chat.postMessage",
                                           {{"channel", cmd_.channel_id},
                                            {"text", std::move(*related)},
                                            {"unfurl_links", false}},
                                           "related"});
            return announce(std::move(text));
        }

        const auto day = std::chrono::floor<std::chrono::days>(now_);
        out_.new_channel = channel_request{inc.id,
                                           incident_channel_name(day, title),
                                           cmd_.user_id,
                                           cmd_.channel_id,
                                           std::move(text),
                                           related.value_or("")};
        return say("Incident #" + std::to_string(inc.id) + " declared. I'm creating #" +
                   out_.new_channel->name + " for it and will invite you there.");
    }

    command_outcome status() {
        const std::string form = "status investigating|identified|monitoring|resolved [TEXT]";
        if (words_.size() < 2) return usage("Which status? Pick one of the four below.", form);
        const auto word = lower(words_[1]);
        std::optional<incident_status> to;
        if (word == "monitoring" || word == "mitigated")
            to = incident_status::mitigated;
        else if (word != "resolved")
            to = parse_incident_status(word);
        if (word == "resolved") return resolve(after_words(cmd_.text, 2));
        if (!to)
            return usage(
                "`" + std::string(truncate_utf8(words_[1], 40)) + "` isn't a status I know.", form);
        auto inc = open_incident();
        if (!inc) return say(no_incident_text());
        const std::string text = one_line(after_words(cmd_.text, 2));
        if (inc->status == *to && text.empty())
            return usage("Status is already *" + status_word(*to) +
                             "*. To post an update, add a line after it.",
                         "status " + status_word(*to) + " what changed");

        transaction tx(store_);
        store_.set_status(inc->id, *to, cmd_.user_id);
        if (!text.empty())
            add_command_entry(
                inc->id, "status_update", "Update (" + status_word(*to) + "): " + text);
        tx.commit();

        std::string line = ":large_blue_circle: *Status: " + status_word(*to) + "*";
        if (!text.empty()) line += " — " + truncate_utf8(text, k_echo_chars);
        echo(inc->channel, line + " (" + mention(cmd_.user_id) + ")");
        return say("Done: incident #" + std::to_string(inc->id) + " is *" + status_word(*to) +
                   "*. I posted it to the channel.");
    }

    command_outcome severity() {
        const std::string form = "severity sev1|sev2|sev3|sev4";
        if (words_.size() != 2)
            return usage(words_.size() < 2 ? "Which severity? sev1 is the worst, sev4 the mildest."
                                           : "Just one severity, please.",
                         form);
        const auto sev = parse_severity(words_[1]);
        if (!sev || *sev == 0)
            return usage("`" + std::string(truncate_utf8(words_[1], 40)) +
                             "` isn't a severity I know. Use sev1 (worst) to sev4.",
                         form);
        auto inc = open_incident();
        if (!inc) return say(no_incident_text());
        if (auto no = may_set_severity(cfg_, *inc, cmd_.user_id)) return say(std::move(*no));

        transaction tx(store_);
        if (inc->severity != *sev) store_.set_severity(inc->id, *sev, cmd_.user_id);
        // Recorded even when unchanged: it tells the reminders someone chose on purpose.
        else
            add_command_entry(
                inc->id, "severity_set", "Severity confirmed as SEV" + std::to_string(*sev));
        tx.commit();

        echo(inc->channel,
             ":rotating_light: *Severity: SEV" + std::to_string(*sev) + "*" +
                 (inc->severity != *sev ? " (was SEV" + std::to_string(inc->severity) + ")"
                                        : std::string()) +
                 " (" + mention(cmd_.user_id) + ")");
        return say("Done: incident #" + std::to_string(inc->id) + " is SEV" + std::to_string(*sev) +
                   ".");
    }

    command_outcome role() {
        const std::string form = "role commander|comms|scribe @person";
        if (words_.size() < 3)
            return usage(words_.size() < 2 ? "Which role, and who?" : "Who? Mention them with @.",
                         form);
        const auto name = lower(words_[1]);
        std::optional<incident_role> r;
        if (name == "commander" || name == "ic")
            r = incident_role::commander;
        else if (name == "comms")
            r = incident_role::comms;
        else if (name == "scribe")
            r = incident_role::scribe;
        if (!r)
            return usage("`" + std::string(truncate_utf8(words_[1], 40)) +
                             "` isn't a role. The roles are commander, comms and scribe.",
                         form);
        const auto user = parse_user_mention(words_[2]);
        if (!user)
            return usage("`" + std::string(truncate_utf8(words_[2], 40)) +
                             "` isn't a mention. Type @ and pick the person from the list.",
                         form);
        if (words_.size() > 3) return usage("One person per role, please.", form);
        auto inc = open_incident();
        if (!inc) return say(no_incident_text());

        transaction tx(store_);
        store_.set_role(inc->id, *r, *user, cmd_.user_id);
        tx.commit();
        echo(inc->channel,
             ":bust_in_silhouette: " + mention(*user) + " is now *" + std::string(to_string(*r)) +
                 "* (set by " + mention(cmd_.user_id) + ")");
        return say("Done: " + mention(*user) + " is the " + std::string(to_string(*r)) +
                   " of incident #" + std::to_string(inc->id) + ".");
    }

    command_outcome note() {
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

    command_outcome learned() {
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

    command_outcome summary_or_impact(bool is_summary) {
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

    command_outcome action() {
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
        out_.follow_ups.back().args["blocks"] =
            action_post_blocks(out_.follow_ups.back().args["text"].get<std::string>(), id);
        out_.touched_incident = inc->id;
        return say("Added action #" + std::to_string(id) + ". Close it with `" + cfg_.command +
                   " done " + std::to_string(id) + "`.");
    }

    command_outcome done() {
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

    command_outcome actions() {
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

    command_outcome resolve(std::string_view raw_text) {
        auto inc = open_incident();
        if (!inc) return say(no_incident_text());
        if (auto no = may_resolve(cfg_, *inc, cmd_.user_id)) return say(std::move(*no));
        const std::string text = one_line(raw_text);

        transaction tx(store_);
        store_.set_status(inc->id, incident_status::resolved, cmd_.user_id);
        if (!text.empty()) add_command_entry(inc->id, "resolution", "Resolved: " + text);
        draft_options o;
        o.replace_names_with_roles = cfg_.replace_names_with_roles;
        const auto d = save_draft(store_, inc->id, rules_, o);
        tx.commit();
        out_.touched_incident = inc->id;

        const auto resolved = store_.get_incident(inc->id).value_or(*inc);
        const auto took =
            resolved.resolved_at.value_or(resolved.declared_at) - resolved.declared_at;
        std::string msg = ":white_check_mark: *Incident #" + std::to_string(inc->id) +
                          " resolved* by " + mention(cmd_.user_id) + " after " +
                          format_duration(took) + ": *" + inc->title + "*";
        if (!text.empty()) msg += "\n" + truncate_utf8(text, k_echo_chars);
        msg += "\nThank you, everyone. The post-mortem draft (v" + std::to_string(d->version) +
               ") follows; `" + cfg_.command + " summary`, `impact` and `action` still work here.";
        for (auto& call : postmortem_posts(*d, resolved, inc->channel))
            out_.follow_ups.push_back(std::move(call));
        return announce(std::move(msg));
    }

    // The first message of `markdown` as an ephemeral reply; `more` is said when it is long.
    command_outcome show_markdown(std::string_view markdown,
                                  std::string_view title,
                                  const std::string& more) {
        auto messages = to_block_kit_messages(markdown, cmd_.channel_id, title);
        if (messages.empty()) return say(std::string(title));
        json r = {{"response_type", "ephemeral"},
                  {"text", messages.front()["text"]},
                  {"blocks", messages.front()["blocks"]}};
        if (messages.size() > 1)
            r["blocks"].push_back({{"type", "context"},
                                   {"elements",
                                    json::array({{{"type", "mrkdwn"},
                                                  {"text",
                                                   "Part 1 of " + std::to_string(messages.size()) +
                                                       ". " + more}}})}});
        out_.reply = std::move(r);
        return std::move(out_);
    }

    command_outcome timeline() {
        auto inc = channel_incident();
        if (!inc) return say(no_incident_text());
        const auto d = generate_draft(store_, inc->id, nullptr);
        const auto& md = d->markdown;
        // Only the Timeline section of the draft.
        const auto start = md.find("\n## Timeline\n");
        const auto end = md.find("\n## ", start + 1);
        return show_markdown(std::string_view(md).substr(start, end - start),
                             "Timeline of incident #" + std::to_string(inc->id),
                             "`" + cfg_.command + " postmortem` has it all.");
    }

    command_outcome postmortem() {
        const std::string form = "postmortem [new|post|publish]";
        const std::string mode = words_.size() > 1 ? lower(words_[1]) : "";
        const std::string extra = words_.size() > 2 ? lower(words_[2]) : "";
        const bool publishing = mode == "publish" && (extra.empty() || extra == "anyway");
        if ((words_.size() > 2 && !publishing) || words_.size() > 3 ||
            (!mode.empty() && mode != "new" && mode != "post" && mode != "publish"))
            return usage(
                "`postmortem` shows the draft, `postmortem new` writes a fresh version, "
                "`postmortem post` posts it to the channel, `postmortem publish` shares it "
                "without names in the organisation's post-mortem channel.",
                form);
        auto inc = channel_incident();
        if (!inc) return say(no_incident_text());
        if (publishing)
            return publish_postmortem(store_, cmd_, cfg_, rules_, *inc, extra == "anyway");
        draft_options o;
        o.replace_names_with_roles = cfg_.replace_names_with_roles;
        transaction tx(store_);
        postmortem_draft d;
        if (auto stored = store_.latest_draft(inc->id); stored && mode != "new") {
            d.incident_id = stored->incident_id;
            d.version = stored->version;
            d.markdown = std::move(stored->markdown);
        } else {
            d = *save_draft(store_, inc->id, rules_, o);
        }
        tx.commit();
        if (mode == "post") {
            // Versions stored before drafts named people hold mentions that would notify.
            const detail::name_book names(store_.people());
            d.markdown = detail::quiet_mentions(d.markdown, [&](std::string_view user) {
                return names.name(user).value_or("a responder");
            });
            out_.follow_ups = postmortem_posts(d, *inc, inc->channel);
            return say("Posting draft v" + std::to_string(d.version) + " to the channel.");
        }
        return show_markdown(d.markdown,
                             "Post-mortem draft v" + std::to_string(d.version) + " for incident #" +
                                 std::to_string(inc->id),
                             "`" + cfg_.command + " postmortem post` posts the whole draft here.");
    }

    command_outcome list() {
        auto open = store_.list_incidents(true);
        std::erase_if(open, [&](const incident& i) { return !i.visible_in(cmd_.channel_id); });
        if (open.empty()) return say("No open incidents. Quiet is good.");
        std::string text = "*Open incidents*\n";
        const auto now_s = std::chrono::floor<std::chrono::seconds>(now_);
        for (std::size_t i = 0; i < open.size() && i < k_max_listed; ++i) {
            const auto& inc = open[i];
            text += "• #" + std::to_string(inc.id) + " SEV" + std::to_string(inc.severity) + " " +
                    status_word(inc.status) + " — " + truncate_utf8(inc.title, 120);
            if (!inc.channel.starts_with("pending:")) text += " in <#" + inc.channel + ">";
            text += " · open " + format_duration(now_s - inc.declared_at);
            text += inc.commander ? ", commander " + mention(*inc.commander)
                                  : std::string(", no commander yet");
            text += "\n";
        }
        if (open.size() > k_max_listed)
            text += "… and " + std::to_string(open.size() - k_max_listed) + " more.";
        return say(text);
    }

    command_outcome nudges() {
        const std::string form = "nudges on|off";
        const auto mode = words_.size() == 2 ? lower(words_[1]) : "";
        if (mode != "on" && mode != "off")
            return usage("Say `on` or `off`. This only changes the language hints you get.", form);
        transaction tx(store_);
        store_.set_nudges_enabled(cmd_.user_id, mode == "on");
        tx.commit();
        return say(mode == "on" ? "Language hints are on for you again. Thanks!"
                                : "Language hints are off for you. `" + cfg_.command +
                                      " nudges on` brings them back any time.");
    }

    store& store_;
    const slash_command& cmd_;
    const commands_config& cfg_;
    const rule_set* rules_;
    system_clock::time_point now_;
    std::vector<std::string_view> words_;
    command_outcome out_;
};

std::optional<std::string> string_field(const json& payload, const char* key) {
    auto it = payload.find(key);
    if (it == payload.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

// `<X...>` with the given sigil, up to an optional `|label`, as the id.
std::optional<std::string> parse_reference(std::string_view token, std::string_view sigil) {
    if (!token.starts_with(sigil) || !token.ends_with(">")) return std::nullopt;
    auto inner = token.substr(sigil.size(), token.size() - sigil.size() - 1);
    inner = inner.substr(0, inner.find('|'));
    if (inner.empty()) return std::nullopt;
    for (char c : inner)
        if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
    return std::string(inner);
}

}  // namespace

std::optional<slash_command> parse_slash_command(const json& payload) {
    if (!payload.is_object()) return std::nullopt;
    auto command = string_field(payload, "command");
    auto user = string_field(payload, "user_id");
    auto channel = string_field(payload, "channel_id");
    if (!command || !user || !channel || user->empty() || channel->empty()) return std::nullopt;
    return slash_command{std::move(*command),
                         string_field(payload, "text").value_or(""),
                         std::move(*user),
                         std::move(*channel),
                         string_field(payload, "response_url").value_or(""),
                         string_field(payload, "trigger_id").value_or("")};
}

command_outcome run_incident_command(store& s,
                                     const slash_command& cmd,
                                     const commands_config& cfg,
                                     const rule_set* rules,
                                     std::chrono::system_clock::time_point now) {
    return runner(s, cmd, cfg, rules, now).run();
}

std::string incident_channel_name(std::chrono::sys_days day, std::string_view title) {
    std::string name = "inc-" + detail::format_day(day);
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
    name.insert(3, "-");
    name += '-';
    for (char c : title) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80)
            name += static_cast<char>(std::tolower(u));
        else if (name.back() != '-')
            name += '-';
        if (name.size() >= 80) break;
    }
    while (name.back() == '-') name.pop_back();
    return name.substr(0, 80);
}

std::optional<std::string> parse_user_mention(std::string_view token) {
    return parse_reference(token, "<@");
}

std::optional<std::string> parse_channel_mention(std::string_view token) {
    return parse_reference(token, "<#");
}

std::optional<std::int64_t> parse_id(std::string_view token) {
    if (token.starts_with("#")) token.remove_prefix(1);
    if (token.empty() || token.size() > 15) return std::nullopt;
    std::int64_t n = 0;
    for (char c : token) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    if (n <= 0) return std::nullopt;
    return n;
}

std::vector<api_call> postmortem_posts(const postmortem_draft& d,
                                       const incident& i,
                                       std::string_view channel) {
    std::vector<api_call> calls;
    const std::string title = "Post-mortem draft v" + std::to_string(d.version) +
                              " for incident #" + std::to_string(i.id) + ": " +
                              detail::quiet_mentions(i.title);
    for (auto& m : to_block_kit_messages(d.markdown, channel, title))
        calls.push_back({"chat.postMessage", std::move(m), "postmortem"});
    return calls;
}

}  // namespace incident_bot

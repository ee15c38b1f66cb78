// `/incident declare`, `status`, `severity`, `role` and `resolve`.
#include "commands/command_runner.hpp"

#include "incident_bot/commands/access.hpp"
#include "incident_bot/postmortem/related.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot::detail {

command_outcome command_runner::declare() {
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

command_outcome command_runner::status() {
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

command_outcome command_runner::severity() {
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

command_outcome command_runner::role() {
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

command_outcome command_runner::resolve(std::string_view raw_text) {
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

}  // namespace incident_bot::detail

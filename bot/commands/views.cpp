// `/incident timeline`, `postmortem`, `list` and `nudges`.
#include "commands/command_runner.hpp"

#include "incident_bot/commands/publish.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot::detail {

using json = nlohmann::json;

// The first message of `markdown` as an ephemeral reply; `more` is said when it is long.
command_outcome command_runner::show_markdown(std::string_view markdown,
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

command_outcome command_runner::timeline() {
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

command_outcome command_runner::postmortem() {
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

command_outcome command_runner::list() {
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

command_outcome command_runner::nudges() {
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

}  // namespace incident_bot::detail

#include "incident_bot/commands/publish.hpp"

#include "incident_bot/commands/access.hpp"
#include "incident_bot/postmortem/publish.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;
using detail::one_line;
using detail::truncate_utf8;

// Findings listed in a held-back reply; the rest are counted.
constexpr std::size_t k_findings_listed = 10;

// A channel id links; a "#name" from the config is shown as written.
std::string channel_ref(const std::string& channel) {
    return channel.starts_with('#') ? channel : "<#" + channel + ">";
}

json private_reply(std::string text) {
    return {{"response_type", "ephemeral"}, {"text", std::move(text)}};
}

json mrkdwn_section(std::string text) {
    return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", std::move(text)}}}};
}

// Why publishing waits for the publisher's choice, with the button to go ahead.
json held_back_reply(const organisation_draft& org,
                     const incident& inc,
                     const commands_config& cfg,
                     bool is_private) {
    const auto where = channel_ref(cfg.share_channel);
    std::string intro = ":mag: Before the post-mortem of incident #" + std::to_string(inc.id) +
                        " goes to " + where + ", please have a look:";
    std::string reasons;
    for (std::size_t i = 0; i < org.findings.size() && i < k_findings_listed; ++i) {
        const auto& f = org.findings[i];
        reasons += "• “" + truncate_utf8(one_line(f.matched), 120) + "” (" + f.category + ")";
        if (!f.suggestion.empty()) reasons += " — try: " + f.suggestion;
        reasons += "\n";
    }
    if (org.findings.size() > k_findings_listed)
        reasons += "• … and " + std::to_string(org.findings.size() - k_findings_listed) +
                   " more phrases the blameless check flagged\n";
    if (is_private)
        reasons += "• This incident's channel is private: publishing shares its post-mortem "
                   "(without names) with everyone who reads " +
                   where + ".\n";
    const std::string next =
        "Nothing was posted. Reword what the check found where it comes from (`" + cfg.command +
        " summary`, `impact`, notes or action items) and publish again, or publish it as it is.";
    json confirm = {{"title", {{"type", "plain_text"}, {"text", "Publish anyway?"}}},
                    {"text",
                     {{"type", "plain_text"},
                      {"text", "The post-mortem goes to the share channel as it is now."}}},
                    {"confirm", {{"type", "plain_text"}, {"text", "Publish"}}},
                    {"deny", {{"type", "plain_text"}, {"text", "Not yet"}}}};
    json button = {{"type", "button"},
                   {"action_id", std::string(publish_anyway_action)},
                   {"value", std::to_string(inc.id)},
                   {"text", {{"type", "plain_text"}, {"text", "Publish anyway"}}},
                   {"confirm", std::move(confirm)}};
    return {{"response_type", "ephemeral"},
            {"text", intro + "\n" + reasons + next},
            {"blocks",
             json::array({mrkdwn_section(intro), mrkdwn_section(truncate_utf8(reasons, 2900)),
                          mrkdwn_section(next),
                          {{"type", "actions"}, {"elements", json::array({std::move(button)})}}})}};
}

}  // namespace

command_outcome publish_postmortem(store& s,
                                   const slash_command& cmd,
                                   const commands_config& cfg,
                                   const rule_set* rules,
                                   const incident& inc,
                                   bool anyway) {
    command_outcome out;
    if (cfg.share_channel.empty()) {
        out.reply = private_reply(
            "Publishing is off: no share channel is set. Whoever runs the bot can set "
            "`postmortem.share_channel` in its config file (or INCIDENT_BOT_SHARE_CHANNEL) to the "
            "channel where post-mortems go. Nothing was posted.");
        return out;
    }
    if (auto no = may_publish(cfg, inc, cmd.user_id)) {
        out.reply = private_reply(std::move(*no));
        return out;
    }
    const auto org = write_organisation_draft(s, inc.id, rules);
    const bool is_private = inc.is_private != false;
    if (!anyway && (!org->findings.empty() || is_private)) {
        out.reply = held_back_reply(*org, inc, cfg, is_private);
        return out;
    }

    transaction tx(s);
    const int version = s.add_draft(inc.id, org->markdown);
    tx.commit();
    const auto where = channel_ref(cfg.share_channel);
    const std::string title = "Post-mortem of incident #" + std::to_string(inc.id) + " (v" +
                              std::to_string(version) + "): " + org->title;
    publication p{inc.id,
                  version,
                  cfg.share_channel,
                  cmd.user_id,
                  std::chrono::floor<std::chrono::seconds>(s.now()),
                  anyway};
    bool first = true;
    for (auto& m : to_block_kit_messages(org->markdown, cfg.share_channel, title)) {
        api_call post{"chat.postMessage", std::move(m), "publish"};
        if (first) {
            // Recorded as published only once Slack took it.
            post.if_failed = "I couldn't post the post-mortem to " + where +
                             ". If I'm not a member there, invite me (`/invite` and my name) "
                             "and publish again.";
            post.on_ok = [p](store& st, const json&) { st.add_publication(p); };
            first = false;
        }
        out.follow_ups.push_back(std::move(post));
    }
    out.reply = private_reply(
        ":books: Publishing version " + std::to_string(version) + " of the post-mortem to " +
        where + ", with people named by their incident role or as “a responder”" +
        (anyway ? " (you chose to publish it as it is)" : "") + ". `incident-bot postmortem " +
        std::to_string(inc.id) + " --version " + std::to_string(version) +
        "` prints exactly what was posted.");
    return out;
}

}  // namespace incident_bot

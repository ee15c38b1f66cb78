#include "commands/learning_commands.hpp"

#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot::detail {

namespace {

// Longest title and snippet quoted in a search answer.
constexpr std::size_t k_title_chars = 120;
constexpr std::size_t k_snippet_chars = 300;

std::string hit_line(const search_hit& hit, const name_book& names) {
    const auto& i = hit.inc;
    std::string line = "• *#" + std::to_string(i.id) + " " +
                       truncate_utf8(one_line(i.title), k_title_chars) + "* · SEV" +
                       std::to_string(i.severity) + " · " +
                       format_day(std::chrono::floor<std::chrono::days>(i.declared_at)) + " · " +
                       std::string(to_string(i.status));
    // A channel still being created has no id to link to.
    if (!i.channel.starts_with("pending:")) line += " · <#" + i.channel + ">";
    line += "\n";
    if (!hit.snippet.empty()) {
        // Names instead of mentions, and no broadcast: the snippet quotes people.
        const auto quoted = quiet_mentions(hit.snippet, [&](std::string_view user) {
            return names.name(user).value_or("a responder");
        });
        line += "> " + truncate_utf8(one_line(quoted), k_snippet_chars) + "\n";
    }
    return line;
}

}  // namespace

std::string search_reply(store& s,
                         const slash_command& cmd,
                         const commands_config& cfg,
                         std::string_view words) {
    const auto wanted = one_line(words);
    if (wanted.empty())
        return "What should I look for? Give a few words, e.g. `" + cfg.command +
               " search redis timeout`.";
    search_filter f;
    f.limit = k_search_shown;
    // A private incident is found only from its own channel.
    f.visible_in = cmd.channel_id;
    const auto hits = s.search_hits(wanted, f);
    const auto quoted = truncate_utf8(quiet_mentions(wanted), 80);
    if (hits.empty())
        return "No past incidents match “" + quoted +
               "”. Fewer or shorter words find more: every word must appear.";
    const name_book names(s.people());
    std::string text = "*Past incidents matching “" + quoted + "”*\n";
    for (const auto& hit : hits) text += hit_line(hit, names);
    if (hits.size() == k_search_shown)
        text += "_The " + std::to_string(k_search_shown) +
                " best matches; add words to narrow it down._";
    return text;
}

std::string learning_echo(const slash_command& cmd, std::string_view text) {
    return ":bulb: Learning from <@" + cmd.user_id + ">: " + truncate_utf8(one_line(text), 300);
}

}  // namespace incident_bot::detail

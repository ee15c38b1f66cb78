#include "commands/command_runner.hpp"

#include <cctype>

#include "commands/learning_commands.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot::detail {

using json = nlohmann::json;
using std::chrono::system_clock;

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

command_runner::command_runner(store& s,
                               const slash_command& cmd,
                               const commands_config& cfg,
                               const rule_set* rules,
                               system_clock::time_point now)
    : store_(s), cmd_(cmd), cfg_(cfg), rules_(rules), now_(now), words_(split_words(cmd.text)) {}

command_outcome command_runner::run() {
    using handler = command_outcome (*)(command_runner&);
    // The sub-commands by their first word; "sev" is short for "severity".
    static constexpr std::pair<std::string_view, handler> table[] = {
        {"help", [](command_runner& r) { return r.say(r.help_text()); }},
        {"declare", [](command_runner& r) { return r.declare(); }},
        {"status", [](command_runner& r) { return r.status(); }},
        {"severity", [](command_runner& r) { return r.severity(); }},
        {"sev", [](command_runner& r) { return r.severity(); }},
        {"role", [](command_runner& r) { return r.role(); }},
        {"note", [](command_runner& r) { return r.note(); }},
        {"summary", [](command_runner& r) { return r.summary_or_impact(true); }},
        {"impact", [](command_runner& r) { return r.summary_or_impact(false); }},
        {"action", [](command_runner& r) { return r.action(); }},
        {"done", [](command_runner& r) { return r.done(); }},
        {"actions", [](command_runner& r) { return r.actions(); }},
        {"resolve", [](command_runner& r) { return r.resolve(after_words(r.cmd_.text, 1)); }},
        {"timeline", [](command_runner& r) { return r.timeline(); }},
        {"postmortem", [](command_runner& r) { return r.postmortem(); }},
        {"list", [](command_runner& r) { return r.list(); }},
        {"nudges", [](command_runner& r) { return r.nudges(); }},
        {"search",
         [](command_runner& r) {
             return r.say(search_reply(r.store_, r.cmd_, r.cfg_, after_words(r.cmd_.text, 1)));
         }},
        {"learned", [](command_runner& r) { return r.learned(); }},
    };
    const std::string sub = words_.empty() ? "help" : lower(words_[0]);
    for (const auto& [name, handle] : table)
        if (sub == name) return handle(*this);
    return say("I don't know `" + std::string(truncate_utf8(words_[0], 40)) +
               "`. Here is what I can do:\n" + help_text());
}

command_outcome command_runner::say(std::string text) {
    out_.reply = reply("ephemeral", std::move(text));
    return std::move(out_);
}

// In-channel posts quote what people typed: a `<!channel>` in a title or note must not
// notify the channel again (people mentioned are still told, as the author meant).
command_outcome command_runner::announce(std::string text) {
    out_.reply = reply("in_channel", detail::quiet_mentions(text));
    return std::move(out_);
}

// A usage problem: what was wrong, then the right form.
command_outcome command_runner::usage(std::string_view problem, std::string_view form) {
    return say(std::string(problem) + "\nUsage: `" + cfg_.command + " " + std::string(form) +
               "`");
}

void command_runner::echo(const std::string& channel, std::string text) {
    out_.follow_ups.push_back({"chat.postMessage",
                               {{"channel", channel},
                                {"text", truncate_utf8(detail::quiet_mentions(text), k_reply_chars)},
                                {"unfurl_links", false}},
                               "echo"});
}

std::string command_runner::help_text() const {
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

std::string command_runner::no_incident_text() const {
    return "There's no open incident in this channel. To start one: `" + cfg_.command +
           " declare sev2 What is broken`. `" + cfg_.command + " list` shows the open ones.";
}

std::optional<incident> command_runner::open_incident() { return store_.find_open_incident(cmd_.channel_id); }

// The open incident, else the channel's latest one: notes, actions and the post-mortem
// keep working after resolve.
std::optional<incident> command_runner::channel_incident() {
    if (auto i = open_incident()) return i;
    std::optional<incident> latest;
    for (auto& i : store_.list_incidents())
        if (i.channel == cmd_.channel_id) latest = std::move(i);
    return latest;
}

void command_runner::add_command_entry(std::int64_t incident_id, std::string kind, std::string text) {
    timeline_entry e;
    e.incident_id = incident_id;
    e.ts = ts_from_time(now_);
    e.kind = std::move(kind);
    e.source = entry_source::command;
    e.user = cmd_.user_id;
    e.text = std::move(text);
    store_.add_entry(e);
}

}  // namespace incident_bot::detail

// The `/incident` command runner, private to bot/commands: one object per command, holding
// the parsed words, the store and what the command produced. Its sub-commands live in files
// by concern: command_runner.cpp (the table, replies, lookups), lifecycle.cpp (declare, status,
// severity, role, resolve), notes_actions.cpp (notes, summary, impact, learnings, action
// items) and views.cpp (timeline, post-mortem, list, settings). Runs on the store's writer
// thread: the decisions are plain code, the reads and writes go to the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/commands/incident_commands.hpp"

namespace incident_bot::detail {

// Slack's advice for `text`; longer replies are cut with a pointer to the rest.
inline constexpr std::size_t k_reply_chars = 3500;
// Longest title, note or action text quoted back in an echo line.
inline constexpr std::size_t k_echo_chars = 300;
inline constexpr std::size_t k_max_title = 200;
inline constexpr std::size_t k_max_listed = 30;

/// ASCII lower case.
std::string lower(std::string_view s);
/// The whitespace-separated words of `text`.
std::vector<std::string_view> split_words(std::string_view text);
/// The text after the first `n` words of `text`, with its own spacing kept, trimmed.
std::string_view after_words(std::string_view text, std::size_t n);
/// "sev2" / "SEV2" as 2; nullopt when the word is not shaped like a severity at all, and 0
/// when it is shaped like one but out of range (so the reply can say which).
std::optional<int> parse_severity(std::string_view word);
/// `<@U…>`.
std::string mention(std::string_view user);
/// The status as responders say it ("monitoring" for the store's "mitigated").
std::string status_word(incident_status s);
/// A slash command reply of `type` ("ephemeral", "in_channel"), cut to Slack's advice.
nlohmann::json reply(std::string_view type, std::string text);

class command_runner {
  public:
    command_runner(store& s,
                   const slash_command& cmd,
                   const commands_config& cfg,
                   const rule_set* rules,
                   std::chrono::system_clock::time_point now);

    /// Runs the sub-command named by the first word (help when there is none).
    command_outcome run();

  private:
    // Replies and lookups (command_runner.cpp).
    command_outcome say(std::string text);
    command_outcome announce(std::string text);
    command_outcome usage(std::string_view problem, std::string_view form);
    void echo(const std::string& channel, std::string text);
    std::string help_text() const;
    std::string no_incident_text() const;
    std::optional<incident> open_incident();
    std::optional<incident> channel_incident();
    void add_command_entry(std::int64_t incident_id, std::string kind, std::string text);

    // Lifecycle (lifecycle.cpp).
    command_outcome declare();
    command_outcome status();
    command_outcome severity();
    command_outcome role();
    command_outcome resolve(std::string_view raw_text);

    // Notes, summary, impact, learnings and action items (notes_actions.cpp).
    command_outcome note();
    command_outcome learned();
    command_outcome summary_or_impact(bool is_summary);
    command_outcome action();
    command_outcome done();
    command_outcome actions();

    // Views and settings (views.cpp).
    command_outcome show_markdown(std::string_view markdown,
                                  std::string_view title,
                                  const std::string& more);
    command_outcome timeline();
    command_outcome postmortem();
    command_outcome list();
    command_outcome nudges();

    store& store_;
    const slash_command& cmd_;
    const commands_config& cfg_;
    const rule_set* rules_;
    std::chrono::system_clock::time_point now_;
    std::vector<std::string_view> words_;
    command_outcome out_;
};

}  // namespace incident_bot::detail

// The `/incident` slash command, sans-io: a parsed command and the store in, the ack payload
// and the Web API calls to make afterwards out. Runs on the store's writer thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/config.hpp"
#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// The fields of a slash command payload the bot uses (protocol §9).
struct slash_command {
    /// "/incident" (with the slash).
    std::string command;
    /// Everything after the command; may be empty.
    std::string text;
    /// Who typed it.
    std::string user_id;
    /// Where it was typed.
    std::string channel_id;
    /// Follow-up URL (5 uses within 30 minutes); empty when absent.
    std::string response_url;
    /// Opens a modal within 3 s (`/incident declare` without a title); empty when absent.
    std::string trigger_id;
};

/// Reads a `slash_commands` envelope payload; nullopt when `command`, `user_id` or
/// `channel_id` is missing or not a string.
std::optional<slash_command> parse_slash_command(const nlohmann::json& payload);

/// One Web API call to make after the ack.
struct api_call {
    /// Method name ("chat.postMessage").
    std::string method;
    /// Its arguments (a JSON object).
    nlohmann::json args;
    /// What it is for, for logs: "echo", "postmortem", "digest", ...
    std::string purpose;
    /// Told privately to whoever asked when the call fails, with Slack's error; empty: the
    /// failure is only logged.
    std::string if_failed = {};
    /// Runs on the store's thread once Slack accepted the call, with Slack's answer
    /// (records what it did: a publication, where a post is).
    std::function<void(store&, const nlohmann::json& response)> on_ok = {};
};

/// A channel to create for a new incident (config `create_channel`).
struct channel_request {
    /// Incident to move into the channel once it exists.
    std::int64_t incident_id = 0;
    /// Channel name to create ("inc-20261102-checkout-errors").
    std::string name;
    /// Who declared: invited into the channel.
    std::string declarer;
    /// Where the command was typed: told when creation fails.
    std::string origin_channel;
    /// First message for the new channel (mrkdwn).
    std::string header;
    /// "Possibly related past incidents", posted in the header's thread; empty: none.
    std::string related = {};
};

/// An incident whose channel's privacy Slack has yet to tell (conversations.info).
struct privacy_check {
    std::int64_t incident_id = 0;
    /// The incident's channel.
    std::string channel;
};

/// What a command produced.
struct command_outcome {
    /// Ack payload: {"response_type": "ephemeral"|"in_channel", "text", "blocks"?}.
    nlohmann::json reply;
    /// Calls to make after the ack, in order (echo lines, the post-mortem on resolve).
    std::vector<api_call> follow_ups;
    /// Set by `declare` with `create_channel`: the wiring runs conversations.create,
    /// conversations.invite and the header post, then records the channel.
    std::optional<channel_request> new_channel;
    /// Set by `declare` in an existing channel: the wiring asks Slack whether the channel is
    /// private and records it (until then the incident is treated as private).
    std::optional<privacy_check> check_privacy;
    /// The incident whose action items or status changed (an item added or closed, the
    /// incident resolved): the Homes of the people in it are re-published.
    std::optional<std::int64_t> touched_incident;
};

/// Runs one `/incident` command against the store. Bad input, refusals and "no incident
/// here" come back as friendly ephemeral replies with nothing changed; every change of one
/// command is one transaction. `rules` may be null (post-mortems then lack the review
/// checklist). SQLite failures propagate (SQLite::Exception).
command_outcome run_incident_command(store& s,
                                     const slash_command& cmd,
                                     const commands_config& cfg,
                                     const rule_set* rules,
                                     std::chrono::system_clock::time_point now);

/// Channel name for an incident declared at `day`: "inc-YYYYMMDD-slug", lower case,
/// letters, digits and dashes only, at most 80 characters (Slack's limit).
std::string incident_channel_name(std::chrono::sys_days day, std::string_view title);

/// A mention `<@U123>` or `<@U123|name>` as the user id; nullopt for anything else.
std::optional<std::string> parse_user_mention(std::string_view token);

/// A channel reference `<#C123|name>` or `<#C123>` as the channel id; nullopt otherwise.
std::optional<std::string> parse_channel_mention(std::string_view token);

/// "12" or "#12" as a positive id; nullopt otherwise.
std::optional<std::int64_t> parse_id(std::string_view token);

/// The draft's chat.postMessage calls for `channel` (split within Slack's limits).
std::vector<api_call> postmortem_posts(const postmortem_draft& d,
                                       const incident& i,
                                       std::string_view channel);

}  // namespace incident_bot

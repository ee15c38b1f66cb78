// Blameless-language nudges, the decisions without the network: which message events are
// checked, whether a finding may be sent (scope, opt-out, throttle), the Block Kit of the
// private reply and the feedback buttons' payload. The store holds counts, never text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/config.hpp"
#include "incident_bot/json_document.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot {

/// `action_id`s of the feedback buttons; their `value` is the rule id.
inline constexpr std::string_view nudge_vote_helpful_action = "nudge_vote_helpful";
inline constexpr std::string_view nudge_vote_not_helpful_action = "nudge_vote_not_helpful";

/// A person's message that may deserve a nudge.
struct nudge_message {
    /// Channel id.
    std::string channel;
    /// Author's Slack user id.
    std::string user;
    /// Message text as Slack sent it (mrkdwn).
    std::string text;
    /// Parent's ts when the message is in a thread (a reply or a thread parent).
    std::optional<std::string> thread_ts;
    /// The message's own ts (empty when the event lacks it).
    std::string ts;
};

/// The message of a `message` event worth checking: a person's plain message, a
/// thread_broadcast, or the new text of a message_changed whose text really changed (link
/// unfurls also arrive as edits). Nullopt for bots (`bot_id`), `bot_user` itself, other
/// subtypes and malformed events.
std::optional<nudge_message> nudge_candidate(json_view event, std::string_view bot_user = {});

/// What the store knows that a nudge decision needs, read on the store's thread.
struct nudge_context {
    /// The message's channel has an open incident.
    bool watched = false;
    /// The author has not turned nudges off.
    bool opted_in = true;
    /// Categories nudged to the author within the throttle window.
    std::set<std::string, std::less<>> throttled;
};

/// Decides whether a message with these `findings` (the rule engine's, in its order) earns a
/// nudge: the first finding whose category was not nudged to this person within the
/// throttle window. Nullopt when nudges are off, the channel is out of scope, the author
/// opted out or every finding is throttled. Pure: no store, no network, any thread.
std::optional<finding> decide_nudge(const nudges_config& cfg,
                                    std::vector<finding> findings,
                                    const nudge_context& ctx);

/// `text` with Slack markup reduced to what a person sees (`<@U1|dana>` → `@dana`, `<@U1>`
/// → `@U1`), entities decoded, then `&`, `<` and `>` escaped for mrkdwn; cut at a character
/// boundary with "…" so that the result has at most `max_bytes` bytes.
std::string quote_for_mrkdwn(std::string_view text, std::size_t max_bytes);

/// The ephemeral's Block Kit: the explanation, the words that triggered it, the rewrite,
/// the Helpful / Not helpful buttons (their block naming `message_ts` and the category) and
/// how to opt out with `opt_out_command`. Every
/// section's text stays within Slack's 3,000 characters.
nlohmann::json nudge_blocks(const finding& f,
                            std::string_view opt_out_command = "/incident",
                            std::string_view message_ts = {});

/// `chat.postEphemeral` arguments delivering `f` to the author of `m` only, in its channel
/// and thread, with a plain-text fallback for notifications.
nlohmann::json nudge_ephemeral_args(const nudge_message& m,
                                    const finding& f,
                                    std::string_view opt_out_command = "/incident");

/// A click on a nudge's feedback button.
struct nudge_vote {
    /// Rule the vote is about.
    std::string rule_id;
    /// "Helpful" (true) or "Not helpful".
    bool helpful = false;
    /// Who clicked.
    std::string user;
    /// Channel of the nudge (empty when the payload lacks it).
    std::string channel;
    /// Where to replace the nudge (empty when the payload lacks it).
    std::string response_url;
    /// The nudged message's ts and the finding's category, from the buttons' block (empty
    /// for nudges sent before they carried them).
    std::string message_ts;
    std::string category;
};

/// Reads a `block_actions` payload; nullopt when no action is one of the nudge buttons or
/// the payload is malformed.
std::optional<nudge_vote> parse_nudge_vote(const nlohmann::json& payload);

}  // namespace incident_bot

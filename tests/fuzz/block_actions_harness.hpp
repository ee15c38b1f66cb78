// Block Kit interaction payloads (the `payload` of an `interactive` envelope): parsing a
// nudge feedback vote and what the bot does with it (the rule lookup, the vote count and
// the thank-you reply's arguments), plus the nudge Block Kit built around a voted rule id.
#pragma once

#include <algorithm>

#include "fuzz_support.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/rules/nudge.hpp"

namespace incident_bot::fuzz {

inline void run_block_actions(std::string_view input) {
    static const rule_set rules = rule_set::load_default();
    store& s = shared_store();

    const auto payload = nlohmann::json::parse(input, nullptr, false);
    if (payload.is_discarded()) return;
    const auto vote = parse_nudge_vote(payload);
    if (!vote) return;
    require(!vote->rule_id.empty() && vote->rule_id.size() <= 255 && !vote->user.empty(),
            "parse_nudge_vote returns a rule id of 1..255 bytes and a user");

    const auto& known = rules.rules();
    if (std::none_of(known.begin(), known.end(), [&](const rule& r) {
            return r.id == vote->rule_id;
        }))
        return;
    transaction scratch(s);  // never committed
    s.vote_nudge(vote->rule_id, vote->helpful);
    (void)s.votes_for(vote->rule_id);

    // Quoting untrusted text into mrkdwn keeps within its byte budget.
    require(quote_for_mrkdwn(vote->response_url, 40).size() <= 40, "quote within budget");

    // A nudge for the same rule, addressed from the payload's fields: the payload is valid
    // UTF-8, so the strict dump throws (and the fuzzer reports it) if a cut split a character.
    finding f;
    f.rule_id = vote->rule_id;
    f.why = vote->channel;
    f.matched = vote->response_url;
    f.suggestion = vote->user;
    const nudge_message m{vote->channel, vote->user, vote->response_url, std::nullopt, vote->message_ts};
    (void)nudge_ephemeral_args(m, f).dump();
}

}  // namespace incident_bot::fuzz

// Block Kit interaction payloads (the `payload` of an `interactive` envelope): parsing a
// nudge feedback vote and what the bot does with it (the rule lookup, the vote count and
// the thank-you reply's arguments), plus the nudge Block Kit built around a voted rule id.
#include <algorithm>

#include "fuzz_support.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/rules/nudge.hpp"

using namespace incident_bot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const rule_set rules = rule_set::load_default();
    store& s = fuzz::shared_store();

    const auto payload = nlohmann::json::parse(fuzz::as_text(data, size), nullptr, false);
    if (payload.is_discarded()) return 0;
    const auto vote = parse_nudge_vote(payload);
    if (!vote) return 0;
    if (vote->rule_id.empty() || vote->rule_id.size() > 255 || vote->user.empty())
        __builtin_trap();  // parse_nudge_vote promises these

    const auto& known = rules.rules();
    if (std::none_of(known.begin(), known.end(), [&](const rule& r) {
            return r.id == vote->rule_id;
        }))
        return 0;
    transaction scratch(s);  // never committed
    s.vote_nudge(vote->rule_id, vote->helpful);
    (void)s.votes_for(vote->rule_id);

    // Quoting untrusted text into mrkdwn keeps within its byte budget.
    if (quote_for_mrkdwn(vote->response_url, 40).size() > 40) __builtin_trap();

    // A nudge for the same rule, addressed from the payload's fields: the payload is valid
    // UTF-8, so the strict dump throws (and the fuzzer reports it) if a cut split a character.
    finding f;
    f.rule_id = vote->rule_id;
    f.why = vote->channel;
    f.matched = vote->response_url;
    f.suggestion = vote->user;
    const nudge_message m{vote->channel, vote->user, vote->response_url, std::nullopt};
    (void)nudge_ephemeral_args(m, f).dump();
    return 0;
}

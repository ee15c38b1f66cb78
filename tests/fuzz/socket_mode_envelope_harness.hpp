// Socket Mode text frames as they come off the WebSocket: parse_frame, then what the bot
// does with each kind of envelope short of the network. The routing key the dispatcher
// reads, the ack, redelivery dedupe, timeline capture on a store where the fixtures'
// channels have open incidents, nudge candidates and decisions, the slash command payload
// and nudge votes.
#pragma once

#include <variant>

#include "fuzz_support.hpp"
#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/rules/nudge.hpp"
#include "incident_bot/store/settle_nudge.hpp"
#include "incident_bot/store/ingest.hpp"
#include "incident_bot/protocol/dedupe.hpp"
#include "incident_bot/protocol/frame.hpp"

namespace incident_bot::fuzz {

namespace socket_mode_envelope_detail {

inline void on_events_api(store& s, const rule_set& rules, const envelope& env) {
    timeline_ingest ingest(s, capture_config{}, quiet_log());
    (void)ingest.apply(env.payload);
    if (const auto m = nudge_candidate(env.payload.root()["event"], "UBOT")) {
        const auto now = std::chrono::floor<std::chrono::seconds>(fixed_now());
        if (const auto f = settle_nudge(s, nudges_config{}, *m, rules.scan(m->text), now))
            (void)nudge_ephemeral_args(*m, *f).dump();
    }
}

}  // namespace socket_mode_envelope_detail

inline void run_socket_mode_envelope(std::string_view input) {
    static const rule_set rules = rule_set::load_default();
    static dedupe_set seen(std::chrono::minutes(10), 1'000);
    store& s = shared_store();

    const frame f = parse_frame(input);
    if (const auto* bad = std::get_if<bad_frame>(&f)) {
        if (!bad->envelope_id.empty()) (void)make_ack(bad->envelope_id, nullptr);
        return;
    }
    const auto* env = std::get_if<envelope>(&f);
    if (!env) return;

    // The ack echoes untrusted text; with a payload it must stay within Slack's limit.
    bool dropped = false;
    const std::string ack = make_ack(env->envelope_id, env->payload.tree(), &dropped);
    require(ack.size() <= max_ack_bytes || env->envelope_id.size() >= 1000, "ack size");
    if (const auto id = env->event_id(); !id.empty()) seen.insert(id);

    transaction scratch(s);  // never committed: rolled back when the input is done
    if (env->type == "events_api") {
        socket_mode_envelope_detail::on_events_api(s, rules, *env);
    } else if (env->type == "slash_commands") {
        if (const auto cmd = parse_slash_command(env->payload.tree()))
            (void)run_incident_command(s, *cmd, commands_config{}, &rules, fixed_now())
                .reply.dump();
    } else if (env->type == "interactive") {
        if (const auto vote = parse_nudge_vote(env->payload.tree()))
            s.vote_nudge(vote->rule_id, vote->helpful);
    }
}

}  // namespace incident_bot::fuzz

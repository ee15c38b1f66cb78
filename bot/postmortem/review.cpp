// The blameless check over an incident's messages (issue 19): what `postmortem --format
// json` reports as `review`, for live and imported incidents alike.
#include "incident_bot/postmortem/draft.hpp"

namespace incident_bot {

std::vector<message_finding> review_messages(store& s,
                                             std::int64_t incident_id,
                                             const rule_set& rules) {
    std::vector<message_finding> out;
    s.scan_timeline(incident_id, timeline_view::human, [&](const timeline_entry& e) {
        // People's words only: notes are checked when the draft quotes them, and what the
        // bot recorded (status, commands) is its own phrasing.
        const bool person = e.source == entry_source::message || e.source == entry_source::edit ||
                            e.source == entry_source::pin || e.source == entry_source::reaction;
        if (!person || !e.text || e.deleted) return;
        for (auto& f : rules.scan(*e.text))
            out.push_back({e.ts, std::move(f.rule_id), std::move(f.category)});
    });
    return out;
}

}  // namespace incident_bot

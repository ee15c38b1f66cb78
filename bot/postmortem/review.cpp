// The blameless check over an incident's messages (issue 19): what `postmortem --format
// json` reports as `review`, for live and imported incidents alike.
#include <algorithm>

#include "incident_bot/postmortem/draft.hpp"

namespace incident_bot {

std::vector<message_finding> review_messages(store& s,
                                             std::int64_t incident_id,
                                             const rule_set& rules) {
    std::vector<message_finding> out;
    s.scan_timeline(incident_id, timeline_view::human, [&](const timeline_entry& e) {
        if (!e.is_persons_words()) return;
        for (auto& f : rules.scan(*e.text))
            out.push_back({e.ts, std::move(f.rule_id), std::move(f.category)});
    });
    // What the import found stays listed even when the rules have changed since.
    const auto same = [](const message_finding& a, const message_finding& b) {
        return a.ts == b.ts && a.rule_id == b.rule_id;
    };
    for (auto& f : s.imported_findings(incident_id))
        if (std::none_of(out.begin(), out.end(), [&](const auto& o) { return same(o, f); }))
            out.push_back(std::move(f));
    std::stable_sort(
        out.begin(), out.end(), [](const auto& a, const auto& b) { return a.ts < b.ts; });
    return out;
}

}  // namespace incident_bot

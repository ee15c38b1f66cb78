#include "postmortem/import_suggestions.hpp"

#include "incident_bot/store/import.hpp"

namespace incident_bot::detail {

import_suggestions suggest_from_import(const std::vector<timeline_entry>& timeline,
                                       const import_record& imported) {
    const timeline_entry *summary = nullptr, *pinned = nullptr, *resolution = nullptr;
    const timeline_entry *impact = nullptr, *pinned_impact = nullptr;
    for (const auto& e : timeline) {
        if (!e.is_persons_words()) continue;
        if (starts_with_phrase(*e.text, "impact")) {
            impact = &e;
            if (e.pinned) pinned_impact = &e;
            continue;
        }
        if (e.pinned) {
            pinned = &e;
            if (starts_with_phrase(*e.text, "summary")) summary = &e;
        }
        // The bot's own resolve post says who resolved it, not what happened: people only.
        if (imported.resolved_by == resolution_rule::message && imported.resolution_ts == e.ts)
            resolution = &e;
    }
    if (!summary) summary = pinned;
    import_suggestions out;
    if (summary) out.summary = *summary->text;
    if (resolution && resolution != summary)
        out.summary = (out.summary ? *out.summary + "\n" : std::string()) + *resolution->text;
    if (const auto* e = pinned_impact ? pinned_impact : impact) out.impact = *e->text;
    return out;
}

}  // namespace incident_bot::detail

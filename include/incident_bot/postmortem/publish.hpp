// A post-mortem for the whole organisation: the incident's draft with every person replaced
// by their incident role or "a responder", mentions and the names the bot learned from
// Slack alike ("Do not Repeat Incidents": summaries shared widely carry no names).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "incident_bot/postmortem/draft.hpp"

namespace incident_bot {

/// The names-free text to publish and what the blameless check found in it.
struct organisation_draft {
    /// The incident's title, names-free, for the posts' fallback text.
    std::string title;
    /// The whole document (no review checklist: findings are shown to the publisher).
    std::string markdown;
    /// The blameless check over `markdown` (empty without a rule set).
    std::vector<review_item> findings;
};

/// Writes the incident's draft for the organisation; nullopt for an unknown id. `rules` may
/// be null (no findings). Reads only.
std::optional<organisation_draft> write_organisation_draft(store& s,
                                                           std::int64_t incident_id,
                                                           const rule_set* rules);

}  // namespace incident_bot

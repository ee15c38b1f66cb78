// What a draft proposes for an imported incident's Summary and Impact (issue 19): nobody
// ran `/incident summary` during an incident the bot never saw, but its history often says.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "incident_bot/store/store.hpp"

namespace incident_bot::detail {

/// Texts to suggest, people's words as written (the caller hides names and mentions).
struct import_suggestions {
    std::optional<std::string> summary;
    std::optional<std::string> impact;
};

/// From people's messages in `timeline` (in order): the summary is the last pinned message
/// starting "Summary" (else the last pinned message), followed by the resolution message the
/// import used; the impact is the last message starting "Impact", a pinned one first.
import_suggestions suggest_from_import(const std::vector<timeline_entry>& timeline,
                                       const import_record& imported);

}  // namespace incident_bot::detail

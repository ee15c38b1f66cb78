// The store's half of a nudge: the context a decision needs, read and written in one
// transaction. Here, not in bot/rules, because the rules sit below the store.
#pragma once

#include <optional>
#include <vector>

#include "incident_bot/rules/nudge.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// On the store's thread, in one transaction: reads the context of `m` (its channel's
/// incident, the author's opt-out, recent nudges of each finding's category), decides, and
/// records the nudge it decides on (user, channel, category and rule id at `now`; never the
/// text). Returns the finding to send.
std::optional<finding> settle_nudge(store& s,
                                    const nudges_config& cfg,
                                    const nudge_message& m,
                                    std::vector<finding> findings,
                                    unix_time now);

}  // namespace incident_bot

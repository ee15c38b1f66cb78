// Past incidents that look like this one: the draft's "Related incidents", and the "possibly
// related" thread the bot posts when an incident is declared or a message is marked as
// diagnosis (issue 19).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// The words of `text` that say something about an incident: lower-cased, four letters or
/// more, not common English or incident boilerplate ("error", "issue"), each once, at most
/// `max`, in the order they first appear.
std::vector<std::string> distinctive_words(std::string_view text, std::size_t max = 6);

/// A past incident and the distinctive words it shares.
struct related_incident {
    incident inc;
    std::vector<std::string> shared;
};

/// Incidents whose text contains any of `words`, most words shared first, then the newest;
/// `self` is left out, and so is any incident not `visible_in(channel)`. At most `max`.
std::vector<related_incident> find_related(store& s,
                                           const std::vector<std::string>& words,
                                           std::int64_t self,
                                           std::string_view channel,
                                           std::size_t max);

/// "#12 Checkout errors (2026-09-21, SEV2) — shares: redis, pool".
std::string related_line(const related_incident& r);

/// Most incidents a "possibly related" post lists.
inline constexpr std::size_t k_possibly_related_listed = 3;

/// The "possibly related" post for `text` (a new incident's title, a diagnosis message) in
/// `channel`: up to three incidents sharing at least two of its distinctive words; nullopt
/// when none match that strongly.
std::optional<std::string> possibly_related_post(store& s,
                                                 std::string_view text,
                                                 std::int64_t self,
                                                 std::string_view channel);

}  // namespace incident_bot

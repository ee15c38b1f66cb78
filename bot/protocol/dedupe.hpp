// Remembers recently seen ids for a time so redelivered envelopes are handled once
// (slack-protocol.md section 5: dedupe on event_id with a TTL of at least 10 minutes).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace incident_bot {

/// A TTL set of strings with a size cap. Not thread-safe: owned by the network thread.
/// Ids are kept as 64-bit hashes, not strings: about 60 bytes per id instead of ~200, so a
/// full set stays a few MB. A collision (odds ~1e-14 per id at the cap) would make one new
/// id look seen.
class dedupe_set {
public:
    using clock = std::chrono::steady_clock;

    /// Ids live `ttl`; beyond `max_entries` the oldest are forgotten first.
    dedupe_set(clock::duration ttl, std::size_t max_entries = 200'000)
        : ttl_(ttl), max_entries_(max_entries) {}

    /// Records `id`; returns false when it was already present (a duplicate).
    bool insert(const std::string& id, clock::time_point now = clock::now());
    /// Forgets `id` so a redelivery is processed again (its first handling failed).
    void erase(const std::string& id) { seen_.erase(key(id)); }
    bool contains(const std::string& id) const { return seen_.contains(key(id)); }
    std::size_t size() const { return seen_.size(); }

private:
    static std::uint64_t key(std::string_view id) { return std::hash<std::string_view>{}(id); }
    void expire(clock::time_point now);

    clock::duration ttl_;
    std::size_t max_entries_;
    std::unordered_map<std::uint64_t, clock::time_point> seen_;
    std::deque<std::pair<clock::time_point, std::uint64_t>> order_;
};

}  // namespace incident_bot

// Remembers recently seen ids for a time so redelivered envelopes are handled once
// (slack-protocol.md section 5: dedupe on event_id with a TTL of at least 10 minutes).
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>

namespace incident_bot {

/// A TTL set of strings with a size cap. Not thread-safe: owned by the network thread.
class dedupe_set {
public:
    using clock = std::chrono::steady_clock;

    /// Ids live `ttl`; beyond `max_entries` the oldest are forgotten first.
    dedupe_set(clock::duration ttl, std::size_t max_entries = 200'000)
        : ttl_(ttl), max_entries_(max_entries) {}

    /// Records `id`; returns false when it was already present (a duplicate).
    bool insert(const std::string& id, clock::time_point now = clock::now());
    /// Forgets `id` so a redelivery is processed again (its first handling failed).
    void erase(const std::string& id) { seen_.erase(id); }
    bool contains(const std::string& id) const { return seen_.contains(id); }
    std::size_t size() const { return seen_.size(); }

private:
    void expire(clock::time_point now);

    clock::duration ttl_;
    std::size_t max_entries_;
    std::unordered_map<std::string, clock::time_point> seen_;
    std::deque<std::pair<clock::time_point, std::string>> order_;
};

}  // namespace incident_bot

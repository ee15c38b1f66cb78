// Remembers recently seen ids for a time so redelivered envelopes are handled once
// (Slack retries an unacked event up to three times over several minutes, "Using Socket Mode",
// so ids are kept at least 10 minutes).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>
#include <vector>

namespace incident_bot {

/// A TTL set of ids with a size cap. Not thread-safe: owned by the network thread.
///
/// Sized for 10 minutes of a busy app (600,000 ids at 1,000 events/s) in about 15 bytes
/// per id: ids are kept as 64-bit hashes in insertion order (a deque, 8 bytes) and found
/// through an open-addressing index of 32-bit references into it (4 bytes at a load of at
/// most 0.6). Expiry is FIFO in time steps of ttl/1000, so an id lives at least `ttl` and
/// at most 0.1% longer. A hash collision (odds ~1e-13 per id at a million ids) would make
/// one new id look seen.
class dedupe_set {
public:
    using clock = std::chrono::steady_clock;

    /// Ids live `ttl`; beyond `max_entries` the oldest are forgotten first.
    explicit dedupe_set(clock::duration ttl, std::size_t max_entries = 1'000'000)
        : ttl_(ttl), step_(ttl / 1000), max_entries_(max_entries) {}

    /// Records `id`; returns false when it was already present (a duplicate).
    bool insert(std::string_view id, clock::time_point now = clock::now());
    /// Forgets `id` so a redelivery is processed again (its first handling failed).
    void erase(std::string_view id);
    bool contains(std::string_view id) const { return find(key(id)) != npos; }
    std::size_t size() const { return live_; }

private:
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    static std::uint64_t key(std::string_view id) { return std::hash<std::string_view>{}(id); }

    // An index slot holds the low 32 bits of an insert's sequence number plus one (0 =
    // empty); the ring never holds 2^32 entries, so that names one entry unambiguously.
    std::uint64_t key_of(std::uint32_t ref) const;
    std::size_t find(std::uint64_t k) const;
    void place(std::uint32_t ref);
    void remove_slot(std::size_t i);
    void grow();
    void pop_oldest();
    void expire(clock::time_point now);

    clock::duration ttl_;
    clock::duration step_;
    std::size_t max_entries_;
    std::deque<std::uint64_t> ring_;  // every insert's key, oldest first; stale once erased
    std::uint64_t front_seq_ = 0;     // sequence number of ring_.front()
    std::deque<std::pair<clock::time_point, std::uint64_t>> steps_;  // start time, first seq
    std::vector<std::uint32_t> slots_;
    std::size_t live_ = 0;
};

}  // namespace incident_bot

#include "incident_bot/protocol/dedupe.hpp"

#include <cstdint>

namespace incident_bot {

namespace {

// A sequence number whose low 32 bits are all ones would make the empty reference 0.
constexpr std::uint32_t skipped_seq = UINT32_MAX;

}  // namespace

bool dedupe_set::insert(std::string_view id, clock::time_point now) {
    expire(now);
    const auto k = key(id);
    if (find(k) != npos) return false;
    // The cap holds after the insert too: the oldest make room for the new id.
    while (!ring_.empty() && ring_.size() >= max_entries_) pop_oldest();
    std::uint64_t seq = front_seq_ + ring_.size();
    if (static_cast<std::uint32_t>(seq) == skipped_seq) {
        ring_.push_back(0);  // a placeholder no slot refers to
        ++seq;
    }
    if (steps_.empty() || now - steps_.back().first >= step_) steps_.emplace_back(now, seq);
    ring_.push_back(k);
    if ((live_ + 1) * 5 > slots_.size() * 3) grow();
    place(static_cast<std::uint32_t>(seq) + 1);
    ++live_;
    return true;
}

void dedupe_set::erase(std::string_view id) {
    if (const auto i = find(key(id)); i != npos) remove_slot(i);
}

std::uint64_t dedupe_set::key_of(std::uint32_t ref) const {
    return ring_[static_cast<std::uint32_t>(ref - 1 - static_cast<std::uint32_t>(front_seq_))];
}

std::size_t dedupe_set::find(std::uint64_t k) const {
    if (slots_.empty()) return npos;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = k & mask; slots_[i] != 0; i = (i + 1) & mask)
        if (key_of(slots_[i]) == k) return i;
    return npos;
}

void dedupe_set::place(std::uint32_t ref) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = key_of(ref) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = ref;
}

// Linear probing deletes by shifting later members of the probe run back, so lookups
// never need tombstones.
void dedupe_set::remove_slot(std::size_t i) {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t j = (i + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
        const std::size_t home = key_of(slots_[j]) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            slots_[i] = slots_[j];
            i = j;
        }
    }
    slots_[i] = 0;
    --live_;
}

void dedupe_set::grow() {
    std::vector<std::uint32_t> old = std::move(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
    for (const auto ref : old)
        if (ref != 0) place(ref);
}

void dedupe_set::pop_oldest() {
    const auto seq = static_cast<std::uint32_t>(front_seq_);
    if (seq != skipped_seq)
        if (const auto i = find(ring_.front()); i != npos && slots_[i] == seq + 1) remove_slot(i);
    ring_.pop_front();
    ++front_seq_;
}

void dedupe_set::expire(clock::time_point now) {
    // A step's ids were inserted before its start + step_, so all have lived ttl_ by then.
    while (!steps_.empty() && steps_.front().first + step_ + ttl_ <= now) {
        const std::uint64_t end =
            steps_.size() > 1 ? steps_[1].second : front_seq_ + ring_.size();
        while (front_seq_ < end) pop_oldest();
        steps_.pop_front();
    }
    while (ring_.size() > max_entries_) pop_oldest();
    while (steps_.size() > 1 && steps_[1].second <= front_seq_) steps_.pop_front();
}

}  // namespace incident_bot

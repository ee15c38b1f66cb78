#include "protocol/dedupe.hpp"

namespace incident_bot {

bool dedupe_set::insert(const std::string& id, clock::time_point now) {
    expire(now);
    const auto k = key(id);
    if (!seen_.emplace(k, now).second) return false;
    order_.emplace_back(now, k);
    return true;
}

void dedupe_set::expire(clock::time_point now) {
    while (!order_.empty() &&
           (order_.front().first + ttl_ <= now || order_.size() > max_entries_)) {
        // An erased-then-reinserted id has a newer entry; only drop the matching one.
        auto it = seen_.find(order_.front().second);
        if (it != seen_.end() && it->second == order_.front().first) seen_.erase(it);
        order_.pop_front();
    }
}

}  // namespace incident_bot

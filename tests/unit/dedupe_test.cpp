#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "incident_bot/protocol/dedupe.hpp"

namespace incident_bot {
namespace {

using namespace std::chrono_literals;

TEST(DedupeSet, SecondSightingIsADuplicate) {
    dedupe_set seen(10min);
    const auto t0 = dedupe_set::clock::now();
    EXPECT_TRUE(seen.insert("Ev01", t0));
    EXPECT_TRUE(seen.insert("Ev02", t0));
    EXPECT_FALSE(seen.insert("Ev01", t0 + 1s));
    EXPECT_TRUE(seen.contains("Ev02"));
    EXPECT_FALSE(seen.contains("Ev03"));
}

TEST(DedupeSet, IdsExpireAfterTheirTtl) {
    dedupe_set seen(10min);
    const auto t0 = dedupe_set::clock::now();
    seen.insert("Ev01", t0);
    EXPECT_FALSE(seen.insert("Ev01", t0 + 9min));
    EXPECT_TRUE(seen.insert("Ev01", t0 + 10min + 1s));  // expired, so new again
}

// The set never holds more than its cap: each insert beyond it forgets the oldest id.
TEST(DedupeSet, OldestAreForgottenBeyondTheCap) {
    dedupe_set seen(10min, 3);
    const auto t0 = dedupe_set::clock::now();
    for (const char* id : {"a", "b", "c", "d", "e", "f"}) {
        EXPECT_TRUE(seen.insert(id, t0));
        EXPECT_LE(seen.size(), 3u);
    }
    EXPECT_EQ(seen.size(), 3u);
    for (const char* id : {"a", "b", "c"}) EXPECT_FALSE(seen.contains(id)) << id;
    for (const char* id : {"d", "e", "f"}) EXPECT_TRUE(seen.contains(id)) << id;
    // A forgotten id counts as new again and pushes out the next oldest.
    EXPECT_TRUE(seen.insert("a", t0));
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen.contains("d"));
    for (const char* id : {"e", "f", "a"}) EXPECT_TRUE(seen.contains(id)) << id;
}

TEST(DedupeSet, ErasedIdIsHandledAgainAndKeepsItsNewTime) {
    dedupe_set seen(10min);
    const auto t0 = dedupe_set::clock::now();
    seen.insert("Ev01", t0);
    seen.erase("Ev01");
    EXPECT_TRUE(seen.insert("Ev01", t0 + 5min));
    // The first entry's expiry must not drop the re-inserted one.
    EXPECT_TRUE(seen.insert("other", t0 + 11min));
    EXPECT_FALSE(seen.insert("Ev01", t0 + 12min));
}

// Many ids through a small window: exercises index growth, probe-run deletion (erase and
// expiry) and the FIFO ring together, checked against a plain map of insert times.
TEST(DedupeSet, AgreesWithAPlainMapUnderChurn) {
    dedupe_set seen(10s);
    std::map<std::string, dedupe_set::clock::time_point> model;
    const auto t0 = dedupe_set::clock::now();
    std::mt19937 rng(7);
    for (int i = 0; i < 200'000; ++i) {
        const auto now = t0 + std::chrono::microseconds(i * 250);  // 4,000 ids/s
        const std::string id = "Ev" + std::to_string(rng() % 60'000);
        if (rng() % 10 == 0) {
            seen.erase(id);
            model.erase(id);
            continue;
        }
        const auto it = model.find(id);
        // An id lives at least the ttl and at most one step (ttl/1000) longer.
        const bool held = it != model.end() && now - it->second < 10s;
        const bool gone = it == model.end() || now - it->second >= 10s + 10ms;
        const bool inserted = seen.insert(id, now);
        if (held) {
            ASSERT_FALSE(inserted) << id << " forgotten early at step " << i;
        }
        if (gone) {
            ASSERT_TRUE(inserted) << id << " kept too long at step " << i;
        }
        if (inserted) model[id] = now;
    }
    const auto end = t0 + std::chrono::microseconds(199'999 * 250);
    for (const auto& [id, at] : model) {
        if (end - at < 10s) {
            EXPECT_TRUE(seen.contains(id)) << id;
        }
    }
}

}  // namespace
}  // namespace incident_bot

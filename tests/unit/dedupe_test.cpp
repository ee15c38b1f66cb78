#include <gtest/gtest.h>

#include "protocol/dedupe.hpp"

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

TEST(DedupeSet, OldestAreForgottenBeyondTheCap) {
    dedupe_set seen(10min, 3);
    const auto t0 = dedupe_set::clock::now();
    for (const char* id : {"a", "b", "c", "d", "e"}) seen.insert(id, t0);
    seen.insert("f", t0);  // expiry runs on insert
    EXPECT_LE(seen.size(), 4u);
    EXPECT_FALSE(seen.contains("a"));
    EXPECT_TRUE(seen.contains("f"));
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

}  // namespace
}  // namespace incident_bot

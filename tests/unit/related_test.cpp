// Issue 19: past incidents that look like this one, for the draft and for the "possibly
// related" posts at declare and on a diagnosis mark.
#include <gtest/gtest.h>

#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/postmortem/related.hpp"
#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using testing::fixed_clock;
using testing::said;
using testing::temp_dir;

TEST(DistinctiveWords, LowerCasedLongUncommonOnceInOrder) {
    EXPECT_EQ(distinctive_words("The Redis pool errors: redis POOL exhausted on checkout-api"),
              (std::vector<std::string>{"redis", "pool", "exhausted", "checkout"}));
    EXPECT_EQ(distinctive_words("alpha bravo charlie delta", 2),
              (std::vector<std::string>{"alpha", "bravo"}));
    EXPECT_TRUE(distinctive_words("the incident was an error").empty());
}

class Related : public ::testing::Test {
  protected:
    std::int64_t past(std::string title, std::string channel, bool is_private = false) {
        return db.create_incident({.title = std::move(title),
                                   .severity = 2,
                                   .channel = std::move(channel),
                                   .is_private = is_private})
            .id;
    }

    command_outcome run(const std::string& text) {
        return run_incident_command(db, slash_command{"/incident", text, "U1", "C9", "", ""}, cfg,
                                    nullptr, *clock.now);
    }

    temp_dir dir;
    fixed_clock clock;
    store db{dir.file("bot.db"), open_mode::read_write, clock.options()};
    commands_config cfg;
};

TEST_F(Related, StrongMatchesOnlyAtMostThreeVisibleOnesNotItself) {
    const auto a = past("Redis pool exhausted on checkout", "C1");
    past("Checkout latency", "C2");  // one shared word: chance
    past("Redis pool exhausted again", "C4", /*is_private=*/true);  // another private channel
    for (int i = 0; i < 3; ++i) past("Redis pool alarms " + std::to_string(i), "C1" + std::to_string(i));
    const auto self = past("Redis pool exhausted for checkout", "C9");

    const auto post = possibly_related_post(db, "Redis pool exhausted for checkout", self, "C9");
    ASSERT_TRUE(post);
    EXPECT_NE(post->find("#" + std::to_string(a) + " Redis pool exhausted on checkout"),
              std::string::npos)
        << *post;
    EXPECT_NE(post->find("shares: redis, pool, exhausted, checkout"), std::string::npos) << *post;
    EXPECT_NE(post->find("<#C1>"), std::string::npos);
    EXPECT_EQ(post->find("Checkout latency"), std::string::npos) << *post;
    EXPECT_EQ(post->find("again"), std::string::npos) << *post;
    EXPECT_EQ(post->find("#" + std::to_string(self) + " "), std::string::npos) << *post;
    // The best match, then the newest of those sharing two words, three in all.
    EXPECT_EQ(std::count(post->begin(), post->end(), '\n'), 4) << *post;

    EXPECT_FALSE(possibly_related_post(db, "DNS outage in eu-west", self, "C9"));
}

TEST_F(Related, DeclarePostsStrongMatchesOnceUnlessTurnedOff) {
    past("Kafka consumer lag on orders", "C1");
    auto o = run("declare sev2 Kafka consumer lag again");
    ASSERT_EQ(o.follow_ups.size(), 1u) << o.reply.dump();
    EXPECT_EQ(o.follow_ups[0].purpose, "related");
    EXPECT_EQ(o.follow_ups[0].args["channel"], "C9");
    EXPECT_NE(o.follow_ups[0].args["text"].get<std::string>().find("Possibly related"),
              std::string::npos);
    run("resolve");

    cfg.suggest_related = false;
    o = run("declare sev2 Kafka consumer lag once more");
    EXPECT_TRUE(o.follow_ups.empty());

    // With a channel of its own, the post waits for the header's thread.
    run("resolve");
    cfg.suggest_related = true;
    cfg.create_channel = true;
    o = run("declare sev2 Kafka consumer lag yet again");
    ASSERT_TRUE(o.new_channel);
    EXPECT_NE(o.new_channel->related.find("Kafka consumer lag on orders"), std::string::npos);
    EXPECT_TRUE(o.follow_ups.empty());
}

}  // namespace
}  // namespace incident_bot

#include <gtest/gtest.h>

#include "protocol/frame.hpp"

namespace incident_bot {
namespace {

using json = nlohmann::json;

TEST(MakeAck, PlainAckIsTheEnvelopeIdAlone) {
    EXPECT_EQ(make_ack("f2a5b6c7-1d2e-4f3a-9b8c-7d6e5f4a3b2c", nullptr),
              R"({"envelope_id":"f2a5b6c7-1d2e-4f3a-9b8c-7d6e5f4a3b2c"})");
}

TEST(MakeAck, IdsWithCharactersJsonEscapesStayValidJson) {
    for (const std::string id : {"a\"b", "back\\slash", "new\nline", "caf\xc3\xa9", "\xff bad utf-8"}) {
        const auto ack = json::parse(make_ack(id, nullptr), nullptr, false);
        ASSERT_TRUE(ack.is_object()) << id;
        EXPECT_EQ(ack.size(), 1u);
    }
    EXPECT_EQ(json::parse(make_ack("a\"b", nullptr))["envelope_id"], "a\"b");
}

TEST(MakeAck, PayloadRidesAlongUnlessTooLarge) {
    bool dropped = true;
    const auto ack = json::parse(make_ack("e1", {{"text", "ok"}}, &dropped));
    EXPECT_FALSE(dropped);
    EXPECT_EQ(ack["payload"]["text"], "ok");

    const auto big = json::parse(make_ack("e2", {{"text", std::string(max_ack_bytes, 'x')}}, &dropped));
    EXPECT_TRUE(dropped);
    EXPECT_EQ(big, json({{"envelope_id", "e2"}}));
}

}  // namespace
}  // namespace incident_bot

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "incident_bot/protocol/frame.hpp"

namespace incident_bot {
namespace {

using json = nlohmann::json;

const std::string replacement_char = "\xEF\xBF\xBD";  // U+FFFD in UTF-8

// An events_api frame whose message text is `text`, written into the JSON as it is.
std::string event_frame(const std::string& text, const std::string& envelope_id = "e-1") {
    return R"({"envelope_id":")" + envelope_id +
           R"(","type":"events_api","accepts_response_payload":false,"retry_attempt":0,)"
           R"("payload":{"type":"event_callback","event_id":"Ev1","event":{"type":"message",)"
           R"("channel":"C111","user":"U222","text":")" + text + R"(","ts":"1793628191.118200"}}})";
}

std::string message_text(const frame& f) {
    const auto* env = std::get_if<envelope>(&f);
    if (!env) return "(not an envelope)";
    return std::string(env->payload.root()["event"].string("text").value_or("(no text)"));
}

std::string recovered_id(std::string_view text) {
    const auto f = parse_frame(text);
    const auto* bad = std::get_if<bad_frame>(&f);
    return bad ? bad->envelope_id : "(not a bad frame)";
}

// A frame nested past max_json_depth is a bad frame with its reason, and still acked when
// its envelope_id can be read, rather than redelivered.
TEST(ParseFrame, DeepNestingIsABadFrameNamingTheCap) {
    const std::size_t levels = 100'000;
    const std::string deep = std::string(levels, '[') + std::string(levels, ']');
    const auto f =
        parse_frame(R"({"envelope_id":"e-deep","type":"events_api","payload":)" + deep + "}");
    const auto* bad = std::get_if<bad_frame>(&f);
    ASSERT_NE(bad, nullptr);
    EXPECT_EQ(bad->why, "JSON nested deeper than 64 levels");
    EXPECT_EQ(bad->envelope_id, "e-deep");
}

TEST(ParseFrame, LoneSurrogatesInMessageTextStillMakeAnEnvelope) {
    const auto f = parse_frame(event_frame(R"(cut mid-emoji \ud83d and more)"));
    ASSERT_TRUE(std::holds_alternative<envelope>(f));
    EXPECT_EQ(std::get<envelope>(f).envelope_id, "e-1");
    EXPECT_EQ(std::get<envelope>(f).event_id(), "Ev1");
    EXPECT_EQ(message_text(f), "cut mid-emoji " + replacement_char + " and more");

    EXPECT_EQ(message_text(parse_frame(event_frame(R"(at the end \ud83d)"))),
              "at the end " + replacement_char);
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(\ud83d\u0041)"))), replacement_char + "A");
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(\uD83D\ud83d\ude00)"))),
              replacement_char + "\xF0\x9F\x98\x80");
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(low \uDE00 alone)"))),
              "low " + replacement_char + " alone");
}

TEST(ParseFrame, ValidPairsAndEscapedBackslashesAreUntouched) {
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(fire \ud83d\udd25)"))),
              "fire \xF0\x9F\x94\xA5");
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(path C:\\ud83d)"))), R"(path C:\ud83d)");
    EXPECT_EQ(message_text(parse_frame(event_frame(R"(\\\ud83d)"))), "\\" + replacement_char);
}

TEST(ParseFrame, UnparseableFrameKeepsItsEnvelopeIdSoItCanBeAcked) {
    // A broken escape and raw invalid UTF-8: no parser reads these, but the id is certain.
    for (const std::string text : {R"(bad \x escape)", "bad \xff byte"}) {
        const auto f = parse_frame(event_frame(text, "e-2"));
        ASSERT_TRUE(std::holds_alternative<bad_frame>(f)) << text;
        EXPECT_EQ(std::get<bad_frame>(f).envelope_id, "e-2");
        EXPECT_FALSE(std::get<bad_frame>(f).why.empty());
    }
    // Brackets and quoted ids inside strings do not confuse the scan.
    EXPECT_EQ(recovered_id(event_frame(R"(}]{ \"envelope_id\":\"e-fake\" \x)", "e-3")), "e-3");
    // Whitespace between tokens, the id last.
    EXPECT_EQ(recovered_id("{ \"type\" : \"events_api\" ,\n \"payload\" : {\"t\":\"\\x\"},"
                           "\"n\":-1.5e3, \"envelope_id\" : \"e-4\" }\n"),
              "e-4");
}

TEST(ParseFrame, EnvelopeIdIsNotGuessedFromAFrameThatIsNotCertain) {
    const std::string broken = R"({"type":"events_api","payload":{"t":"\x"},)";
    for (const std::string& text : std::vector<std::string>{
             broken + R"("envelope_id":"e-1")",                        // no closing brace
             broken + R"("envelope_id":"e-1"} trailing)",              // text after the object
             broken + R"("envelope_id":"e-1","envelope_id":"e-2"})",  // which one?
             broken + R"("envelope_id":"e\u002d1"})",                 // escapes in the id
             broken + R"("envelope_id":"e 1"})",                       // not an id character
             broken + R"("envelope_id":""})",
             broken + R"("envelope_id":42})",
             broken + R"("envelope_id":"e-1",})",
             broken + R"("x":[1,2},"envelope_id":"e-1"})",             // brackets do not match
             broken + R"("x":,"envelope_id":"e-1"})",                  // a member without value
             R"({"payload":{"envelope_id":"e-1","t":"\x"}})",          // only nested
             R"(["envelope_id","e-1","\x"])",
             "\xff",
         })
        EXPECT_EQ(recovered_id(text), "") << text;
}

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

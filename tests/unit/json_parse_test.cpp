// parse_json must give what nlohmann's parser gives, for good and bad input alike, except
// that an unpaired surrogate escape reads as U+FFFD.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "../fuzz/json_parse_harness.hpp"
#include "incident_bot/json_document.hpp"

namespace incident_bot {
namespace {

using json = nlohmann::json;

::testing::AssertionResult parses_like_nlohmann(const std::string& text) {
    if (fuzz::same_json(parse_json(text), fuzz::reference_parse(text)))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "differs for " << json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> fixtures() {
    std::vector<std::string> out;
    for (const auto& f : std::filesystem::directory_iterator(INCIDENT_BOT_SOURCE_DIR "/tests/data/fixtures")) {
        if (f.path().extension() != ".json") continue;
        std::ifstream in(f.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

TEST(ParseJson, SlackFixturesParseAsWithNlohmann) {
    const auto docs = fixtures();
    ASSERT_GT(docs.size(), 30u);
    for (const auto& d : docs) {
        EXPECT_FALSE(parse_json(d).is_discarded());
        EXPECT_TRUE(parses_like_nlohmann(d));
    }
}

TEST(ParseJson, EdgeCasesParseAsWithNlohmann) {
    const std::string deep(2000, '[');
    for (const std::string& text : std::vector<std::string>{
             "", " ", "nul", "{", "[1,2", "{} x", "{}  \n", "[] []", "\xEF\xBB\xBF{}", "{\"a\":1,\"a\":2}",
             "\"\\u0000 nul inside\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\ud83d\\ude00\"", "\"\xff\"",
             "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"tab\tin string\"", "0", "-0", "-0.0", "01", "1.", ".5",
             "1e999", "-1e999", "1.5e-400", "1E2", "0.1", "18446744073709551615", "18446744073709551616",
             "-9223372036854775808", "-9223372036854775809", "9223372036854775807", "9223372036854775808",
             "123456789012345678901234567890", "true", "falsey", "null", "[true,false,null]",
             "{\"k\":{\"nested\":[1,{\"x\":-2.5}]}}", "{\"\":\"empty key\"}", deep, deep + std::string(2000, ']'),
         })
        EXPECT_TRUE(parses_like_nlohmann(text));
}

TEST(ParseJson, UnpairedSurrogateEscapesReadAsReplacementCharacter) {
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(parse_json(R"({"t":"cut \ud83d here"})"), json({{"t", "cut " + fffd + " here"}}));
    EXPECT_EQ(parse_json(R"("\ud83d")"), fffd);
    EXPECT_EQ(parse_json(R"("\uD83D\u0041")"), fffd + "A");
    EXPECT_EQ(parse_json(R"("\udc00\ud800")"), fffd + fffd);
    EXPECT_EQ(parse_json(R"("\ud83d\ud83d\ude00")"), fffd + "\xF0\x9F\x98\x80");
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")"), "\xF0\x9F\x98\x80");
    EXPECT_EQ(parse_json(R"("\\ud83d")"), R"(\ud83d)");
    EXPECT_EQ(parse_json(R"(["\\\ud83d", "\\\\ud83d"])"), json({"\\" + fffd, R"(\\ud83d)"}));
    // The leniency does not make other errors acceptable.
    EXPECT_TRUE(parse_json(R"({"t":"\ud83d" x})").is_discarded());
    EXPECT_TRUE(parse_json("\"\\ud83d\xff\"").is_discarded());
}

std::string nested(std::size_t levels) {
    return std::string(levels, '[') + std::string(levels, ']');
}

// Untrusted JSON deeper than max_json_depth is refused before anything recursive sees it
// (nlohmann's parser, the DOM builder, code walking a document), so none of them can be
// driven into a stack overflow.
TEST(ParseJson, NestingDeeperThanTheCapIsDiscarded) {
    EXPECT_TRUE(parse_json(nested(max_json_depth)).is_array());
    EXPECT_TRUE(parse_json(nested(max_json_depth + 1)).is_discarded());
    EXPECT_TRUE(parse_json(std::string(1'000'000, '[')).is_discarded());
    // Mixed objects and arrays count alike; siblings do not add up.
    std::string mixed;
    for (std::size_t i = 0; i < max_json_depth / 2; ++i) mixed += R"({"a":[)";
    mixed += "1";
    for (std::size_t i = 0; i < max_json_depth / 2; ++i) mixed += "]}";
    EXPECT_TRUE(parse_json(mixed).is_object());
    EXPECT_TRUE(
        parse_json("[" + nested(max_json_depth - 1) + "," + nested(max_json_depth - 1) + "]")
            .is_array());
    EXPECT_TRUE(parse_json(R"({"a":)" + nested(max_json_depth) + "}").is_discarded());
    // Brackets in strings, escaped quotes included, are text.
    EXPECT_EQ(parse_json(R"({"t":"\\)" + std::string(100, '[') + R"("})"),
              json({{"t", "\\" + std::string(100, '[')}}));
    EXPECT_EQ(parse_json(R"(["\"[[[[", 1])"), json({"\"[[[[", 1}));
}

TEST(ReplaceLoneSurrogates, RewritesOnlyUnpairedEscapesInPlace) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {R"("a\ud83d")", R"("a\uFFFD")"},
        {R"("\ud83dx\ude00")", R"("\uFFFDx\uFFFD")"},
        {R"("\ud83d\n")", R"("\uFFFD\n")"},
        {R"("\ud83d\u00e9")", R"("\uFFFD\u00e9")"},
        {R"("\ud83d\ud83d\ude00")", R"("\uFFFD\ud83d\ude00")"},
        {R"("\\\udfff")", R"("\\\uFFFD")"},
        {R"("\ud83d)", R"("\uFFFD)"},
    };
    for (auto [in, want] : cases) {
        std::string text = in;
        EXPECT_TRUE(replace_lone_surrogates(text)) << in;
        EXPECT_EQ(text, want) << in;
    }
    for (const std::string in : {R"("\ud83d\ude00")", R"("\\ud83d")", R"("\\\\udc00")",
                                 R"("\ud83")", R"("\ud8")", R"("\u")", R"("\")", "\\", ""}) {
        std::string text = in;
        EXPECT_FALSE(replace_lone_surrogates(text)) << in;
        EXPECT_EQ(text, in);
    }
}

// Byte flips, insertions and truncations of real payloads: most are invalid, some are
// valid in surprising ways; either way both parsers must agree.
std::string mutated(const std::vector<std::string>& docs, std::mt19937& rng) {
    const std::string interesting = "{}[]\",:0-e.\\u\xff\xc3\x80 tfn";
    std::string d = docs[rng() % docs.size()];
    for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !d.empty(); --edits) {
        const std::size_t at = rng() % d.size();
        const char c = interesting[rng() % interesting.size()];
        switch (rng() % 3) {
            case 0: d[at] = c; break;
            case 1: d.insert(at, 1, c); break;
            default: d.resize(at); break;
        }
    }
    return d;
}

TEST(ParseJson, MutatedFixturesParseAsWithNlohmann) {
    const auto docs = fixtures();
    std::mt19937 rng(11);
    for (int i = 0; i < 10'000; ++i)
        ASSERT_TRUE(parses_like_nlohmann(mutated(docs, rng))) << " (mutation " << i << ")";
}

// json_document: what the hot path reads in place must be what the tree (parse_json) holds.
TEST(JsonDocument, ReadsInPlaceWhatParseJsonGives) {
    for (const auto& d : fixtures()) {
        const auto doc = json_document::parse(d);
        ASSERT_TRUE(doc);
        const json expected = parse_json(d);
        EXPECT_TRUE(fuzz::same_json(doc->tree(), expected));
        for (const auto& [key, value] : expected.items()) {
            const json_view v = doc->root()[key];
            ASSERT_TRUE(v.present()) << key;
            EXPECT_EQ(v.is_object(), value.is_object());
            EXPECT_EQ(v.is_array(), value.is_array());
            EXPECT_EQ(v.items().size(), value.is_array() ? value.size() : 0u);
            if (value.is_string()) {
                EXPECT_EQ(v.string(), value.get<std::string>());
            } else {
                EXPECT_FALSE(v.string());
            }
            if (value.is_number_integer()) {
                EXPECT_EQ(v.integer(), value.get<std::int64_t>());
            }
            if (value.is_boolean()) {
                EXPECT_EQ(v.boolean(), value.get<bool>());
            }
        }
    }
}

TEST(JsonDocument, AbsentAndMistypedValuesReadAsNothing) {
    const auto doc = json_document::parse(R"({"a":{"b":"x"},"n":5,"s":"t","a2":[1,"two"],"d":1,"d":2})");
    ASSERT_TRUE(doc);
    const json_view root = doc->root();
    EXPECT_EQ(root["a"].string("b"), "x");
    EXPECT_FALSE(root["missing"].present());
    EXPECT_FALSE(root["missing"]["deeper"].present());
    EXPECT_FALSE(root.string("n"));
    EXPECT_FALSE(root["s"].integer());
    EXPECT_FALSE(root["s"]["b"].present());
    EXPECT_TRUE(root["n"].items().empty());
    ASSERT_EQ(root["a2"].items().size(), 2u);
    EXPECT_EQ(root["a2"].items()[1].string(), "two");
    // A repeated key: the last one counts, in place and in the tree alike.
    EXPECT_EQ(root["d"].integer(), 2);
    EXPECT_EQ(doc->tree()["d"], 2);
    EXPECT_FALSE(json_document().root().present());
    EXPECT_TRUE(json_document().tree().is_null());
}

TEST(JsonDocument, SubdocumentKeepsItsStorageAlive) {
    json_document part;
    {
        const auto whole = json_document::parse(R"({"payload":{"event":{"text":"kept"}},"pad":[1,2,3]})");
        ASSERT_TRUE(whole);
        part = whole->subdocument(whole->root()["payload"]);
    }
    EXPECT_EQ(part.root()["event"].string("text"), "kept");
    EXPECT_EQ(part.tree(), json::parse(R"({"event":{"text":"kept"}})"));
    EXPECT_TRUE(json_document::parse("{}")->subdocument(json_view{}).tree().is_null());
}

TEST(JsonDocument, WhatSimdjsonDeclinesGoesThroughParseJson) {
    // A lone surrogate and an integer beyond 64 bits: read as parse_json reads them.
    const std::string text = R"({"t":"cut \ud83d","n":123456789012345678901234567890})";
    const auto doc = json_document::parse(text);
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->root().string("t"), "cut \xEF\xBF\xBD");
    EXPECT_TRUE(fuzz::same_json(doc->tree(), parse_json(text)));
    std::string why;
    EXPECT_FALSE(json_document::parse("{\"a\":", &why));
    EXPECT_EQ(why, "not valid JSON or not UTF-8");
    EXPECT_FALSE(json_document::parse("\"\xff\"", &why));
}

TEST(JsonDocument, NestingIsCappedAsInParseJson) {
    EXPECT_TRUE(json_document::parse(nested(max_json_depth))->root().is_array());
    std::string why;
    EXPECT_FALSE(json_document::parse(nested(max_json_depth + 1), &why));
    EXPECT_EQ(why, "JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
    // A value built in code reads back in place up to the cap.
    EXPECT_TRUE(json_document(parse_json(nested(max_json_depth))).root().is_array());
}

TEST(JsonDocument, LargeDocumentsParseToo) {
    json big = {{"items", json::array()}};
    for (int i = 0; i < 20'000; ++i) big["items"].push_back({{"i", i}, {"s", "text " + std::to_string(i)}});
    const std::string text = big.dump();
    ASSERT_GT(text.size(), 256u * 1024);
    const auto doc = json_document::parse(text);
    ASSERT_TRUE(doc);
    EXPECT_EQ(doc->root()["items"].items().back().string("s"), "text 19999");
    EXPECT_EQ(doc->tree(), big);
}

TEST(JsonDocument, MutatedFixturesAgreeWithParseJson) {
    const auto docs = fixtures();
    std::mt19937 rng(13);
    for (int i = 0; i < 3'000; ++i) {
        const std::string d = mutated(docs, rng);
        const json expected = parse_json(d);
        const auto doc = json_document::parse(d);
        ASSERT_EQ(doc.has_value(), !expected.is_discarded()) << " (mutation " << i << ")";
        if (doc) {
            ASSERT_TRUE(fuzz::same_json(doc->tree(), expected)) << " (mutation " << i << ")";
        }
    }
}

}  // namespace
}  // namespace incident_bot

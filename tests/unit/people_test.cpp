// People's names read as people: which words count, what marking leaves alone, and the
// detector quoting what was written rather than the marked text.
#include <gtest/gtest.h>

#include <fstream>

#include "incident_bot/rules/detector.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

TEST(NameSet, EveryWordOfANameExceptEverydayWords) {
    const auto names = name_set::from_names({"Marta Ruiz-Díaz", "Will Smith", "J", "kev"});
    EXPECT_TRUE(names->contains("marta"));
    EXPECT_TRUE(names->contains("smith"));
    EXPECT_TRUE(names->contains("kev"));
    EXPECT_FALSE(names->contains("will"));  // "this will fail" is not about Will
    EXPECT_FALSE(names->contains("j"));
    EXPECT_FALSE(names->contains("Marta"));  // callers look up lower-case words
}

TEST(NameSet, MarkKeepsTheLengthAndLeavesLinksMentionsAndChannelsAlone) {
    const auto names = name_set::from_names({"Kev", "Marta"});
    const std::string text =
        "Kev's deploy, see <https://x.io/kev|kev> in <#C1|marta> :marta: and kevin";
    const std::string marked = names->mark(text);
    EXPECT_EQ(marked.size(), text.size());
    EXPECT_EQ(marked,
              "@ev's deploy, see <https://x.io/kev|kev> in <#C1|marta> :marta: and kevin");
}

TEST(NameSet, LoadsOneNamePerLineSkippingComments) {
    testing::temp_dir dir;
    std::ofstream(dir.file("names.txt")) << "# team roster\nMarta\r\n\nkev\n";
    const auto names = name_set::load_file(dir.file("names.txt"));
    EXPECT_EQ(names->size(), 2u);
    EXPECT_THROW(name_set::load_file(dir.file("missing.txt")), std::runtime_error);
}

// "marta pushed a bad config" names nobody the rules know; with the roster it names a
// person, and the finding quotes the message as written.
TEST(Detector, KnownNamesReadAsPeople) {
    blame_detector detector(rule_set::load_default());
    const std::string text = "marta pushed a bad config";
    EXPECT_TRUE(detector.scan(text).empty());
    detector.set_names(name_set::from_names({"Marta Ruiz"}));
    const auto f = detector.scan(text);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].category, "person_attribution");
    EXPECT_EQ(f[0].matched, text.substr(f[0].offset, f[0].length));
    EXPECT_NE(f[0].matched.find("marta"), std::string::npos);
    EXPECT_TRUE(detector.judge(text).by_rules);

    // A copy shares the names, as the bot's listeners share its detector.
    const blame_detector copy = detector;
    detector.set_names(nullptr);
    EXPECT_TRUE(copy.scan(text).empty());
}

TEST(Detector, DocumentsMarkNamesToo) {
    blame_detector detector(rule_set::load_default());
    detector.set_names(name_set::from_names({"Marta"}));
    const auto f = scan_document(detector, "# Timeline\n\nmarta pushed a bad config\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 3u);
    EXPECT_NE(f[0].hit.matched.find("marta"), std::string::npos);
}

}  // namespace
}  // namespace incident_bot

// Inputs the fuzzers (tests/fuzz) once failed on, replayed through the same harness code so
// the normal test run catches a regression: tests/data/fuzz-regressions/<fuzzer>/<file>,
// one file per input, kept byte for byte as libFuzzer wrote it. A fuzzer that never crashed
// keeps a real Slack input there (from the Slack SDK fixtures) so its harness still runs.
// The harnesses throw on a broken check and let unexpected exceptions out, which fails the
// test with the file name.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "../fuzz/block_actions_harness.hpp"
#include "../fuzz/config_file_harness.hpp"
#include "../fuzz/json_parse_harness.hpp"
#include "../fuzz/lint_harness.hpp"
#include "../fuzz/rule_file_harness.hpp"
#include "../fuzz/slack_export_harness.hpp"
#include "../fuzz/slash_command_harness.hpp"
#include "../fuzz/socket_mode_envelope_harness.hpp"

namespace incident_bot {
namespace {

namespace fs = std::filesystem;

using harness = void (*)(std::string_view);

// One entry per fuzzer in tests/fuzz; EveryFuzzerIsReplayed keeps the two in step.
const std::map<std::string, harness>& harnesses() {
    static const std::map<std::string, harness> all{
        {"socket_mode_envelope", fuzz::run_socket_mode_envelope},
        {"slash_command", fuzz::run_slash_command},
        {"block_actions", fuzz::run_block_actions},
        {"slack_export", fuzz::run_slack_export},
        {"rule_file", fuzz::run_rule_file},
        {"config_file", fuzz::run_config_file},
        {"lint", fuzz::run_lint},
        {"json_parse", fuzz::run_json_parse},
    };
    return all;
}

const fs::path source_dir = INCIDENT_BOT_SOURCE_DIR;

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// A missing or empty folder fails: otherwise a renamed fuzzer or a typo replays nothing
// and still passes.
void replay(const std::string& fuzzer) {
    const fs::path dir = source_dir / "tests" / "data" / "fuzz-regressions" / fuzzer;
    ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
    std::vector<fs::path> files;
    for (const auto& f : fs::directory_iterator(dir))
        if (f.is_regular_file()) files.push_back(f.path());
    ASSERT_FALSE(files.empty()) << dir << " holds no inputs";
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        SCOPED_TRACE(file.string());
        try {
            harnesses().at(fuzzer)(read(file));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "uncaught " << e.what();
        }
    }
}

TEST(FuzzRegressions, EveryFuzzerIsReplayed) {
    std::set<std::string> fuzzers;
    for (const auto& f : fs::directory_iterator(source_dir / "tests" / "fuzz")) {
        const std::string name = f.path().filename().string();
        if (name.ends_with("_fuzzer.cpp"))
            fuzzers.insert(name.substr(0, name.size() - std::string_view("_fuzzer.cpp").size()));
    }
    std::set<std::string> replayed;
    for (const auto& [name, run] : harnesses()) replayed.insert(name);
    EXPECT_EQ(fuzzers, replayed);
}

TEST(FuzzRegressions, SocketModeEnvelope) { replay("socket_mode_envelope"); }
TEST(FuzzRegressions, SlashCommand) { replay("slash_command"); }
TEST(FuzzRegressions, BlockActions) { replay("block_actions"); }
TEST(FuzzRegressions, SlackExport) { replay("slack_export"); }
TEST(FuzzRegressions, RuleFile) { replay("rule_file"); }
TEST(FuzzRegressions, ConfigFile) { replay("config_file"); }
TEST(FuzzRegressions, Lint) { replay("lint"); }
TEST(FuzzRegressions, JsonParse) { replay("json_parse"); }

// What the fixes promise, spelled out next to the raw inputs.

TEST(FuzzRegressions, ConfigNumberTooLargeIsAConfigError) {
    config c;
    try {
        apply_config_json(c, R"({"connections": 1e999})", "big.json");
        FAIL() << "accepted 1e999";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("'big.json' has a number too large"),
                  std::string::npos)
            << e.what();
    }
}

TEST(FuzzRegressions, RulesNumberTooLargeIsARulesError) {
    EXPECT_THROW(rule_set::parse(R"({"version": 1e999, "rules": []})", "big.json"), rules_error);
}

TEST(FuzzRegressions, ExportNumberTooLargeIsAnImportError) {
    const auto root = fs::temp_directory_path() / "incident-bot-FuzzRegressions-export";
    fs::remove_all(root);
    fs::create_directories(root);
    std::ofstream(root / "channels.json") << R"([{"id": "C1", "name": "inc", "created": 1e999}])";
    store s(":memory:");
    try {
        import_slack_export(s, root);
        ADD_FAILURE() << "accepted 1e999";
    } catch (const import_error& e) {
        EXPECT_EQ(std::string(e.what()), "channels.json: a number too large to read");
    }
    fs::remove_all(root);
}

}  // namespace
}  // namespace incident_bot

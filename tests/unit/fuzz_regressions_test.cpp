// Inputs the fuzzers (tests/fuzz) once failed on, replayed through the same harness code so
// the normal test run catches a regression: tests/data/fuzz-regressions/<fuzzer>/<file>,
// one file per input, kept byte for byte as libFuzzer wrote it. The harnesses throw on a
// broken check and let unexpected exceptions out, which fails the test with the file name.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
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

std::vector<fs::path> inputs(const std::string& fuzzer) {
    const fs::path dir =
        fs::path(INCIDENT_BOT_SOURCE_DIR) / "tests" / "data" / "fuzz-regressions" / fuzzer;
    std::vector<fs::path> out;
    if (fs::is_directory(dir))
        for (const auto& f : fs::directory_iterator(dir))
            if (f.is_regular_file()) out.push_back(f.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string read(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void replay(const std::string& fuzzer, void (*harness)(std::string_view)) {
    for (const auto& file : inputs(fuzzer)) {
        SCOPED_TRACE(file.string());
        const std::string text = read(file);
        try {
            harness(text);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "uncaught " << e.what();
        }
    }
}

TEST(FuzzRegressions, SocketModeEnvelope) {
    replay("socket_mode_envelope", fuzz::run_socket_mode_envelope);
}
TEST(FuzzRegressions, SlashCommand) { replay("slash_command", fuzz::run_slash_command); }
TEST(FuzzRegressions, BlockActions) { replay("block_actions", fuzz::run_block_actions); }
TEST(FuzzRegressions, SlackExport) { replay("slack_export", fuzz::run_slack_export); }
TEST(FuzzRegressions, RuleFile) { replay("rule_file", fuzz::run_rule_file); }
TEST(FuzzRegressions, ConfigFile) { replay("config_file", fuzz::run_config_file); }
TEST(FuzzRegressions, Lint) { replay("lint", fuzz::run_lint); }
TEST(FuzzRegressions, JsonParse) { replay("json_parse", fuzz::run_json_parse); }

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

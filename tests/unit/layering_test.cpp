// The folders of bot/ (and their public headers under include/incident_bot/) form layers:
// an include may only reach a lower layer, so the folders' include graph stays acyclic.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path source_dir = INCIDENT_BOT_SOURCE_DIR;

// Protocol and core at the bottom, the app and the command line at the top. Folders of one
// rank do not include each other.
const std::map<std::string, int> layer_of = {
    {"core", 0},     {"protocol", 1}, {"rules", 2}, {"net", 2},  {"store", 3},
    {"slack", 3},    {"postmortem", 4}, {"commands", 5}, {"demo", 6}, {"app", 6},
    {"cli", 7},      {"main", 8},
};

// The folder a file belongs to: bot/<folder>/…, include/incident_bot/<folder>/…, and the
// headers directly under include/incident_bot/ are the core's.
std::string folder_of(const fs::path& relative) {
    auto it = relative.begin();
    const std::string root = (it++)->string();
    if (root == "bot") {
        const std::string first = (it++)->string();
        return it == relative.end() ? "main" : first;
    }
    ++it;  // incident_bot
    const std::string first = (it++)->string();
    return it == relative.end() ? "core" : first;
}

// The folder an `#include "…"` names, or "" for one outside bot/ and include/.
std::string folder_included(const std::string& path) {
    const fs::path p(path);
    auto it = p.begin();
    std::string first = (it++)->string();
    if (first == "incident_bot") {
        if (it == p.end()) return "";
        const std::string next = (it++)->string();
        return it == p.end() ? "core" : next;
    }
    return layer_of.contains(first) && it != p.end() ? first : "";
}

// The path of a `#include "…"` line, or "" for any other line. (Not std::regex: GCC 12's
// <regex> trips -Wmaybe-uninitialized in the sanitizer build.)
std::string quoted_include(const std::string& line) {
    const auto hash = line.find_first_not_of(" \t");
    if (hash == std::string::npos || line[hash] != '#') return "";
    const auto word = line.find_first_not_of(" \t", hash + 1);
    if (word == std::string::npos || line.compare(word, 7, "include") != 0) return "";
    const auto open = line.find_first_not_of(" \t", word + 7);
    if (open == std::string::npos || line[open] != '"') return "";
    const auto close = line.find('"', open + 1);
    return close == std::string::npos ? "" : line.substr(open + 1, close - open - 1);
}

TEST(Layering, IncludesOnlyReachLowerLayers) {
    int checked = 0;
    for (const char* root : {"bot", "include/incident_bot"}) {
        for (const auto& entry : fs::recursive_directory_iterator(source_dir / root)) {
            if (!entry.is_regular_file()) continue;
            const fs::path relative = fs::relative(entry.path(), source_dir);
            const std::string from = folder_of(relative);
            ASSERT_TRUE(layer_of.contains(from)) << relative << ": a folder with no layer";
            std::ifstream in(entry.path());
            std::string line;
            for (int n = 1; std::getline(in, line); ++n) {
                const std::string included = quoted_include(line);
                if (included.empty()) continue;
                const std::string to = folder_included(included);
                if (to.empty() || to == from) continue;
                ++checked;
                EXPECT_LT(layer_of.at(to), layer_of.at(from))
                    << relative.string() << ":" << n << " (" << from << ") includes " << included
                    << " (" << to << ")";
            }
        }
    }
    EXPECT_GT(checked, 100);
}

}  // namespace

// The folders of bot/ (and their public headers under include/incident_bot/) form layers:
// an include may only reach a lower layer, so the folders' include graph stays acyclic.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
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

TEST(Layering, IncludesOnlyReachLowerLayers) {
    const std::regex include_line(R"re(^\s*#\s*include\s+"([^"]+)")re");
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
                std::smatch m;
                if (!std::regex_search(line, m, include_line)) continue;
                const std::string to = folder_included(m[1]);
                if (to.empty() || to == from) continue;
                ++checked;
                EXPECT_LT(layer_of.at(to), layer_of.at(from))
                    << relative.string() << ":" << n << " (" << from << ") includes " << m[1]
                    << " (" << to << ")";
            }
        }
    }
    EXPECT_GT(checked, 100);
}

}  // namespace

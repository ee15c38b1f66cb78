// Slack export files through `incident-bot import`. The first byte says which file the rest
// of the input is: 'c' channels.json, 'u' users.json, anything else the day file
// inc-fuzz/2026-11-02.json. The other two files get small valid contents, the export is
// written to a private temp folder and imported into an in-memory store (rolled back after
// each input). Malformed files must come back as import_error, nothing else.
#pragma once

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "fuzz_support.hpp"
#include "incident_bot/store/import.hpp"

namespace incident_bot::fuzz {

namespace slack_export_detail {

namespace fs = std::filesystem;

inline constexpr std::string_view default_channels = R"([
  {"id": "C0FUZZ1", "name": "inc-fuzz", "created": 1793628120, "is_archived": true,
   "purpose": {"value": "SEV2: checkout errors"}, "topic": {"value": "monitoring"}},
  {"id": "C0FUZZ2", "name": "inc-empty", "is_archived": false}
])";

inline constexpr std::string_view default_users = R"([
  {"id": "U0ANA01", "name": "ana", "profile": {"display_name": "ana.ruiz"}},
  {"id": "U0BOT01", "name": "pagerduty", "is_bot": true, "profile": {"bot_id": "B0PD"}}
])";

inline constexpr std::string_view default_day = R"([
  {"type": "message", "subtype": "channel_join", "user": "U0ANA01", "ts": "1793628150.100100"},
  {"type": "message", "user": "U0ANA01", "text": "Declaring SEV2", "ts": "1793628191.118200",
   "reactions": [{"name": "mag", "users": ["U0ANA01"], "count": 1}]},
  {"type": "message", "user": "U0BEN02", "text": "on it", "ts": "1793628200.000100",
   "thread_ts": "1793628191.118200", "user_profile": {"real_name": "Ben"}}
])";

// A private export folder, removed when the fuzzer exits.
struct export_dir {
    fs::path root = fs::temp_directory_path() /
                    ("incident-bot-fuzz-export-" + std::to_string(::getpid()));
    export_dir() { fs::create_directories(root / "inc-fuzz"); }
    ~export_dir() {
        std::error_code ec;
        fs::remove_all(root, ec);
    }
};

inline void write(const fs::path& file, std::string_view text) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

}  // namespace slack_export_detail

inline void run_slack_export(std::string_view input) {
    using namespace slack_export_detail;
    static const export_dir dir;
    store& s = shared_store();
    if (input.empty()) return;
    const char kind = input.front();
    const std::string_view text = input.substr(1);

    write(dir.root / "channels.json", kind == 'c' ? text : default_channels);
    write(dir.root / "users.json", kind == 'u' ? text : default_users);
    write(dir.root / "inc-fuzz" / "2026-11-02.json",
          kind != 'c' && kind != 'u' ? text : default_day);

    transaction scratch(s);  // never committed: rolled back when the input is done
    try {
        // Every channel, whatever its fuzzed name: the filter must not hide the parsers.
        import_options all;
        all.all = true;
        (void)import_slack_export(s, dir.root, all);
    } catch (const import_error&) {
    }
}

}  // namespace incident_bot::fuzz

#include "incident_bot/store/import.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

namespace fs = std::filesystem;
using testing::data_path;
using testing::temp_dir;

const std::string k_checkout = "inc-20261102-checkout-latency";
const std::string k_search = "inc-20261115-search-indexing";

// A writable copy of the sample export, for tests that damage it.
fs::path copy_sample(const temp_dir& dir) {
    const fs::path to = dir.path() / "export";
    fs::copy(data_path("sample-export"), to, fs::copy_options::recursive);
    return to;
}

std::string import_error_of(store& s, const fs::path& root, const import_options& o = {}) {
    try {
        import_slack_export(s, root, o);
    } catch (const import_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(Import, BuildsOneIncidentPerChannelFromTheSampleExport) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    const auto summary = import_slack_export(s, data_path("sample-export"));
    ASSERT_EQ(summary.channels.size(), 2u);
    EXPECT_EQ(summary.channels[0].name, k_checkout);
    EXPECT_EQ(summary.channels[0].entries, 18u);  // the channel_topic notice is left out
    EXPECT_EQ(summary.users, 7u);  // six users and the deploy bot's bot id

    const auto incidents = s.list_incidents();
    ASSERT_EQ(incidents.size(), 2u);
    const auto& checkout = incidents[0];
    EXPECT_EQ(checkout.title, "SEV2: checkout-api p99 latency above 4s");
    EXPECT_EQ(checkout.severity, 2);
    EXPECT_EQ(checkout.channel, "C0AINC1001");
    EXPECT_EQ(checkout.status, incident_status::resolved);  // archived channel
    EXPECT_EQ(checkout.declared_at.time_since_epoch().count(), 1793628150);
    EXPECT_EQ(checkout.resolved_at->time_since_epoch().count(), 1793696822);
    EXPECT_EQ(incidents[1].status, incident_status::investigating);
    EXPECT_EQ(incidents[1].severity, 3);
    EXPECT_EQ(s.find_open_incident("C0AINC1002")->id, incidents[1].id);

    const auto timeline = s.list_timeline(checkout.id);
    ASSERT_EQ(timeline.size(), 18u);
    EXPECT_EQ(timeline[0].source, entry_source::join);
    EXPECT_EQ(timeline[1].stage, incident_stage::detection);
    EXPECT_EQ(timeline[2].source, entry_source::bot);
    EXPECT_EQ(timeline[2].user, "B0DEPLOY");

    const auto pool = s.find_entry(checkout.id, "1793628642.331900").value();
    EXPECT_TRUE(pool.edited);
    EXPECT_TRUE(pool.pinned);
    EXPECT_TRUE(pool.key_event);
    EXPECT_EQ(pool.stage, incident_stage::diagnosis);
    EXPECT_FALSE(pool.thread_ts);  // a thread parent is not a reply
    const auto reply = s.find_entry(checkout.id, "1793628690.100000").value();
    EXPECT_EQ(reply.thread_ts, "1793628642.331900");
    const auto broadcast = s.find_entry(checkout.id, "1793628820.050000").value();
    EXPECT_EQ(broadcast.kind, "thread_broadcast");
    const auto fixed = s.find_entry(checkout.id, "1793629572.300000").value();
    EXPECT_EQ(fixed.stage, incident_stage::repair);
    EXPECT_EQ(s.list_timeline(checkout.id, timeline_view::human).size(), 15u);

    EXPECT_EQ(s.get_user("U0ANA01")->display_name, "ana.ruiz");
    EXPECT_EQ(s.get_user("U0BOT05")->display_name, "Deploy Bot");
    EXPECT_TRUE(s.get_user("U0BOT05")->is_bot);
    EXPECT_EQ(s.get_user("B0DEPLOY")->display_name, "Deploy Bot");

    ASSERT_EQ(s.search("fraud score").size(), 1u);
    EXPECT_EQ(s.search("indexer OOM")[0].id, incidents[1].id);
}

TEST(Import, ChannelsFromGroupsJsonArePrivateIncidents) {
    temp_dir dir;
    const auto root = copy_sample(dir);
    auto channels = nlohmann::json::parse(std::ifstream(root / "channels.json"));
    ASSERT_EQ(channels.size(), 2u);
    std::ofstream(root / "groups.json") << nlohmann::json::array({channels[1]}).dump();
    channels.erase(1);
    std::ofstream(root / "channels.json") << channels.dump();
    store s(dir.file("bot.db"));
    import_slack_export(s, root);
    const auto incidents = s.list_incidents();
    ASSERT_EQ(incidents.size(), 2u);
    EXPECT_EQ(incidents[0].is_private, false);
    EXPECT_EQ(incidents[1].is_private, true);
    EXPECT_FALSE(incidents[1].visible_in("C0AINC1001"));
}

TEST(Import, SecondRunAddsNothing) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    import_slack_export(s, data_path("sample-export"));
    const auto again = import_slack_export(s, data_path("sample-export"));
    for (const auto& c : again.channels) {
        EXPECT_FALSE(c.incident_id);
        EXPECT_NE(c.skipped.find("already imported"), std::string::npos);
    }
    EXPECT_EQ(s.list_incidents().size(), 2u);
}

TEST(Import, SelectsOneChannelByName) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    const auto summary = import_slack_export(s, data_path("sample-export"), {.channel = k_search});
    ASSERT_EQ(summary.channels.size(), 1u);
    EXPECT_EQ(s.list_incidents().size(), 1u);
    EXPECT_EQ(s.list_incidents()[0].channel, "C0AINC1002");
    EXPECT_NE(import_error_of(s, data_path("sample-export"), {.channel = "general"})
                  .find("no channel named 'general'"),
              std::string::npos);
}

TEST(Import, ReadsTheSlackdumpFixtureWithTombstonesAndNulls) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    // Its one channel is not named like an incident channel.
    const auto summary = import_slack_export(s, data_path("fixtures/export"), {.all = true});
    ASSERT_EQ(summary.channels.size(), 1u);
    ASSERT_TRUE(summary.channels[0].incident_id);
    const auto timeline = s.list_timeline(*summary.channels[0].incident_id);
    EXPECT_EQ(timeline.size(), summary.channels[0].entries);
    const auto tombstone = std::find_if(timeline.begin(), timeline.end(), [](const auto& e) {
        return e.kind == "tombstone";
    });
    ASSERT_NE(tombstone, timeline.end());
    EXPECT_TRUE(tombstone->deleted);
    EXPECT_FALSE(tombstone->text);
}

TEST(Import, MalformedDayFileNamesFileAndPositionAndWritesNothing) {
    temp_dir dir;
    const auto root = copy_sample(dir);
    // Break line 3 of the last channel's day file.
    const auto day = root / k_search / "2026-11-15.json";
    {
        std::ifstream in(day);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto second_line_end = text.find('\n', text.find('\n') + 1);
        text.insert(second_line_end + 1, "    \"type\" \"message\",\n");
        std::ofstream(day) << text;
    }
    store s(dir.file("bot.db"));
    const auto what = import_error_of(s, root);
    EXPECT_NE(what.find(k_search + "/2026-11-15.json: line 3, column 20"), std::string::npos)
        << what;
    EXPECT_TRUE(s.list_incidents().empty());
    EXPECT_FALSE(s.get_user("U0ANA01"));
}

TEST(Import, LoneSurrogateEscapeReadsAsReplacementCharacter) {
    temp_dir dir;
    const auto root = copy_sample(dir);
    const auto day = root / k_search / "2026-11-15.json";
    const std::string said = "Search results are stale since ~08:00 UTC";
    {
        std::ifstream in(day);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        text.insert(text.find(said) + said.size(), " \\ud83d");
        std::ofstream(day) << text;
    }
    store s(dir.file("bot.db"));
    const auto summary = import_slack_export(s, root);
    ASSERT_EQ(summary.channels.size(), 2u);
    ASSERT_TRUE(summary.channels[1].incident_id);
    std::size_t found = 0;
    for (const auto& e : s.list_timeline(*summary.channels[1].incident_id))
        if (e.text && e.text->starts_with(said))
            found += *e.text == said + " \xEF\xBF\xBD, indexer lag is 45 minutes and growing";
    EXPECT_EQ(found, 1u);
}

TEST(Import, StructuralErrorsNameTheMessage) {
    temp_dir dir;
    const auto root = copy_sample(dir);
    const auto day = root / k_checkout / "2026-11-03.json";
    std::ofstream(day) << R"([{"type": "message", "text": "no ts here"}])";
    store s(dir.file("bot.db"));
    EXPECT_NE(import_error_of(s, root).find(k_checkout + "/2026-11-03.json: message #1: missing ts"),
              std::string::npos);

    std::ofstream(day) << R"({"not": "an array"})";
    EXPECT_NE(import_error_of(s, root).find("expected a JSON array"), std::string::npos);

    std::ofstream(root / "channels.json") << R"([{"id": "C1"}])";
    EXPECT_NE(import_error_of(s, root).find("channels.json: channel #1"), std::string::npos);
    EXPECT_TRUE(s.list_incidents().empty());
}

TEST(Import, RefusesZipAndFoldersThatAreNoExport) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    const auto zip = dir.path() / "export.zip";
    std::ofstream(zip) << "PK";
    EXPECT_NE(import_error_of(s, zip).find("unzip"), std::string::npos);
    EXPECT_NE(import_error_of(s, dir.path() / "nowhere").find("no such folder"),
              std::string::npos);
    fs::create_directories(dir.path() / "empty");
    EXPECT_NE(import_error_of(s, dir.path() / "empty").find("channels.json not found"),
              std::string::npos);
}

// An export whose channels.json holds `channels` (a JSON array), next to a folder with a
// valid day file outside it: a channel name that escapes the export would import that.
struct hostile_export {
    temp_dir dir;
    fs::path root = dir.path() / "export";
    fs::path outside = dir.path() / "outside";

    explicit hostile_export(const std::string& channels) {
        fs::create_directories(root / "inc-ok");
        fs::create_directories(outside);
        const std::string day =
            R"([{"type": "message", "user": "U1", "text": "outside", "ts": "1793628150.100100"}])";
        for (const auto& folder : {root / "inc-ok", outside, dir.path()})
            std::ofstream(folder / "2026-11-02.json") << day;
        std::ofstream(root / "channels.json") << channels;
        std::ofstream(root / "users.json") << R"([{"id": "U1", "name": "ana"}])";
    }
};

TEST(Import, RefusesChannelNamesThatAreNoPlainFolderName) {
    // JSON string bodies; the valid channel comes first, so a refusal must also leave the
    // store untouched (everything is validated before the first write).
    const std::vector<std::string> names = {
        R"(..)",
        R"(.)",
        R"(../outside)",
        R"(/tmp)",
        R"(..\u0000)",
        R"(inc-ok\u0000)",
        R"(..\\outside)",
        R"(inc\\ok)",
        R"(inc\nok)",
        R"(inc\u001bok)",
        R"(inc\u007fok)",
        "",
        std::string(256, 'a'),
    };
    for (const auto& name : names) {
        SCOPED_TRACE(name);
        hostile_export e(R"([{"id": "C1", "name": "inc-ok"}, {"id": "C2", "name": ")" + name +
                         R"("}])");
        store s(e.dir.file("bot.db"));
        const auto what = import_error_of(s, e.root);
        EXPECT_NE(what.find("channels.json: channel #2"), std::string::npos) << what;
        EXPECT_TRUE(s.list_incidents().empty());
        EXPECT_FALSE(s.get_user("U1"));
    }
}

TEST(Import, RefusedNameIsShownEscaped) {
    hostile_export e(R"([{"id": "C1", "name": "..\u0000\u001b[2J"}])");
    store s(e.dir.file("bot.db"));
    const auto what = import_error_of(s, e.root);
    EXPECT_NE(what.find(R"(channels.json: channel #1 "..\x00\x1b[2J")"), std::string::npos) << what;
    EXPECT_EQ(what.find('\0'), std::string::npos);
    EXPECT_EQ(what.find('\x1b'), std::string::npos);
}

TEST(Import, RefusesAChannelFolderThatLinksOutOfTheExport) {
    hostile_export e(R"([{"id": "C1", "name": "inc-ok"}, {"id": "C2", "name": "inc-link"}])");
    fs::create_directory_symlink(e.outside, e.root / "inc-link");
    store s(e.dir.file("bot.db"));
    const auto what = import_error_of(s, e.root);
    EXPECT_NE(what.find(R"(channels.json: channel #2 "inc-link": its folder is outside)"),
              std::string::npos)
        << what;
    EXPECT_TRUE(s.list_incidents().empty());
}

TEST(Import, RefusesADayFileThatLinksOutOfTheExport) {
    hostile_export e(R"([{"id": "C1", "name": "inc-ok"}])");
    fs::create_symlink(e.outside / "2026-11-02.json", e.root / "inc-ok" / "2026-11-03.json");
    store s(e.dir.file("bot.db"));
    const auto what = import_error_of(s, e.root);
    EXPECT_NE(what.find("inc-ok/2026-11-03.json: links outside the export"), std::string::npos)
        << what;
    EXPECT_TRUE(s.list_incidents().empty());
}

// Every file of the export gets the containment check, not only the channel folders and
// day files: a users.json (or channels.json, ...) linking elsewhere is refused.
TEST(Import, RefusesTopLevelFilesThatLinkOutOfTheExport) {
    for (const std::string name :
         {"channels.json", "groups.json", "users.json", "org_users.json"}) {
        hostile_export e(R"([{"id": "C1", "name": "inc-ok"}])");
        const bool is_channels = name == "channels.json" || name == "groups.json";
        std::ofstream(e.outside / name) << (is_channels ? R"([{"id": "C1", "name": "inc-ok"}])"
                                                        : R"([{"id": "U9", "name": "elsewhere"}])");
        fs::remove(e.root / name);
        if (name == "org_users.json") fs::remove(e.root / "users.json");  // read only without it
        fs::create_symlink(e.outside / name, e.root / name);
        store s(e.dir.file("bot.db"));
        const auto what = import_error_of(s, e.root);
        EXPECT_NE(what.find(name + ": links outside the export"), std::string::npos) << what;
        EXPECT_TRUE(s.list_incidents().empty());
        EXPECT_FALSE(s.get_user("U9"));
    }
}

TEST(Import, CapsFileSizesAndNamesTheFile) {
    hostile_export e(R"([{"id": "C1", "name": "inc-ok"}])");
    store s(e.dir.file("bot.db"));
    const auto what = import_error_of(s, e.root, {.max_file_bytes = 64});
    EXPECT_NE(what.find("inc-ok/2026-11-02.json: "), std::string::npos) << what;
    EXPECT_NE(what.find(" bytes, over the limit of 64"), std::string::npos) << what;
    EXPECT_TRUE(s.list_incidents().empty());
    EXPECT_EQ(import_error_of(s, e.root, {.max_file_bytes = 4096}), "no error");
}

TEST(Import, DeeplyNestedJsonIsRefusedNamingTheFile) {
    hostile_export e(R"([{"id": "C1", "name": "inc-ok"}])");
    std::ofstream(e.root / "users.json", std::ios::trunc)
        << std::string(100'000, '[') + std::string(100'000, ']');
    store s(e.dir.file("bot.db"));
    const auto what = import_error_of(s, e.root);
    EXPECT_NE(what.find("users.json: JSON nested deeper than 64 levels"), std::string::npos)
        << what;
    EXPECT_TRUE(s.list_incidents().empty());
}

TEST(Import, FollowsLinksThatStayInsideTheExport) {
    hostile_export e(R"([{"id": "C1", "name": "inc-link"}])");
    fs::create_directory_symlink(e.root / "inc-ok", e.root / "inc-link");
    store s(e.dir.file("bot.db"));
    const auto summary = import_slack_export(s, e.root);
    ASSERT_EQ(summary.channels.size(), 1u);
    EXPECT_EQ(summary.channels[0].entries, 1u);
}

}  // namespace
}  // namespace incident_bot

// Operations on real SQLite files: online backup while another connection writes, erasing a
// person's text (forget-user) and the retention purge.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "incident_bot/store/store.hpp"
#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using namespace std::chrono_literals;
using testing::fixed_clock;
using testing::said;
using testing::temp_dir;

std::int64_t count(const std::string& path, const char* sql) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
}

// The database file plus its WAL, as raw bytes: erased text must not survive anywhere.
std::string raw_bytes(const std::string& path) {
    std::string all;
    for (const auto& p : {path, path + "-wal"}) {
        std::ifstream in(p, std::ios::binary);
        all.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return all;
}

TEST(Ops, BackupIsConsistentWhileAnotherConnectionWrites) {
    temp_dir dir;
    const auto live = dir.file("live.db");
    {
        store s(live);
        s.create_incident({.title = "Checkout errors", .channel = "C1"});
        for (int i = 0; i < 200; ++i)
            s.add_entry(said(1, "1762092000." + std::to_string(100000 + i), "U1", "seed"));
    }
    std::atomic<bool> stop{false};
    std::atomic<int> written{0};
    // The bot's writer: keeps committing small transactions for the whole backup.
    std::thread writer([&] {
        store w(live);
        for (int i = 0; !stop; ++i) {
            transaction tx(w);
            w.add_entry(said(1, "1762093000." + std::to_string(100000 + i), "U2", "more text"));
            w.add_note(1, "U2", "note " + std::to_string(i));
            tx.commit();
            ++written;
        }
    });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (written < 20 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    const auto copy = dir.file("copy.db");
    {
        store reader(live, open_mode::read_only);
        reader.backup_to(copy);
    }
    const int after_backup = written;
    stop = true;
    writer.join();

    store restored(copy, open_mode::read_only);
    EXPECT_TRUE(restored.integrity_check().empty());
    // A snapshot: whole transactions only (an entry and its note together), none half-done.
    const auto entries = count(copy, "SELECT COUNT(*) FROM timeline WHERE source = 'message'");
    const auto notes = count(copy, "SELECT COUNT(*) FROM timeline WHERE source = 'note'");
    EXPECT_EQ(entries - 200, notes);
    EXPECT_GE(notes, 20);
    EXPECT_LE(notes, after_backup + 1);
    EXPECT_EQ(restored.list_timeline(1).size(), static_cast<std::size_t>(entries + notes));
    // One self-contained file: no WAL needed to read it.
    {
        SQLite::Database db(copy, SQLite::OPEN_READONLY);
        EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "delete");
    }
    EXPECT_FALSE(std::filesystem::exists(copy + "-wal"));
}

TEST(Ops, BackupRefusesAnExistingTarget) {
    temp_dir dir;
    const auto live = dir.file("live.db");
    store s(live);
    const auto target = dir.file("taken.db");
    std::ofstream(target) << "precious";
    EXPECT_THROW(s.backup_to(target), store_error);
    std::ifstream in(target);
    std::string kept;
    in >> kept;
    EXPECT_EQ(kept, "precious");
}

TEST(Ops, IntegrityCheckReportsNothingForASoundFile) {
    temp_dir dir;
    store s(dir.file("ok.db"));
    s.create_incident({.title = "Fine", .channel = "C1"});
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(Ops, ForgetUserErasesTextHistoryAndIndexButKeepsFacts) {
    temp_dir dir;
    fixed_clock clock;
    const auto path = dir.file("forget.db");
    store s(path, open_mode::read_write, clock.options());
    s.create_incident({.title = "Queue backlog", .channel = "C1"});
    const auto mine = *s.add_entry(said(1, "1762092000.000100", "U1", "zanzibar rollout paused"));
    s.add_entry(said(1, "1762092001.000100", "U2", "consumer lag is growing"));
    ASSERT_TRUE(s.apply_edit(mine, "quixotic rollout paused", "1762092002.000100", "U1"));
    s.set_pinned(mine, true);
    s.add_note(1, "U1", "marmalade config reverted");
    s.set_status(1, incident_status::identified, "U1");
    ASSERT_EQ(s.search("quixotic").size(), 1u);
    ASSERT_EQ(s.search("marmalade").size(), 1u);

    const unix_time at(std::chrono::seconds(1762092000));
    EXPECT_TRUE(s.keep_nudge_example("C1", "1762092001.000100", "model", "sarcasm", false, at));
    EXPECT_FALSE(s.keep_nudge_example("C1", "1762099999.000100", "model", "sarcasm", true, at));
    EXPECT_FALSE(s.keep_nudge_example("C9", "1762092001.000100", "model", "sarcasm", true, at));
    // U1's own message, voted twice: the last vote wins.
    EXPECT_TRUE(s.keep_nudge_example("C1", "1762092000.000100", "model", "sarcasm", false, at));
    EXPECT_TRUE(s.keep_nudge_example("C1", "1762092000.000100", "who-broke-it", "whose_fault",
                                     true, at));
    ASSERT_EQ(s.nudge_examples().size(), 2u);
    s.remember_person({"U1", {"marta", "Marta Ruiz"}, unix_time(std::chrono::seconds(1762092000))});
    s.remember_person({"U2", {"Ben Okafor"}, unix_time(std::chrono::seconds(1762092000))});
    ASSERT_EQ(s.people().size(), 2u);
    EXPECT_EQ(s.people()[0].names, (std::vector<std::string>{"marta", "Marta Ruiz"}));
    s.put_user({"U1", "marta", false, at});
    s.remember_home_viewer({"U1", home_filter::overdue, home_grouping::owner, at});
    s.remember_home_viewer({"U2", home_filter::open, home_grouping::incident, at});
    // What U1 wrote outside the timeline: the summary and an action item; U2 the impact.
    s.set_summary(1, "gorgonzola cache stampede", "U1");
    s.set_impact(1, "checkout slow for 20 minutes", "U2");
    s.add_action_item({.incident_id = 1, .text = "persimmon alert on lag", .created_by = "U1"});
    s.add_action_item({.incident_id = 1, .text = "document the queue", .created_by = "U2"});
    s.create_incident({.title = "Unrelated", .channel = "C2"});
    s.add_draft(1, "U1 said zanzibar and gorgonzola");
    s.add_draft(1, "v2: U1 said zanzibar");
    s.add_draft(2, "nothing of U1 here");
    ASSERT_FALSE(s.search("gorgonzola").empty());

    // Every version of the drafts of U1's incidents is written again, after the erasure.
    std::vector<std::int64_t> redrafted;
    const auto erased = s.forget_user("U1", [&](std::int64_t incident, draft_audience) {
        redrafted.push_back(incident);
        EXPECT_FALSE(s.get_incident(incident)->summary);
        return std::string("a responder said something");
    });
    EXPECT_EQ(redrafted, std::vector<std::int64_t>{1});
    EXPECT_EQ(erased.drafts, 1);
    EXPECT_EQ(erased.entries, 2);
    EXPECT_EQ(erased.edits, 1);
    EXPECT_EQ(erased.other, 2);
    EXPECT_FALSE(s.get_incident(1)->summary);
    EXPECT_EQ(s.get_incident(1)->impact, "checkout slow for 20 minutes");
    const auto items = s.list_action_items();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].text, "(erased)");
    EXPECT_EQ(items[1].text, "document the queue");
    EXPECT_FALSE(s.get_user("U1", std::chrono::hours(24)));
    EXPECT_FALSE(s.home_viewer_of("U1"));  // and the Home they chose
    EXPECT_TRUE(s.home_viewer_of("U2"));
    EXPECT_TRUE(s.search("gorgonzola").empty());
    EXPECT_EQ(s.latest_draft(1)->markdown, "a responder said something");
    EXPECT_EQ(s.latest_draft(2)->markdown, "nothing of U1 here");
    // Their names go too (issue 14: names are kept only to read them as people).
    ASSERT_EQ(s.people().size(), 1u);
    EXPECT_EQ(s.people()[0].user, "U2");
    // So do the examples kept from their messages; U2's stays.
    const auto examples = s.nudge_examples();
    ASSERT_EQ(examples.size(), 1u);
    EXPECT_EQ(examples[0].text, "consumer lag is growing");
    EXPECT_FALSE(examples[0].helpful);

    EXPECT_TRUE(s.search("quixotic").empty());
    EXPECT_TRUE(s.search("zanzibar").empty());
    EXPECT_TRUE(s.search("marmalade").empty());
    EXPECT_EQ(s.search("consumer lag").size(), 1u);

    const auto entry = s.find_entry(1, "1762092000.000100");
    ASSERT_TRUE(entry);
    EXPECT_FALSE(entry->text);
    EXPECT_EQ(entry->user, "U1");
    EXPECT_TRUE(entry->pinned);
    EXPECT_TRUE(entry->edited);
    EXPECT_FALSE(entry->deleted);
    const auto history = s.edit_history(mine);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].editor, "U1");
    EXPECT_EQ(history[0].old_text, "");

    // The status change U1 made is a fact written by the store, not U1's words.
    bool status_kept = false;
    for (const auto& e : s.list_timeline(1))
        if (e.source == entry_source::status) status_kept = e.text.has_value();
    EXPECT_TRUE(status_kept);
    EXPECT_EQ(s.find_entry(1, "1762092001.000100")->text, "consumer lag is growing");

    // Nothing left on disk either: not in free pages, old FTS segments or the WAL.
    const auto bytes = raw_bytes(path);
    for (const char* word : {"zanzibar", "quixotic", "marmalade", "gorgonzola", "persimmon"})
        EXPECT_EQ(bytes.find(word), std::string::npos) << word;

    EXPECT_EQ(s.forget_user("U1").entries, 0);
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(Ops, PurgeDropsTextOfLongResolvedIncidentsOnly) {
    temp_dir dir;
    fixed_clock clock;
    store s(dir.file("purge.db"), open_mode::read_write, clock.options());
    const auto now = std::chrono::floor<std::chrono::seconds>(s.now());
    const auto old_id = s.create_incident({.title = "Old outage",
                                           .channel = "C1",
                                           .declared_at = now - 41 * 24h,
                                           .status = incident_status::resolved,
                                           .resolved_at = now - 40 * 24h})
                            .id;
    const auto recent_id = s.create_incident({.title = "Recent outage",
                                              .channel = "C2",
                                              .declared_at = now - 6 * 24h,
                                              .status = incident_status::resolved,
                                              .resolved_at = now - 5 * 24h})
                               .id;
    const auto open_id = s.create_incident({.title = "Ongoing", .channel = "C3"}).id;
    const auto old_entry = *s.add_entry(said(old_id, "1758000000.000100", "U1", "walrus old"));
    ASSERT_TRUE(s.apply_edit(old_entry, "walrus older", "1758000001.000100", "U1"));
    s.add_entry(said(recent_id, "1761600000.000100", "U1", "pelican recent"));
    s.add_entry(said(open_id, "1762092000.000100", "U1", "heron ongoing"));
    s.add_draft(old_id, "# Post-mortem\nThe walrus cache expired.");
    s.record_nudge({.user = "U1", .category = "blame", .rule_id = "r1", .channel = "C1"});
    const unix_time at = std::chrono::floor<std::chrono::seconds>(now);
    ASSERT_TRUE(s.keep_nudge_example("C1", "1758000000.000100", "model", "sarcasm", true, at));
    ASSERT_TRUE(s.keep_nudge_example("C3", "1762092000.000100", "model", "sarcasm", false, at));

    const auto erased = s.purge_resolved_text(now - 30 * 24h);
    EXPECT_EQ(erased.entries, 1);
    EXPECT_EQ(erased.edits, 1);

    EXPECT_FALSE(s.find_entry(old_id, "1758000000.000100")->text);
    EXPECT_EQ(s.find_entry(recent_id, "1761600000.000100")->text, "pelican recent");
    EXPECT_EQ(s.find_entry(open_id, "1762092000.000100")->text, "heron ongoing");
    // Drafts, incidents and metrics stay; the draft still finds the incident.
    ASSERT_TRUE(s.latest_draft(old_id));
    EXPECT_EQ(s.search("walrus").size(), 1u);
    EXPECT_EQ(s.get_incident(old_id)->title, "Old outage");
    EXPECT_EQ(s.count_nudges(), 1);
    // Examples kept from purged incidents go with their text.
    ASSERT_EQ(s.nudge_examples().size(), 1u);
    EXPECT_EQ(s.nudge_examples()[0].text, "heron ongoing");
    EXPECT_EQ(s.purge_resolved_text(now - 30 * 24h).entries, 0);
    EXPECT_TRUE(s.integrity_check().empty());
}

}  // namespace
}  // namespace incident_bot

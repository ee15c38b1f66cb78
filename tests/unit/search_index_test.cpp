// The timeline's search index lags behind the commits (store::index_pending): search still
// sees every committed entry, indexing is bounded, and the lag survives a reopen without
// gaps or doubles; edits, deletions and erasure keep the index right on both sides of it.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

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

// The index as another connection sees it: the marker, and the ids of the entries whose
// words are in the index (read through an fts5vocab table, so the content is not consulted).
struct index_state {
    std::int64_t upto = 0;
    std::vector<std::int64_t> ids;
};

index_state read_index(const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    db.exec("CREATE VIRTUAL TABLE temp.words USING fts5vocab(main, timeline_fts, 'instance')");
    index_state out;
    out.upto = db.execAndGet("SELECT timeline_upto FROM fts_progress").getInt64();
    SQLite::Statement ids(db, "SELECT DISTINCT doc FROM temp.words ORDER BY doc");
    while (ids.executeStep()) out.ids.push_back(ids.getColumn(0).getInt64());
    return out;
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

// Incident 1 with `n` messages from U1, "word0 ..." to "word<n-1> ..."; returns their ids.
std::vector<std::int64_t> add_messages(store& s, int n) {
    s.create_incident({.title = "Checkout errors", .channel = "C1"});
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i)
        ids.push_back(*s.add_entry(said(1,
                                        "1762092000.00010" + std::to_string(i),
                                        "U1",
                                        "word" + std::to_string(i) + " on the checkout path")));
    return ids;
}

TEST(SearchIndex, CommitsLeaveEntriesPendingAndSearchCatchesUpFirst) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    const auto ids = add_messages(s, 3);
    EXPECT_EQ(read_index(path).upto, 0);
    EXPECT_TRUE(read_index(path).ids.empty());

    const auto hits = s.search("word2");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].title, "Checkout errors");
    const auto after = read_index(path);
    EXPECT_EQ(after.upto, ids.back());
    EXPECT_EQ(after.ids, ids);
    EXPECT_EQ(s.index_pending(10), 0u);
}

TEST(SearchIndex, IndexPendingTakesAtMostTheLimitThenTheRest) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    const auto ids = add_messages(s, 5);
    EXPECT_EQ(s.index_pending(0), 0u);
    EXPECT_EQ(s.index_pending(2), 2u);
    auto state = read_index(path);
    EXPECT_EQ(state.upto, ids[1]);
    EXPECT_EQ(state.ids, (std::vector<std::int64_t>{ids[0], ids[1]}));
    EXPECT_EQ(s.index_pending(2), 2u);
    EXPECT_EQ(s.index_pending(2), 1u);
    EXPECT_EQ(s.index_pending(2), 0u);
    state = read_index(path);
    EXPECT_EQ(state.upto, ids.back());
    EXPECT_EQ(state.ids, ids);
    // Entries without text move the marker but add nothing.
    timeline_entry join = said(1, "1762092001.000100", "U2", "");
    join.text.reset();
    join.source = entry_source::join;
    const auto join_id = *s.add_entry(join);
    EXPECT_EQ(s.index_pending(10), 1u);
    EXPECT_EQ(read_index(path).upto, join_id);
    EXPECT_EQ(read_index(path).ids, ids);
}

TEST(SearchIndex, RolledBackIndexingIsDoneAgainOnce) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    const auto ids = add_messages(s, 3);
    {
        // As a crash before the commit would: neither index nor marker move.
        transaction tx(s);
        EXPECT_EQ(s.index_pending(10), 3u);
    }
    EXPECT_EQ(read_index(path).upto, 0);
    EXPECT_TRUE(read_index(path).ids.empty());
    EXPECT_EQ(s.index_pending(10), 3u);
    EXPECT_EQ(read_index(path).ids, ids);
    EXPECT_EQ(s.search("checkout").size(), 1u);
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(SearchIndex, LagSurvivesReopenAndReadersSeeItWithoutWriting) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    std::vector<std::int64_t> ids;
    {
        store s(path);
        ids = add_messages(s, 4);
        EXPECT_EQ(s.index_pending(1), 1u);
    }
    {
        // A reader cannot index, yet finds the pending entries next to the indexed one.
        store reader(path, open_mode::read_only);
        EXPECT_EQ(reader.search("word0").size(), 1u);
        EXPECT_EQ(reader.search("word3").size(), 1u);
        EXPECT_EQ(reader.search("checkout").size(), 1u);
        EXPECT_TRUE(reader.search("word9").empty());
        EXPECT_EQ(read_index(path).upto, ids[0]);
    }
    store again(path);
    EXPECT_EQ(again.search("word3").size(), 1u);
    const auto state = read_index(path);
    EXPECT_EQ(state.upto, ids.back());
    EXPECT_EQ(state.ids, ids);
    // New ids continue above the marker, so they are indexed too.
    const auto next = *again.add_entry(said(1, "1762092002.000100", "U2", "rollback started"));
    EXPECT_GT(next, ids.back());
    EXPECT_EQ(again.search("rollback").size(), 1u);
}

TEST(SearchIndex, NewIdsStayAboveTheMarkerAfterTheNewestEntryIsDeleted) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    std::vector<std::int64_t> ids;
    {
        store s(path);
        ids = add_messages(s, 2);
        EXPECT_EQ(s.index_pending(10), 2u);
    }
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        SQLite::Statement drop(db, "DELETE FROM timeline WHERE id = ?");
        drop.bind(1, ids.back());
        drop.exec();
    }
    store s(path);
    const auto next = *s.add_entry(said(1, "1762092003.000100", "U2", "failover done"));
    EXPECT_GT(next, ids.back());
    EXPECT_EQ(s.search("failover").size(), 1u);
    EXPECT_TRUE(s.search("word1").empty());
}

TEST(SearchIndex, EditsAndDeletionsOnEitherSideOfTheMarker) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    const auto ids = add_messages(s, 2);
    EXPECT_EQ(s.index_pending(1), 1u);
    // ids[0] is indexed: the triggers move its words. ids[1] is pending: only its final
    // text is ever indexed.
    ASSERT_TRUE(s.apply_edit(ids[0], "cache stampede", "1762092005.000100", "U1"));
    ASSERT_TRUE(s.apply_edit(ids[1], "disk pressure", "1762092005.000200", "U1"));
    const auto pending = *s.add_entry(said(1, "1762092004.000100", "U2", "walrus sighting"));
    ASSERT_TRUE(s.apply_edit(pending, "pelican sighting", "1762092005.000300", "U2"));
    ASSERT_TRUE(s.mark_deleted(pending));

    for (const char* gone : {"word0", "word1", "walrus", "pelican"})
        EXPECT_TRUE(s.search(gone).empty()) << gone;
    EXPECT_EQ(s.search("stampede").size(), 1u);
    EXPECT_EQ(s.search("pressure").size(), 1u);
    EXPECT_EQ(read_index(path).ids, ids);
    // And after catching up, the indexed rows still follow edits and deletions.
    ASSERT_TRUE(s.mark_deleted(ids[1]));
    EXPECT_TRUE(s.search("pressure").empty());
    EXPECT_EQ(read_index(path).ids, (std::vector<std::int64_t>{ids[0]}));
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(SearchIndex, ForgetUserLeavesNoTextWhetherIndexedOrPending) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    s.create_incident({.title = "Queue backlog", .channel = "C1"});
    s.add_entry(said(1, "1762092000.000100", "U1", "zanzibar rollout paused"));
    EXPECT_EQ(s.index_pending(10), 1u);
    s.add_entry(said(1, "1762092001.000100", "U1", "quixotic retry storm"));
    s.add_entry(said(1, "1762092002.000100", "U2", "consumer lag is growing"));

    EXPECT_EQ(s.forget_user("U1").entries, 2);
    EXPECT_EQ(s.index_pending(10), 2u);
    EXPECT_TRUE(s.search("zanzibar").empty());
    EXPECT_TRUE(s.search("quixotic").empty());
    EXPECT_EQ(s.search("consumer").size(), 1u);
    const auto bytes = raw_bytes(path);
    for (const char* word : {"zanzibar", "quixotic"})
        EXPECT_EQ(bytes.find(word), std::string::npos) << word;
}

TEST(SearchIndex, PurgeLeavesNoTextWhetherIndexedOrPending) {
    temp_dir dir;
    fixed_clock clock;
    const auto path = dir.file("bot.db");
    store s(path, open_mode::read_write, clock.options());
    const auto now = std::chrono::floor<std::chrono::seconds>(s.now());
    const auto old_id = s.create_incident({.title = "Old outage",
                                           .channel = "C1",
                                           .declared_at = now - 41 * 24h,
                                           .status = incident_status::resolved,
                                           .resolved_at = now - 40 * 24h})
                            .id;
    s.add_entry(said(old_id, "1758000000.000100", "U1", "flamingo cache expired"));
    EXPECT_EQ(s.index_pending(10), 1u);
    s.add_entry(said(old_id, "1758000001.000100", "U2", "pelican feed stalled"));

    EXPECT_EQ(s.purge_resolved_text(now - 30 * 24h).entries, 2);
    EXPECT_TRUE(s.search("flamingo").empty());
    EXPECT_TRUE(s.search("pelican").empty());
    EXPECT_TRUE(read_index(path).ids.empty());
    const auto bytes = raw_bytes(path);
    for (const char* word : {"flamingo", "pelican"})
        EXPECT_EQ(bytes.find(word), std::string::npos) << word;
}

}  // namespace
}  // namespace incident_bot

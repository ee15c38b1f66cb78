#include "incident_bot/store/store.hpp"

#include <fstream>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "store/schema.hpp"
#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using namespace std::chrono_literals;
using testing::fixed_clock;
using testing::temp_dir;

int pragma(const std::string& path, const char* name) {
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    return db.execAndGet(std::string("PRAGMA ") + name).getInt();
}

timeline_entry message(std::int64_t incident, std::string ts, std::string text) {
    timeline_entry e;
    e.incident_id = incident;
    e.ts = std::move(ts);
    e.user = "U1";
    e.text = std::move(text);
    return e;
}

// A store file as version `version` of the bot left it, for migration tests to fill.
SQLite::Database file_at_version(const std::string& path, int version) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    for (const auto& m : detail::migrations())
        if (m.version <= version) db.exec(m.sql);
    db.exec("PRAGMA application_id = " + std::to_string(store::application_id));
    db.exec("PRAGMA user_version = " + std::to_string(version));
    return db;
}

// Incident 1 of an older file: investigating in channel C1, with the columns every version has.
void add_old_incident(SQLite::Database& db, const std::string& title) {
    SQLite::Statement insert(db,
                             "INSERT INTO incidents (title, severity, status, channel, declared_at) "
                             "VALUES (?, 2, 'investigating', 'C1', 1700000000)");
    insert.bind(1, title);
    insert.exec();
}

unix_time to_unix(std::int64_t seconds) { return unix_time(std::chrono::seconds(seconds)); }

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Store, CreatesNewFileWithSchemaAndApplicationId) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    { store s(path); }
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    EXPECT_EQ(pragma(path, "application_id"), store::application_id);
    SQLite::Database db(path, SQLite::OPEN_READONLY);
    EXPECT_EQ(db.execAndGet("PRAGMA journal_mode").getString(), "wal");
}

TEST(Store, MigratesOlderSchema) {
    temp_dir dir;
    const auto path = dir.file("old.db");
    {
        // A file as version 1 of the bot left it, with data in it.
        auto db = file_at_version(path, 1);
        add_old_incident(db, "Checkout latency");
        db.exec(
            "INSERT INTO timeline (incident_id, ts, kind, source, user_id, text) "
            "VALUES (1, '1700000001.000100', 'message', 'message', 'U1', 'p99 latency doubled')");
    }
    store s(path);
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    ASSERT_EQ(s.list_timeline(1).size(), 1u);
    // The FTS tables of version 2 index rows written before them.
    const auto hits = s.search("latency");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].title, "Checkout latency");
}

TEST(Store, MigrationRebuildKeepsEditsReactionsAndSearchIndex) {
    temp_dir dir;
    const auto path = dir.file("v3.db");
    {
        // A version 3 file with an edited message, a marking reaction and an indexed text.
        auto db = file_at_version(path, 3);
        add_old_incident(db, "Queue backlog");
        db.exec(
            "INSERT INTO timeline (id, incident_id, ts, kind, source, user_id, text, key_event) "
            "VALUES (7, 1, '1700000001.000100', 'message', 'message', 'U1', 'consumer lag grows', "
            "1), (9, 1, '1700000002.000100', 'note', 'note', 'U2', 'paging storage', 0)");
        db.exec(
            "INSERT INTO entry_edits (entry_id, edited_ts, editor, old_text) "
            "VALUES (7, '1700000003.000000', 'U1', 'consumer lag')");
        db.exec(
            "INSERT INTO entry_reactions (entry_id, user_id, reaction, key_event) "
            "VALUES (7, 'U3', 'pushpin', 1)");
        db.exec("INSERT INTO timeline_fts (timeline_fts) VALUES ('rebuild')");
        db.exec("UPDATE fts_progress SET timeline_upto = 9");
    }
    store s(path);
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    EXPECT_TRUE(s.integrity_check().empty());
    const auto entries = s.list_timeline(1);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].id, 7);
    EXPECT_TRUE(entries[0].key_event);
    ASSERT_EQ(s.edit_history(7).size(), 1u);
    EXPECT_EQ(s.search("lag").size(), 1u);
    // The reaction still belongs to its entry, and the rebuilt triggers keep search in step.
    EXPECT_TRUE(s.remove_reaction(7, "U3", "pushpin"));
    EXPECT_FALSE(s.list_timeline(1)[0].key_event);
    EXPECT_TRUE(s.apply_edit(7, "broker disk full", "1700000004.000000", "U1"));
    EXPECT_TRUE(s.search("lag").empty());
    EXPECT_EQ(s.search("broker").size(), 1u);
    // The unique index still covers Slack messages only.
    EXPECT_FALSE(s.add_entry(message(1, "1700000001.000100", "again")));
    timeline_entry note = message(1, "1700000001.000100", "a note at the same ts");
    note.source = entry_source::note;
    EXPECT_TRUE(s.add_entry(note));
}

TEST(Store, MigrationPacksMarksIntoFlags) {
    temp_dir dir;
    const auto path = dir.file("v4.db");
    {
        // A version 4 file with every mark column in use, and an indexed text.
        auto db = file_at_version(path, 4);
        add_old_incident(db, "Disk pressure");
        db.exec(
            "INSERT INTO timeline (id, incident_id, ts, thread_ts, kind, source, user_id, text, "
            "key_event, pinned, stage, edited, deleted, permalink) VALUES "
            "(3, 1, '1700000001.000100', NULL, 'message', 'message', 'U1', 'inode usage at 98', "
            "1, 1, 'diagnosis', 1, 0, 'https://slack.com/archives/C1/p1700000001000100'), "
            "(5, 1, '1700000002.000100', '1700000001.000100', 'message', 'message', 'U2', NULL, "
            "0, 0, NULL, 0, 1, NULL), "
            "(6, 1, '1700000003.000100', NULL, 'message', 'reaction', 'U3', NULL, 1, 0, 'repair', "
            "0, 0, NULL)");
        db.exec(
            "INSERT INTO entry_reactions (entry_id, user_id, reaction, key_event, stage) "
            "VALUES (6, 'U4', 'white_check_mark', 1, 'repair')");
        db.exec("INSERT INTO timeline_fts (timeline_fts) VALUES ('rebuild')");
        db.exec("UPDATE fts_progress SET timeline_upto = 6");
    }
    store s(path);
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    EXPECT_TRUE(s.integrity_check().empty());
    const auto entries = s.list_timeline(1);
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].id, 3);
    EXPECT_EQ(entries[0].incident_id, 1);
    EXPECT_TRUE(entries[0].key_event);
    EXPECT_TRUE(entries[0].pinned);
    EXPECT_EQ(entries[0].stage, incident_stage::diagnosis);
    EXPECT_TRUE(entries[0].edited);
    EXPECT_FALSE(entries[0].deleted);
    EXPECT_EQ(entries[0].text, "inode usage at 98");
    EXPECT_EQ(entries[0].permalink, "https://slack.com/archives/C1/p1700000001000100");
    EXPECT_EQ(entries[1].thread_ts, "1700000001.000100");
    EXPECT_TRUE(entries[1].deleted);
    EXPECT_FALSE(entries[1].key_event || entries[1].pinned || entries[1].edited);
    EXPECT_FALSE(entries[1].stage);
    EXPECT_EQ(entries[2].source, entry_source::reaction);
    EXPECT_EQ(entries[2].stage, incident_stage::repair);
    // The rebuilt search index and triggers follow the text; marks are still derived.
    EXPECT_EQ(s.search("inode").size(), 1u);
    EXPECT_TRUE(s.apply_edit(3, "disk full on db-2", "1700000004.000000", "U1"));
    EXPECT_TRUE(s.search("inode").empty());
    EXPECT_EQ(s.search("disk").size(), 1u);
    EXPECT_TRUE(s.set_pinned(3, false));
    EXPECT_FALSE(s.list_timeline(1)[0].key_event);
    EXPECT_EQ(s.list_timeline(1)[0].stage, std::nullopt);
    // The late message fills the placeholder and keeps its marks.
    timeline_entry late = message(1, "1700000003.000100", "rollback done");
    ASSERT_EQ(s.add_entry(late), 6);
    const auto filled = s.find_entry(1, "1700000003.000100");
    ASSERT_TRUE(filled);
    EXPECT_EQ(filled->text, "rollback done");
    EXPECT_TRUE(filled->key_event);
    EXPECT_EQ(filled->stage, incident_stage::repair);
}

TEST(Store, MigrationKeepsProcessedEventsInArrivalOrder) {
    temp_dir dir;
    fixed_clock clock;
    const auto path = dir.file("v5.db");
    const std::int64_t now = std::chrono::floor<std::chrono::seconds>(*clock.now)
                                 .time_since_epoch()
                                 .count();
    {
        // A version 5 file whose event ids do not sort in time order.
        auto db = file_at_version(path, 5);
        SQLite::Statement insert(db,
                                 "INSERT INTO processed_events (event_id, processed_at) VALUES "
                                 "(?, ?)");
        const std::pair<const char*, std::int64_t> rows[] = {
            {"EvZZ", now - 7200}, {"EvAA", now - 3600}, {"EvMM", now - 60}, {"EvBB", now}};
        for (const auto& [id, at] : rows) {
            insert.bind(1, id);
            insert.bind(2, at);
            insert.exec();
            insert.reset();
        }
    }
    store s(path, open_mode::read_write, clock.options());
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    EXPECT_TRUE(s.integrity_check().empty());
    // Every id is still known; pruning takes exactly the older ones, oldest first.
    for (const char* id : {"EvZZ", "EvAA", "EvMM", "EvBB"}) EXPECT_FALSE(s.mark_processed(id));
    EXPECT_EQ(s.prune_processed(to_unix(now - 3600)), 1);
    EXPECT_TRUE(s.mark_processed("EvZZ"));
    EXPECT_EQ(s.prune_processed(to_unix(now - 59)), 2);
    EXPECT_TRUE(s.mark_processed("EvAA"));
    EXPECT_FALSE(s.mark_processed("EvBB"));
    EXPECT_EQ(s.prune_processed(to_unix(now + 1)), 3);
    EXPECT_EQ(s.prune_processed(to_unix(now + 1)), 0);
    EXPECT_TRUE(s.mark_processed("EvBB"));
}

TEST(Store, MigrationReadsTheDeclarerBackAndLeavesPrivacyUnknown) {
    temp_dir dir;
    const auto path = dir.file("v8.db");
    {
        auto db = file_at_version(path, 8);
        add_old_incident(db, "Cache stampede");
        db.exec(
            "INSERT INTO timeline (id, incident_id, ts, slot, kind, source, user_id, text, flags) "
            "VALUES (1, 1, '1700000000.000001', 0, 'message', 'message', 'U7', 'first!', 0), "
            "(2, 1, '1700000000.000002', 2, 'declare', 'command', 'U4', 'Incident declared', 0)");
    }
    store s(path);
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    const auto inc = s.get_incident(1);
    ASSERT_TRUE(inc);
    EXPECT_EQ(inc->declared_by, "U4");
    // Until Slack says, an incident counts as private: shown only in its own channel.
    EXPECT_FALSE(inc->is_private);
    EXPECT_TRUE(inc->visible_in(inc->channel));
    EXPECT_FALSE(inc->visible_in("C9"));
    s.set_incident_private(1, false);
    EXPECT_TRUE(s.get_incident(1)->visible_in("C9"));
    s.set_incident_private(1, true);
    EXPECT_FALSE(s.get_incident(1)->visible_in("C9"));
}

TEST(Store, MigrationStoresTimelineInOrderAndKeepsIds) {
    temp_dir dir;
    const auto path = dir.file("v6.db");
    {
        // A version 6 file whose ids are not in ts order, with history, a reaction and an
        // indexed text on the entries that move, and a note older than the message at its ts.
        auto db = file_at_version(path, 6);
        add_old_incident(db, "Cache stampede");
        db.exec(
            "INSERT INTO incidents (title, severity, status, channel, declared_at) VALUES "
            "('Other', 3, 'investigating', 'C2', 1700000000)");
        db.exec(
            "INSERT INTO timeline (id, incident_id, ts, kind, source, user_id, text, flags) "
            "VALUES (4, 1, '1700000300.000100', 'message', 'message', 'U1', 'hit ratio falls', 0), "
            "(7, 2, '1700000100.000100', 'message', 'message', 'U2', 'unrelated', 0), "
            "(8, 1, '1700000100.000100', 'note', 'note', 'U4', 'paging cache owners', 0), "
            "(9, 1, '1700000100.000100', 'message', 'message', 'U3', 'evictions spike', 1)");
        db.exec(
            "INSERT INTO entry_edits (entry_id, edited_ts, editor, old_text) "
            "VALUES (4, '1700000301.000000', 'U1', 'hit ratio')");
        db.exec(
            "INSERT INTO entry_reactions (entry_id, user_id, reaction, key_event) "
            "VALUES (9, 'U5', 'pushpin', 1)");
        db.exec("INSERT INTO timeline_fts (timeline_fts) VALUES ('rebuild')");
        db.exec("UPDATE fts_progress SET timeline_upto = 9");
    }
    store s(path);
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version);
    EXPECT_TRUE(s.integrity_check().empty());
    // At an equal ts the Slack message comes first, then the bot's own entries.
    std::vector<std::int64_t> ids;
    for (const auto& e : s.list_timeline(1)) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{9, 8, 4}));
    EXPECT_TRUE(s.list_timeline(1)[0].key_event);
    EXPECT_EQ(s.find_entry(1, "1700000100.000100")->id, 9);
    ASSERT_EQ(s.edit_history(4).size(), 1u);
    // Foreign keys, triggers and the search index still find the entries by id.
    EXPECT_EQ(s.search("evictions").size(), 1u);
    EXPECT_TRUE(s.remove_reaction(9, "U5", "pushpin"));
    EXPECT_FALSE(s.list_timeline(1)[0].key_event);
    EXPECT_TRUE(s.apply_edit(4, "origin overloaded", "1700000302.000000", "U1"));
    EXPECT_TRUE(s.search("ratio").empty());
    EXPECT_EQ(s.search("origin").size(), 1u);
    // New entries continue after the highest id and are searchable once committed.
    EXPECT_EQ(s.add_entry(message(1, "1700000200.000100", "warming the cache")), 10);
    EXPECT_EQ(s.search("warming").size(), 1u);
    EXPECT_EQ(s.list_timeline(1)[2].id, 10);
    EXPECT_FALSE(s.add_entry(message(1, "1700000100.000100", "same ts again")));
    EXPECT_TRUE(s.mark_deleted(4));
    EXPECT_TRUE(s.edit_history(4).empty());
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(Store, RefusesForeignSqliteFileAndLeavesItAlone) {
    temp_dir dir;
    const auto path = dir.file("foreign.db");
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE notes (body TEXT)");
    }
    const auto before = read_all(path);
    try {
        store s(path);
        FAIL() << "opened a foreign file";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("not an incident-bot database"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
    }
    EXPECT_EQ(read_all(path), before);
    EXPECT_EQ(pragma(path, "user_version"), 0);
}

TEST(Store, RefusesOtherApplicationId) {
    temp_dir dir;
    const auto path = dir.file("other.db");
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("PRAGMA application_id = 1234");
    }
    EXPECT_THROW(store s(path), store_error);
    EXPECT_THROW(store s(path, open_mode::read_only), store_error);
}

TEST(Store, RefusesFileThatIsNotSqlite) {
    temp_dir dir;
    const auto path = dir.file("notes.txt");
    std::ofstream(path) << "this is not a database, just a long enough line of text\n";
    const auto before = read_all(path);
    try {
        store s(path);
        FAIL() << "opened a text file";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
    EXPECT_EQ(read_all(path), before);
}

TEST(Store, RefusesNewerSchema) {
    temp_dir dir;
    const auto path = dir.file("newer.db");
    { store s(path); }
    {
        SQLite::Database db(path, SQLite::OPEN_READWRITE);
        db.exec("PRAGMA user_version = " + std::to_string(store::schema_version + 1));
    }
    try {
        store s(path);
        FAIL() << "opened a newer schema";
    } catch (const store_error& e) {
        EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    }
    EXPECT_EQ(pragma(path, "user_version"), store::schema_version + 1);
}

TEST(Store, ReadOnlyOpenNeverCreatesOrMigrates) {
    temp_dir dir;
    const auto missing = dir.file("missing.db");
    EXPECT_THROW(store s(missing, open_mode::read_only), store_error);
    EXPECT_FALSE(std::filesystem::exists(missing));

    const auto old = dir.file("old.db");
    file_at_version(old, 1);
    EXPECT_THROW(store s(old, open_mode::read_only), store_error);
    EXPECT_EQ(pragma(old, "user_version"), 1);
}

TEST(Store, ReadsWhileAnotherConnectionWrites) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store writer(path);
    writer.create_incident({.title = "DB failover", .channel = "C1"});
    store reader(path, open_mode::read_only);
    transaction tx(writer);
    writer.create_incident({.title = "Second", .channel = "C2"});
    // WAL: the reader sees the last commit while the writer holds its transaction.
    EXPECT_EQ(reader.list_incidents().size(), 1u);
    tx.commit();
    EXPECT_EQ(reader.list_incidents().size(), 2u);
}

TEST(Store, IncidentLifecycleStampsTimesAndRecordsStatusEntries) {
    temp_dir dir;
    fixed_clock clock;
    store s(dir.file("bot.db"), open_mode::read_write, clock.options());
    const auto a = s.create_incident({.title = "Checkout latency", .severity = 2, .channel = "C1"});
    const auto b = s.create_incident({.title = "Search down", .channel = "C2"});
    EXPECT_EQ(a.id, 1);
    EXPECT_EQ(b.id, 2);
    EXPECT_THROW(s.create_incident({.title = "again", .channel = "C1"}), store_error);
    ASSERT_TRUE(s.find_open_incident("C1"));
    EXPECT_EQ(s.find_open_incident("C1")->id, 1);

    clock.advance(10min);
    EXPECT_TRUE(s.set_status(1, incident_status::mitigated, "U1"));
    clock.advance(5min);
    EXPECT_TRUE(s.set_status(1, incident_status::resolved, "U1"));
    EXPECT_FALSE(s.set_status(99, incident_status::resolved));

    const auto got = s.get_incident(1).value();
    EXPECT_EQ(got.status, incident_status::resolved);
    EXPECT_EQ(got.identified_at, a.declared_at + 10min);  // skipped statuses are stamped too
    EXPECT_EQ(got.mitigated_at, a.declared_at + 10min);
    EXPECT_EQ(got.resolved_at, a.declared_at + 15min);
    EXPECT_FALSE(s.find_open_incident("C1"));
    EXPECT_EQ(s.list_incidents(true).size(), 1u);
    EXPECT_EQ(s.list_incidents(false).size(), 2u);

    const auto entries = s.list_timeline(1);
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[0].source, entry_source::status);
    EXPECT_EQ(entries[0].text, "Status changed from investigating to mitigated");
    EXPECT_EQ(entries[1].text, "Status changed from mitigated to resolved");

    // A resolved incident frees the channel for a new one.
    EXPECT_EQ(s.create_incident({.title = "Again", .channel = "C1"}).id, 3);
}

TEST(Store, RolesSeveritySummaryAndImpact) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "Payments", .channel = "C1"});
    EXPECT_TRUE(s.set_role(1, incident_role::commander, "U7", "U1"));
    EXPECT_TRUE(s.set_role(1, incident_role::scribe, "U8"));
    EXPECT_TRUE(s.set_role(1, incident_role::scribe, std::nullopt));
    EXPECT_TRUE(s.set_severity(1, 1, "U7"));
    EXPECT_TRUE(s.set_summary(1, "Card payments failed for EU customers"));
    EXPECT_TRUE(s.set_impact(1, "12% of checkouts failed"));
    EXPECT_FALSE(s.set_summary(42, "x"));

    const auto i = s.get_incident(1).value();
    EXPECT_EQ(i.commander, "U7");
    EXPECT_FALSE(i.scribe);
    EXPECT_EQ(i.severity, 1);
    EXPECT_EQ(i.summary, "Card payments failed for EU customers");
    const auto entries = s.list_timeline(1);
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].text, "<@U7> is now commander");
    EXPECT_EQ(entries[2].text, "scribe unassigned");
    EXPECT_EQ(entries[3].text, "Severity changed from SEV3 to SEV1");
    // The summary is searchable.
    EXPECT_EQ(s.search("card payments").size(), 1u);
}

TEST(Store, TimelineIsOrderedByTsAndKeepsThreads) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    auto reply = message(1, "1700000300.000001", "reply");
    reply.thread_ts = "1700000100.000001";
    ASSERT_TRUE(s.add_entry(reply));
    ASSERT_TRUE(s.add_entry(message(1, "1700000100.000001", "parent")));
    auto bot = message(1, "1700000200.000001", "deploy finished");
    bot.source = entry_source::bot;
    ASSERT_TRUE(s.add_entry(bot));
    EXPECT_FALSE(s.add_entry(message(1, "1700000100.000001", "same ts again")));

    const auto all = s.list_timeline(1);
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].text, "parent");
    EXPECT_EQ(all[1].source, entry_source::bot);
    EXPECT_EQ(all[2].thread_ts, "1700000100.000001");
    EXPECT_EQ(s.list_timeline(1, timeline_view::human).size(), 2u);
}

TEST(Store, ScanVisitsTheTimelineInOrderAndResetsEveryField) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    s.create_incident({.title = "u", .channel = "C2"});
    // Each entry leaves fields set that the next one must not inherit.
    auto first = message(1, "1700000100.000001", "db failover started");
    first.thread_ts = "1700000050.000001";
    first.permalink = "https://slack.com/archives/C1/p1700000100000001";
    first.pinned = true;
    const auto first_id = s.add_entry(first);
    ASSERT_TRUE(first_id);
    ASSERT_TRUE(s.add_reaction(*first_id, "U2", "mag", {.stage = incident_stage::detection}));
    auto deleted = message(1, "1700000200.000001", "");
    deleted.text.reset();
    deleted.user.reset();
    deleted.deleted = true;
    deleted.kind = "message_deleted";
    deleted.source = entry_source::deletion;
    ASSERT_TRUE(s.add_entry(deleted));
    auto join = message(1, "1700000300.000001", "<@U9> joined");
    join.source = entry_source::join;
    ASSERT_TRUE(s.add_entry(join));
    ASSERT_TRUE(s.add_entry(message(2, "1700000150.000001", "other incident")));

    std::vector<timeline_entry> seen;
    s.scan_timeline(1, timeline_view::all, [&](const timeline_entry& e) { seen.push_back(e); });
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[0].text, "db failover started");
    EXPECT_EQ(seen[0].stage, incident_stage::detection);
    EXPECT_TRUE(seen[0].key_event);
    EXPECT_EQ(seen[1].incident_id, 1);
    EXPECT_EQ(seen[1].ts, "1700000200.000001");
    EXPECT_EQ(seen[1].kind, "message_deleted");
    EXPECT_EQ(seen[1].source, entry_source::deletion);
    EXPECT_FALSE(seen[1].text || seen[1].user || seen[1].thread_ts || seen[1].permalink);
    EXPECT_FALSE(seen[1].stage || seen[1].key_event || seen[1].pinned);
    EXPECT_TRUE(seen[1].deleted);
    EXPECT_EQ(seen[2].source, entry_source::join);
    EXPECT_FALSE(seen[2].deleted);
    // The scan and the list agree, field for field.
    const auto listed = s.list_timeline(1);
    ASSERT_EQ(listed.size(), seen.size());
    for (std::size_t i = 0; i < seen.size(); ++i) {
        EXPECT_EQ(listed[i].id, seen[i].id);
        EXPECT_EQ(listed[i].text, seen[i].text);
        EXPECT_EQ(listed[i].stage, seen[i].stage);
    }
    std::size_t human = 0;
    s.scan_timeline(1, timeline_view::human, [&](const timeline_entry&) { ++human; });
    EXPECT_EQ(human, 2u);
}

TEST(Store, ScanAllowsStoreReadsButNotANestedScan) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    ASSERT_TRUE(s.add_entry(message(1, "1700000100.000001", "one")));
    ASSERT_TRUE(s.add_entry(message(1, "1700000200.000001", "two")));
    s.put_user({.id = "U1", .display_name = "ana"});
    std::vector<std::string> authors;
    s.scan_timeline(1, timeline_view::all, [&](const timeline_entry& e) {
        authors.push_back(s.get_user(*e.user)->display_name);
    });
    EXPECT_EQ(authors, (std::vector<std::string>{"ana", "ana"}));
    EXPECT_THROW(s.scan_timeline(1,
                                 timeline_view::all,
                                 [&](const timeline_entry&) {
                                     s.scan_timeline(1, timeline_view::all,
                                                     [](const timeline_entry&) {});
                                 }),
                 std::logic_error);
    // The failed scan left the statement reusable.
    std::size_t rows = 0;
    s.scan_timeline(1, timeline_view::all, [&](const timeline_entry&) { ++rows; });
    EXPECT_EQ(rows, 2u);
}

TEST(Store, TimelineOrderAndIdsWithOutOfOrderTs) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    store s(path);
    s.create_incident({.title = "t", .channel = "C1"});
    s.create_incident({.title = "u", .channel = "C2"});
    // Slack does not order events: ids follow arrival, the timeline follows ts, then id.
    ASSERT_EQ(s.add_entry(message(1, "1700000300.000001", "third")), 1);
    ASSERT_EQ(s.add_entry(message(2, "1700000200.000001", "other incident")), 2);
    ASSERT_EQ(s.add_entry(message(1, "1700000100.000001", "first")), 3);
    timeline_entry note = message(1, "1700000100.000001", "note at the same ts");
    note.source = entry_source::note;
    ASSERT_EQ(s.add_entry(note), 4);
    {
        // A rolled-back entry's id is free again, as a rowid would be.
        transaction tx(s);
        {
            transaction dropped(s);
            ASSERT_EQ(s.add_entry(message(1, "1700000150.000001", "dropped")), 5);
        }
        ASSERT_EQ(s.add_entry(message(1, "1700000200.000001", "second")), 5);
        tx.commit();
    }
    {
        // Another connection's entries between our transactions.
        store other(path);
        ASSERT_EQ(other.add_entry(message(1, "1700000250.000001", "from the CLI")), 6);
    }
    ASSERT_EQ(s.add_entry(message(1, "1700000400.000001", "last")), 7);

    std::vector<std::int64_t> ids;
    for (const auto& e : s.list_timeline(1)) ids.push_back(e.id);
    EXPECT_EQ(ids, (std::vector<std::int64_t>{3, 4, 5, 6, 1, 7}));
    EXPECT_EQ(s.find_entry(1, "1700000200.000001")->text, "second");
    EXPECT_EQ(s.search("dropped").size(), 0u);
    EXPECT_EQ(s.search("cli").size(), 1u);
    EXPECT_TRUE(s.integrity_check().empty());
}

TEST(Store, EditKeepsHistoryAndDeleteDropsTextEverywhere) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    const auto id = s.add_entry(message(1, "1700000100.000001", "restart the frobnicator")).value();
    EXPECT_TRUE(s.apply_edit(id, "restart the gateway", "1700000150.000001", "U1"));
    EXPECT_FALSE(s.apply_edit(id, "restart the gateway", "1700000160.000001", "U1"));

    auto e = s.find_entry(1, "1700000100.000001").value();
    EXPECT_TRUE(e.edited);
    EXPECT_EQ(e.text, "restart the gateway");
    const auto history = s.edit_history(id);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].old_text, "restart the frobnicator");
    EXPECT_EQ(history[0].editor, "U1");
    // The index follows the edit.
    EXPECT_TRUE(s.search("frobnicator").empty());
    EXPECT_EQ(s.search("gateway").size(), 1u);

    EXPECT_TRUE(s.mark_deleted(id));
    EXPECT_FALSE(s.mark_deleted(id));
    e = s.find_entry(1, "1700000100.000001").value();
    EXPECT_TRUE(e.deleted);
    EXPECT_FALSE(e.text);
    EXPECT_TRUE(s.edit_history(id).empty());
    EXPECT_TRUE(s.search("gateway").empty());
    EXPECT_FALSE(s.apply_edit(id, "resurrected", "1700000170.000001", "U1"));
}

TEST(Store, ReactionsAndPinsDeriveKeyEventAndStage) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    const auto id = s.add_entry(message(1, "1700000100.000001", "error rate is up")).value();
    const reaction_mark key{.key_event = true};
    const reaction_mark detect{.stage = incident_stage::detection};
    const reaction_mark repair{.stage = incident_stage::repair};

    EXPECT_TRUE(s.add_reaction(id, "U1", "pushpin", key));
    EXPECT_TRUE(s.add_reaction(id, "U2", "pushpin", key));
    EXPECT_FALSE(s.add_reaction(id, "U2", "pushpin", key));
    EXPECT_TRUE(s.remove_reaction(id, "U1", "pushpin"));
    EXPECT_TRUE(s.find_entry(1, "1700000100.000001")->key_event);  // U2's mark remains
    EXPECT_TRUE(s.remove_reaction(id, "U2", "pushpin"));
    EXPECT_FALSE(s.find_entry(1, "1700000100.000001")->key_event);

    EXPECT_TRUE(s.add_reaction(id, "U1", "mag", detect));
    EXPECT_TRUE(s.add_reaction(id, "U2", "white_check_mark", repair));
    EXPECT_EQ(s.find_entry(1, "1700000100.000001")->stage, incident_stage::detection);
    EXPECT_TRUE(s.remove_reaction(id, "U1", "mag"));
    EXPECT_EQ(s.find_entry(1, "1700000100.000001")->stage, incident_stage::repair);
    EXPECT_FALSE(s.remove_reaction(id, "U1", "mag"));

    EXPECT_TRUE(s.set_pinned(id, true));
    auto e = s.find_entry(1, "1700000100.000001").value();
    EXPECT_TRUE(e.pinned);
    EXPECT_TRUE(e.key_event);
    EXPECT_TRUE(s.set_pinned(id, false));
    EXPECT_FALSE(s.find_entry(1, "1700000100.000001")->key_event);
}

TEST(Store, PlaceholderFromReactionIsFilledByLateMessage) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    timeline_entry placeholder;
    placeholder.incident_id = 1;
    placeholder.ts = "1700000100.000001";
    placeholder.source = entry_source::reaction;
    placeholder.text.reset();
    const auto id = s.add_entry(placeholder).value();
    s.add_reaction(id, "U2", "bulb", {.stage = incident_stage::diagnosis});

    EXPECT_EQ(s.add_entry(message(1, "1700000100.000001", "found it: the pool is exhausted")), id);
    const auto e = s.find_entry(1, "1700000100.000001").value();
    EXPECT_EQ(e.source, entry_source::message);
    EXPECT_EQ(e.text, "found it: the pool is exhausted");
    EXPECT_EQ(e.stage, incident_stage::diagnosis);
    EXPECT_EQ(s.search("exhausted").size(), 1u);
}

TEST(Store, ActionItemFilters) {
    temp_dir dir;
    fixed_clock clock;
    store s(dir.file("bot.db"), open_mode::read_write, clock.options());
    s.create_incident({.title = "a", .channel = "C1"});
    s.create_incident({.title = "b", .channel = "C2"});
    using std::chrono::sys_days;
    using std::chrono::year;
    const sys_days nov1 = year{2026} / 11 / 1, nov9 = year{2026} / 11 / 9;
    EXPECT_EQ(s.add_action_item({.incident_id = 1, .text = "Add pool alert", .owner = "U1",
                                 .due = nov1}),
              1);
    clock.advance(std::chrono::hours(24));
    s.add_action_item({.incident_id = 1, .text = "Runbook", .owner = "U2", .due = nov9});
    s.add_action_item({.incident_id = 2, .text = "Load test", .owner = "U1"});
    EXPECT_TRUE(s.complete_action_item(2));
    EXPECT_FALSE(s.complete_action_item(2));
    EXPECT_FALSE(s.complete_action_item(77));

    auto ids = [](const std::vector<action_item>& items) {
        std::vector<std::int64_t> out;
        for (const auto& i : items) out.push_back(i.id);
        return out;
    };
    using v = std::vector<std::int64_t>;
    EXPECT_EQ(ids(s.list_action_items()), (v{1, 3}));
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::all})), (v{1, 2, 3}));
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::overdue})), (v{1}));
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::overdue, .today = nov9 + std::chrono::days(1)})),
              (v{1}));  // item 2 is done
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::all, .owner = "U1"})), (v{1, 3}));
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::all,
                                       .since = std::chrono::floor<std::chrono::seconds>(
                                           s.now())})),
              (v{2, 3}));
    EXPECT_EQ(ids(s.list_action_items({.scope = action_scope::all, .incident_id = 2})), (v{3}));

    const auto items = s.list_action_items({.scope = action_scope::all});
    EXPECT_EQ(items[0].due, nov1);
    EXPECT_TRUE(items[1].done);
    EXPECT_TRUE(items[1].done_at);
    EXPECT_FALSE(items[2].due);
}

TEST(Store, DraftsAreVersionedAndSearchable) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    EXPECT_FALSE(s.latest_draft(1));
    EXPECT_EQ(s.add_draft(1, "# Post-mortem\nThe connection pool was undersized."), 1);
    EXPECT_EQ(s.add_draft(1, "# Post-mortem\nThe connection pool was undersized after the "
                             "autoscaler change."),
              2);
    const auto d = s.latest_draft(1).value();
    EXPECT_EQ(d.version, 2);
    EXPECT_NE(d.markdown.find("autoscaler"), std::string::npos);
    EXPECT_EQ(s.search("autoscaler").size(), 1u);
    EXPECT_EQ(s.search("undersized pool").size(), 1u);
}

TEST(Store, SearchTakesPlainWordsOnly) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "Checkout latency", .channel = "C1"});
    s.create_incident({.title = "Search outage", .channel = "C2"});
    s.add_entry(message(2, "1700000100.000001", "the checkout page is fine"));
    EXPECT_EQ(s.search("checkout").size(), 2u);
    EXPECT_EQ(s.search("latency checkout")[0].id, 1);
    EXPECT_EQ(s.search("check").size(), 2u);  // prefix match
    // FTS5 operators and quotes in user input are inert, never a syntax error.
    EXPECT_NO_THROW(s.search("\"checkout\" OR NEAR( *) -latency ^"));
    EXPECT_TRUE(s.search("   ").empty());
    EXPECT_TRUE(s.search("nonexistentword").empty());
}

TEST(Store, UserCacheExpires) {
    temp_dir dir;
    fixed_clock clock;
    store s(dir.file("bot.db"), open_mode::read_write, clock.options());
    s.put_user({.id = "U1", .display_name = "ana",
                .fetched_at = std::chrono::floor<std::chrono::seconds>(s.now())});
    clock.advance(2h);
    EXPECT_EQ(s.get_user("U1")->display_name, "ana");
    EXPECT_TRUE(s.get_user("U1", std::chrono::hours(3)));
    EXPECT_FALSE(s.get_user("U1", std::chrono::hours(1)));
    EXPECT_FALSE(s.get_user("U2"));
    s.put_user({.id = "U1", .display_name = "ana.k",
                .fetched_at = std::chrono::floor<std::chrono::seconds>(s.now())});
    EXPECT_EQ(s.get_user("U1", std::chrono::hours(1))->display_name, "ana.k");
}

TEST(Store, DedupeSurvivesReopenAndPrunes) {
    temp_dir dir;
    fixed_clock clock;
    const auto path = dir.file("bot.db");
    {
        store s(path, open_mode::read_write, clock.options());
        EXPECT_TRUE(s.mark_processed("Ev1"));
        EXPECT_FALSE(s.mark_processed("Ev1"));
    }
    clock.advance(1h);
    store s(path, open_mode::read_write, clock.options());
    EXPECT_FALSE(s.mark_processed("Ev1"));
    EXPECT_TRUE(s.mark_processed("Ev2"));
    EXPECT_EQ(s.prune_processed(std::chrono::floor<std::chrono::seconds>(s.now())), 1);
    EXPECT_TRUE(s.mark_processed("Ev1"));
}

TEST(Store, TransactionsRollBackUnlessCommittedAndNest) {
    temp_dir dir;
    store s(dir.file("bot.db"));
    {
        transaction outer(s);
        s.create_incident({.title = "kept", .channel = "C1"});
        {
            transaction inner(s);
            s.create_incident({.title = "dropped", .channel = "C2"});
        }
        {
            transaction inner(s);
            s.mark_processed("Ev9");
            inner.commit();
        }
        outer.commit();
    }
    {
        transaction lost(s);
        s.create_incident({.title = "never", .channel = "C3"});
    }
    const auto all = s.list_incidents();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].title, "kept");
    EXPECT_FALSE(s.mark_processed("Ev9"));
}

TEST(Store, NudgesAreCountedWithoutText) {
    temp_dir dir;
    fixed_clock clock;
    store s(dir.file("bot.db"), open_mode::read_write, clock.options());
    s.record_nudge({.user = "U1", .category = "blame", .rule_id = "who-pushed", .channel = "C1"});
    clock.advance(1h);
    const auto later = std::chrono::floor<std::chrono::seconds>(s.now());
    s.record_nudge({.user = "U1", .category = "blame", .rule_id = "whose-fault", .channel = "C1"});
    s.record_nudge({.user = "U2", .category = "speculation", .rule_id = "obviously",
                    .channel = "C1"});
    EXPECT_EQ(s.count_nudges(), 3);
    EXPECT_EQ(s.count_nudges({.user = "U1"}), 2);
    EXPECT_EQ(s.count_nudges({.category = "blame", .since = later}), 1);
    s.vote_nudge("who-pushed", true);
    s.vote_nudge("who-pushed", true);
    s.vote_nudge("who-pushed", false);
    EXPECT_EQ(s.votes_for("who-pushed").helpful, 2);
    EXPECT_EQ(s.votes_for("who-pushed").not_helpful, 1);
    EXPECT_EQ(s.votes_for("never-voted").helpful, 0);
}

TEST(Store, CanonicalTs) {
    EXPECT_EQ(canonical_ts("1355517523.000005"), "1355517523.000005");
    EXPECT_EQ(canonical_ts("1355517523.5"), "1355517523.500000");
    EXPECT_EQ(canonical_ts("99.000001"), "0000000099.000001");
    EXPECT_FALSE(canonical_ts("1515449522000016"));
    EXPECT_FALSE(canonical_ts("abc.def"));
    EXPECT_FALSE(canonical_ts("1.1234567"));
    EXPECT_FALSE(canonical_ts(""));
}

}  // namespace
}  // namespace incident_bot

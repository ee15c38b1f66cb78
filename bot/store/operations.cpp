// Operations: backup, integrity check, erasure (forget-user) and retention (purge).
#include <SQLiteCpp/Backup.h>

#include <filesystem>
#include <span>
#include <system_error>

#include "incident_bot/private_files.hpp"
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* forget_person = "DELETE FROM people WHERE user_id = ?";
constexpr const char* forget_examples = "DELETE FROM nudge_examples WHERE author = ?";
constexpr const char* forget_cached_user = "DELETE FROM users WHERE id = ?";
constexpr const char* forget_home_view = "DELETE FROM home_views WHERE user_id = ?";
constexpr const char* incidents_involving =
    "SELECT incident_id FROM timeline WHERE user_id = ?1 UNION SELECT incident_id FROM "
    "action_items WHERE owner = ?1 OR created_by = ?1 UNION SELECT id FROM incidents WHERE ?1 IN "
    "(commander, comms, scribe, declared_by, summary_by, impact_by) UNION SELECT incident_id FROM "
    "learnings WHERE user_id = ?1 ORDER BY 1";
constexpr const char* rewrite_team_drafts =
    "UPDATE drafts SET markdown = ?2 WHERE incident_id = ?1 AND version NOT IN (SELECT version "
    "FROM publications WHERE incident_id = ?1)";
constexpr const char* rewrite_published_drafts =
    "UPDATE drafts SET markdown = ?2 WHERE incident_id = ?1 AND version IN (SELECT version FROM "
    "publications WHERE incident_id = ?1)";
constexpr const char* has_publication = "SELECT 1 FROM publications WHERE incident_id = ?1";
constexpr const char* purge_examples =
    "DELETE FROM nudge_examples WHERE incident_id IN (SELECT id FROM incidents WHERE status = "
    "'resolved' AND resolved_at < ?1)";
}  // namespace sql

}  // namespace

namespace {

namespace ops_sql {
// Store-written status entries hold no one's words, so they survive erasure.
constexpr const char* forget_edits =
    "UPDATE entry_edits SET old_text = '' WHERE old_text <> '' AND entry_id IN (SELECT id FROM "
    "timeline WHERE user_id = ?1 AND source <> 'status')";
constexpr const char* forget_entries =
    "UPDATE timeline SET text = NULL WHERE user_id = ?1 AND source <> 'status' AND text IS NOT "
    "NULL";
// Their words elsewhere: a summary or impact goes (with its author), an action item keeps
// its place, owner and dates.
constexpr const char* forget_writings[] = {
    "UPDATE incidents SET summary = NULL, summary_by = NULL WHERE summary_by = ?1",
    "UPDATE incidents SET impact = NULL, impact_by = NULL WHERE impact_by = ?1",
    "UPDATE action_items SET text = '(erased)' WHERE created_by = ?1 AND text <> '(erased)'",
    // A learning is nothing but its words: it goes.
    "DELETE FROM learnings WHERE user_id = ?1",
    // A published post-mortem holds no names; only who published it goes.
    "UPDATE publications SET published_by = NULL WHERE published_by = ?1"};
constexpr const char* purge_edits =
    "UPDATE entry_edits SET old_text = '' WHERE old_text <> '' AND entry_id IN (SELECT t.id FROM "
    "timeline t JOIN incidents i ON i.id = t.incident_id WHERE i.status = 'resolved' AND "
    "i.resolved_at < ?1 AND t.source <> 'status')";
constexpr const char* purge_entries =
    "UPDATE timeline SET text = NULL WHERE text IS NOT NULL AND source <> 'status' AND "
    "incident_id IN (SELECT id FROM incidents WHERE status = 'resolved' AND resolved_at < ?1)";
// Merging all segments drops the index's copies of the erased terms: an FTS5 'delete' only
// adds a tombstone next to the old segment (https://sqlite.org/fts5.html#the_optimize_command).
constexpr const char* optimize_index =
    "INSERT INTO timeline_fts (timeline_fts) VALUES ('optimize')";
constexpr const char* optimize_other_indexes[] = {
    "INSERT INTO incidents_fts (incidents_fts) VALUES ('optimize')",
    "INSERT INTO drafts_fts (drafts_fts) VALUES ('optimize')",
    "INSERT INTO learnings_fts (learnings_fts) VALUES ('optimize')"};
}  // namespace ops_sql

// Runs the two erasing statements in one transaction with `bind` applied to each. The
// timeline_fts_update trigger takes erased text out of the search index; entries not indexed
// yet will be indexed without it (impl::index_pending).
text_erasure erase_text(store& st,
                        store::impl& i,
                        const char* edits_sql,
                        const char* entries_sql,
                        const std::function<void(SQLite::Statement&)>& bind,
                        std::span<const char* const> more_sql = {},
                        const std::function<std::int64_t()>& also = {}) {
    // secure_delete zeroes freed cells, so the erased text does not linger in free pages.
    i.db.exec("PRAGMA secure_delete = ON");
    text_erasure out;
    {
        transaction tx(st);
        {
            use s(i, edits_sql);
            bind(*s);
            out.edits = s->exec();
        }
        {
            use s(i, entries_sql);
            bind(*s);
            out.entries = s->exec();
        }
        for (const char* more : more_sql) {
            use s(i, more);
            bind(*s);
            out.other += s->exec();
        }
        if (out.entries > 0 || out.edits > 0) run(i, ops_sql::optimize_index);
        if (also) {
            out.drafts = also();
            for (const char* optimize : ops_sql::optimize_other_indexes) run(i, optimize);
        }
        tx.commit();
    }
    // Old page images also sit in the WAL until a checkpoint; a busy reader only delays it.
    i.db.tryExec("PRAGMA wal_checkpoint(TRUNCATE)");
    return out;
}

}  // namespace

void store::backup_to(const std::string& path) {
    // Created here, owner-only whatever the umask and never through an existing file or
    // link (O_EXCL): SQLite then fills the empty file as a new database.
    try {
        if (!create_new_private_file(path))
            throw store_error("backup target '" + path + "' exists");
    } catch (const std::system_error& e) {
        throw store_error(std::string("backup target: ") + e.what());
    }
    try {
        SQLite::Database dest(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        SQLite::Backup backup(dest, impl_->db);
        // One step copies everything inside a single read transaction: a consistent
        // snapshot under WAL, and no restart when the bot commits meanwhile.
        int rc = backup.executeStep(-1);
        for (int tries = 0; rc == SQLITE_BUSY || rc == SQLITE_LOCKED; ++tries) {
            if (tries == 100) throw store_error("backup of '" + impl_->path + "': database busy");
            sqlite3_sleep(50);
            rc = backup.executeStep(-1);
        }
        // The copy inherits WAL mode; a rollback journal makes it one self-contained file.
        dest.exec("PRAGMA journal_mode = DELETE");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        throw;
    }
}

std::vector<std::string> store::integrity_check() {
    std::vector<std::string> problems;
    SQLite::Statement check(impl_->db, "PRAGMA integrity_check");
    while (check.executeStep()) {
        auto line = check.getColumn(0).getString();
        if (line != "ok") problems.push_back(std::move(line));
    }
    SQLite::Statement fk(impl_->db, "PRAGMA foreign_key_check");
    while (fk.executeStep()) {
        problems.push_back("foreign key: " + fk.getColumn(0).getString() + " row " +
                           fk.getColumn(1).getString() + " refers to a missing " +
                           fk.getColumn(2).getString() + " row");
    }
    return problems;
}

text_erasure store::forget_user(std::string_view user, const redraft_fn& redraft) {
    const std::string id(user);
    std::vector<std::int64_t> involved;
    {
        use s(*impl_, sql::incidents_involving);
        s->bind(1, id);
        while (s->executeStep()) involved.push_back(s->getColumn(0).getInt64());
    }
    for (const char* forget : {sql::forget_person, sql::forget_examples, sql::forget_cached_user,
                                sql::forget_home_view}) {
        use s(*impl_, forget);
        s->bind(1, id);
        s->exec();
    }
    // Drafts are written again once the rest is erased, in the same transaction.
    const auto rewrite_drafts = [&]() -> std::int64_t {
        std::int64_t rewritten = 0;
        const auto rewrite = [&](const char* sql_text, std::int64_t incident,
                                 draft_audience audience) {
            const auto markdown = redraft(incident, audience);
            use s(*impl_, sql_text);
            s->bind(1, incident);
            s->bind(2, markdown);
            s->exec();
        };
        for (const auto incident : involved) {
            if (!latest_draft(incident)) continue;
            rewrite(sql::rewrite_team_drafts, incident, draft_audience::team);
            bool published = false;
            {
                use s(*impl_, sql::has_publication);
                s->bind(1, incident);
                published = s->executeStep();
            }
            if (published)
                rewrite(sql::rewrite_published_drafts, incident, draft_audience::organisation);
            ++rewritten;
        }
        return rewritten;
    };
    return erase_text(
        *this,
        *impl_,
        ops_sql::forget_edits,
        ops_sql::forget_entries,
        [&](SQLite::Statement& s) { s.bind(1, id); },
        ops_sql::forget_writings,
        redraft ? std::function<std::int64_t()>(rewrite_drafts) : nullptr);
}

text_erasure store::purge_resolved_text(unix_time resolved_before) {
    const std::int64_t before = resolved_before.time_since_epoch().count();
    {
        use s(*impl_, sql::purge_examples);
        s->bind(1, before);
        s->exec();
    }
    return erase_text(
        *this, *impl_, ops_sql::purge_edits, ops_sql::purge_entries, [&](SQLite::Statement& s) {
            s.bind(1, before);
        });
}

}  // namespace incident_bot

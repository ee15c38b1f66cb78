// The store's core: opening and migrating the file, transactions, and the row conversions
// every aggregate shares (store_impl.hpp). Each aggregate's SQL lives in its own file.
#include "incident_bot/store/store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "store/schema.hpp"
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

using std::chrono::system_clock;

// Transactions and indexing the timeline; each aggregate's file holds its own statements.
namespace sql {
constexpr const char* begin = "BEGIN IMMEDIATE";
constexpr const char* commit = "COMMIT";
constexpr const char* rollback = "ROLLBACK";
constexpr const char* savepoint = "SAVEPOINT nested";
constexpr const char* release = "RELEASE nested";
constexpr const char* rollback_to = "ROLLBACK TO nested";
// Bulk indexing of new timeline rows (see schema.cpp, version 2, and impl::index_pending):
// the last id of the next ?1 entries above the marker and how many there are, then their
// text into the index and the marker up to that id.
constexpr const char* pending_range =
    "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM timeline WHERE id > (SELECT timeline_upto "
    "FROM fts_progress) ORDER BY id LIMIT ?1)";
constexpr const char* index_timeline =
    "INSERT INTO timeline_fts (rowid, text) SELECT id, text FROM timeline WHERE id > (SELECT "
    "timeline_upto FROM fts_progress) AND id <= ?1 AND text IS NOT NULL";
constexpr const char* advance_index = "UPDATE fts_progress SET timeline_upto = ?1";
}  // namespace sql

}  // namespace

// ---- conversions ---------------------------------------------------------------------------

namespace {

constexpr std::string_view k_status_names[] = {
    "investigating", "identified", "mitigated", "resolved"};
constexpr std::string_view k_source_names[] = {
    "message", "edit", "delete", "pin", "reaction", "note", "status", "command", "bot", "join"};
constexpr std::string_view k_stage_names[] = {"detection", "diagnosis", "repair"};
constexpr std::string_view k_role_names[] = {"commander", "comms", "scribe"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_enum(std::string_view s, const std::string_view (&names)[N]) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<Enum>(i);
    return std::nullopt;
}

// Timeline rows are read through the C API: SQLiteCpp's Column copies a shared_ptr and makes
// two locked calls per value, which was half the time of reading a 100,000-entry timeline.
// Each value is fetched once with sqlite3_column_value and read with the sqlite3_value_*
// accessors: every sqlite3_column_* call enters the connection and updates its error state,
// a third of the cost of a row when made three times per text column. The value is
// "unprotected", which only matters across threads (https://sqlite.org/c3ref/column_blob.html).
// Text first, then bytes: the documented safe order.
std::string_view value_view(sqlite3_value* v) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
    return p ? std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(v)))
             : std::string_view();
}

// Copies `v` into `out`'s own buffer when it fits: std::string::assign takes the general
// replace path (aliasing checks, capacity arithmetic), a sixth of a scan's C++ cost.
void overwrite(std::string& out, std::string_view v) {
    if (v.size() > out.capacity()) {
        out.assign(v);
        return;
    }
    out.resize(v.size());
    std::memcpy(out.data(), v.data(), v.size());
}

// Sets or clears `out`. `out` may hold an earlier row's value: a present string is
// overwritten in its own buffer, so a scan allocates only while strings still grow.
void assign_opt_string(sqlite3_value* v, std::optional<std::string>& out) {
    if (sqlite3_value_type(v) == SQLITE_NULL)
        out.reset();
    else if (out)
        overwrite(*out, value_view(v));
    else
        out.emplace(value_view(v));
}

}  // namespace

namespace detail {

std::string day_text(std::chrono::sys_days d) {
    const std::chrono::year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf,
                  sizeof buf,
                  "%04d-%02u-%02u",
                  static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return buf;
}

std::optional<std::chrono::sys_days> parse_day(const std::string& s) {
    int y = 0;
    unsigned m = 0, d = 0;
    if (std::sscanf(s.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::nullopt;
    const std::chrono::year_month_day ymd{
        std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::string>& v) {
    if (v)
        s.bind(index, *v);
    else
        s.bind(index);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<unix_time>& v) {
    if (v)
        s.bind(index, to_db(*v));
    else
        s.bind(index);
}

std::optional<std::string> opt_text(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getString();
}

std::optional<unix_time> opt_time(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return to_time(c.getInt64());
}

incident read_incident(const SQLite::Statement& s) {
    incident i;
    i.id = s.getColumn(0).getInt64();
    i.title = s.getColumn(1).getString();
    i.severity = s.getColumn(2).getInt();
    i.status = parse_incident_status(s.getColumn(3).getText()).value_or(incident_status::resolved);
    i.channel = s.getColumn(4).getString();
    i.declared_at = to_time(s.getColumn(5).getInt64());
    i.identified_at = opt_time(s.getColumn(6));
    i.mitigated_at = opt_time(s.getColumn(7));
    i.resolved_at = opt_time(s.getColumn(8));
    i.summary = opt_text(s.getColumn(9));
    i.impact = opt_text(s.getColumn(10));
    i.commander = opt_text(s.getColumn(11));
    i.comms = opt_text(s.getColumn(12));
    i.scribe = opt_text(s.getColumn(13));
    i.declared_by = opt_text(s.getColumn(14));
    if (!s.getColumn(15).isNull()) i.is_private = s.getColumn(15).getInt() != 0;
    return i;
}

// Fills `e` from an ENTRY_COLUMNS row of `incident_id`, overwriting every field, so one entry
// can be reused for a whole scan.
void read_entry(sqlite3_stmt* s, std::int64_t incident_id, timeline_entry& e) {
    const auto column = [s](int i) { return sqlite3_column_value(s, i); };
    e.id = sqlite3_value_int64(column(0));
    e.incident_id = incident_id;
    overwrite(e.ts, value_view(column(1)));
    assign_opt_string(column(2), e.thread_ts);
    overwrite(e.kind, value_view(column(3)));
    e.source = parse_entry_source(value_view(column(4))).value_or(entry_source::message);
    assign_opt_string(column(5), e.user);
    assign_opt_string(column(6), e.text);
    const std::int64_t flags = sqlite3_value_int64(column(7));
    e.key_event = (flags & entry_flag::key_event) != 0;
    e.pinned = (flags & entry_flag::pinned) != 0;
    e.edited = (flags & entry_flag::edited) != 0;
    e.deleted = (flags & entry_flag::deleted) != 0;
    if (const auto stage = (flags >> entry_flag::stage_shift) & 3; stage != 0)
        e.stage = static_cast<incident_stage>(stage - 1);
    else
        e.stage.reset();
    assign_opt_string(column(8), e.permalink);
}

action_item read_action(const SQLite::Statement& s) {
    action_item a;
    a.id = s.getColumn(0).getInt64();
    a.incident_id = s.getColumn(1).getInt64();
    a.text = s.getColumn(2).getString();
    a.owner = opt_text(s.getColumn(3));
    if (auto due = opt_text(s.getColumn(4))) a.due = parse_day(*due);
    a.done = s.getColumn(5).getString() == "done";
    a.created_at = to_time(s.getColumn(6).getInt64());
    a.done_at = opt_time(s.getColumn(7));
    a.created_by = opt_text(s.getColumn(8));
    a.post_channel = opt_text(s.getColumn(9));
    a.post_ts = opt_text(s.getColumn(10));
    return a;
}

}  // namespace detail

// ---- enum text ------------------------------------------------------------------------------

std::string_view to_string(incident_status s) { return k_status_names[static_cast<int>(s)]; }
std::string_view to_string(entry_source s) { return k_source_names[static_cast<int>(s)]; }
std::string_view to_string(incident_stage s) { return k_stage_names[static_cast<int>(s)]; }
std::string_view to_string(incident_role r) { return k_role_names[static_cast<int>(r)]; }

std::optional<incident_status> parse_incident_status(std::string_view s) {
    return parse_enum<incident_status>(s, k_status_names);
}
std::optional<entry_source> parse_entry_source(std::string_view s) {
    return parse_enum<entry_source>(s, k_source_names);
}
std::optional<incident_stage> parse_incident_stage(std::string_view s) {
    return parse_enum<incident_stage>(s, k_stage_names);
}

std::string ts_from_time(std::chrono::system_clock::time_point t) {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    char buf[32];
    std::snprintf(buf,
                  sizeof buf,
                  "%010lld.%06lld",
                  static_cast<long long>(us / 1'000'000),
                  static_cast<long long>(us % 1'000'000));
    return buf;
}

std::optional<std::string> canonical_ts(std::string_view ts) {
    const auto dot = ts.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 10) return std::nullopt;
    const auto secs = ts.substr(0, dot);
    const auto frac = ts.substr(dot + 1);
    if (frac.empty() || frac.size() > 6) return std::nullopt;
    for (char c : secs)
        if (c < '0' || c > '9') return std::nullopt;
    for (char c : frac)
        if (c < '0' || c > '9') return std::nullopt;
    std::string out(10 - secs.size(), '0');
    out += secs;
    out += '.';
    out += frac;
    out.append(6 - frac.size(), '0');
    return out;
}

void store::impl::begin() {
    run(*this, depth == 0 ? sql::begin : sql::savepoint);
    // Another connection may have added entries since our last transaction.
    if (depth == 0) free_entry_id = 0;
    ++depth;
}

void store::impl::commit() {
    run(*this, depth == 1 ? sql::commit : sql::release);
    --depth;
}

// New entries are not indexed when they commit: that was ~23 us per event and nearly half
// the WAL writes of an ingest batch (perf at 1,000 events/s), because each commit rewrote
// the index's newest pages. They wait above fts_progress.timeline_upto, and edits and
// deletions leave them alone (the triggers in schema.cpp only touch ids at or below it), so
// they are indexed once, with their final text. The marker moves in the same transaction as
// the index, so after a crash the index is neither missing nor doubling an entry.
std::int64_t store::impl::index_pending(std::int64_t max_entries) {
    std::int64_t upto = 0, count = 0;
    {
        use s(*this, sql::pending_range);
        s->bind(1, max_entries);
        s->executeStep();
        count = s->getColumn(1).getInt64();
        if (count == 0) return 0;
        upto = s->getColumn(0).getInt64();
    }
    for (const char* text : {sql::index_timeline, sql::advance_index}) {
        use s(*this, text);
        s->bind(1, upto);
        s->exec();
    }
    return count;
}

void store::impl::rollback() noexcept {
    // After some errors (SQLITE_FULL, IOERR) SQLite has already rolled back; the statements
    // then fail harmlessly, which is why the results are ignored.
    if (depth == 1) {
        db.tryExec(sql::rollback);
    } else {
        db.tryExec(sql::rollback_to);
        db.tryExec(sql::release);
    }
    // Ids of entries rolled back are free again, as rowids would be.
    free_entry_id = 0;
    --depth;
}

transaction::transaction(store& s) : impl_(*s.impl_) { impl_.begin(); }

transaction::~transaction() {
    if (!done_) impl_.rollback();
}

void transaction::commit() {
    impl_.commit();
    done_ = true;
}

// ---- opening --------------------------------------------------------------------------------

namespace {

int pragma_int(SQLite::Database& db, const char* pragma) {
    SQLite::Statement s(db, pragma);
    return s.executeStep() ? s.getColumn(0).getInt() : 0;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
    throw store_error("database '" + path + "': " + why);
}

// Applies the missing migrations in one transaction, re-reading the version inside it in
// case another process upgraded the file meanwhile.
void migrate(SQLite::Database& db, const std::string& path) {
    // Table rebuilds (version 4) drop the old table: with foreign keys on, that would delete
    // the edits and reactions that refer to it. The pragma is a no-op inside a transaction,
    // so it comes first; the store turns the keys back on once open.
    db.exec("PRAGMA foreign_keys = OFF");
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::EXCLUSIVE);
    const int version = pragma_int(db, "PRAGMA user_version");
    if (version > store::schema_version) return;  // checked by the caller after commit
    for (const auto& m : detail::migrations()) {
        if (m.version <= version) continue;
        try {
            db.exec(m.sql);
        } catch (const SQLite::Exception& e) {
            refuse(path,
                   "migration to schema " + std::to_string(m.version) + " failed: " + e.what());
        }
    }
    // PRAGMAs take no bound parameters; both values are our own constants.
    db.exec("PRAGMA application_id = " + std::to_string(store::application_id));
    db.exec("PRAGMA user_version = " + std::to_string(store::schema_version));
    tx.commit();
}

}  // namespace

store::store(const std::string& path, open_mode mode, store_options options) {
    namespace fs = std::filesystem;
    // SQLite's allocation statistics take a process-wide mutex at every allocation: ~160
    // lock round trips per ingested message, ~6% of its CPU (callgrind). Nothing here reads
    // them. The setting only takes before SQLite initialises, hence once, before any open;
    // later it fails harmlessly (https://sqlite.org/c3ref/c_config_covering_index_scan.html).
    static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    (void)memstatus_off;
    // Savepoints keep the pages they change in a statement journal, which SQLite moves to a
    // temp file once it passes 64 KiB; in ingest batches that then cost a 4 KiB write per
    // changed page (strace, 20,000 events: 19,153 -> 8,319 pwrites, 3 temp files -> 0).
    // 4 MiB covers a batch's savepoints and search-index merges; purges still spill.
    static const int spill_late = sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, 4 << 20);
    (void)spill_late;
    if (mode == open_mode::read_only && !fs::exists(path))
        refuse(path, "no such file (run the bot or `incident-bot import` first)");
    if (!options.clock) options.clock = [] { return system_clock::now(); };
    // One store belongs to one thread (see store.hpp), so SQLite's per-call connection mutex
    // is not needed; it cost two lock round trips per column read.
    const int flags = SQLite::OPEN_NOMUTEX |
                      (mode == open_mode::read_only ? SQLite::OPEN_READONLY
                                                    : SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    try {
        impl_ = std::make_unique<impl>(path, flags, std::move(options.clock));
        auto& db = impl_->db;
        db.setBusyTimeout(static_cast<int>(options.busy_timeout.count()));

        // The first read fails with SQLITE_NOTADB when the file is not SQLite at all.
        const int app_id = pragma_int(db, "PRAGMA application_id");
        int version = pragma_int(db, "PRAGMA user_version");
        const int objects = pragma_int(db, "SELECT COUNT(*) FROM sqlite_schema");
        if (app_id != application_id && !(app_id == 0 && version == 0 && objects == 0))
            refuse(path,
                   "not an incident-bot database (application_id " + std::to_string(app_id) +
                       "); refusing to touch it");
        if (version > schema_version)
            refuse(path,
                   "schema version " + std::to_string(version) +
                       " is newer than this build supports (" + std::to_string(schema_version) +
                       "); upgrade incident-bot");

        if (mode == open_mode::read_write) {
            // journal_mode cannot change inside a transaction, so it comes first.
            db.exec("PRAGMA journal_mode = WAL");
            db.exec(options.sync_every_commit ? "PRAGMA synchronous = FULL"
                                              : "PRAGMA synchronous = NORMAL");
            if (version < schema_version) migrate(db, path);
            version = pragma_int(db, "PRAGMA user_version");
            if (version != schema_version)
                refuse(path,
                       "schema version " + std::to_string(version) +
                           " changed while opening; refusing to use it");
        } else if (version < schema_version) {
            refuse(path,
                   "schema version " + std::to_string(version) + " is older than this build's " +
                       std::to_string(schema_version) + "; start the bot once to upgrade it");
        }
        db.exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
        refuse(path, std::string("cannot open: ") + e.what());
    }
}

store::~store() = default;

const std::string& store::path() const { return impl_->path; }

std::chrono::system_clock::time_point store::now() const { return impl_->clock(); }

}  // namespace incident_bot

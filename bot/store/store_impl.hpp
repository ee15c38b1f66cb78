// The store's internals, shared by the files that hold each aggregate's SQL (incidents.cpp,
// timeline.cpp, ...): the connection and its cached statements, transactions, and the row
// readers. Private to bot/store; the public API is include/incident_bot/store/store.hpp.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "incident_bot/store/store.hpp"

// Select lists shared by the row readers below; the column order is what read_* expect.
#define INCIDENT_COLUMNS                                                               \
    "id, title, severity, status, channel, declared_at, identified_at, mitigated_at, " \
    "resolved_at, summary, impact, commander, comms, scribe, declared_by, private"
// The incident id is not read back: both readers select by it (see read_entry).
#define ENTRY_COLUMNS "id, ts, thread_ts, kind, source, user_id, text, flags, permalink"
#define ACTION_COLUMNS \
    "id, incident_id, text, owner, due, status, created_at, done_at, created_by, post_channel, post_ts"

namespace incident_bot {

struct store::impl {
    std::string path;
    SQLite::Database db;
    std::function<std::chrono::system_clock::time_point()> clock;
    // Opened read_only: cannot bring the search index up to date (see store::search).
    bool read_only;
    // Open transaction depth: 0 means autocommit; deeper levels are savepoints.
    int depth = 0;
    // The lowest timeline id not taken; 0 until read in the current write transaction.
    std::int64_t free_entry_id = 0;
    std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements;
    struct finalizer {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    // Statements whose rows are read through the C API (see read_entry).
    std::unordered_map<const char*, std::unique_ptr<sqlite3_stmt, finalizer>> raw_statements;

    impl(const std::string& p, int flags, std::function<std::chrono::system_clock::time_point()> c)
        : path(p),
          db(p, flags),
          clock(std::move(c)),
          read_only((flags & SQLite::OPEN_READONLY) != 0) {}

    SQLite::Statement& prepare(const char* text) {
        auto& slot = statements[text];
        if (!slot) slot = std::make_unique<SQLite::Statement>(db, text);
        return *slot;
    }

    sqlite3_stmt* prepare_raw(const char* text) {
        auto& slot = raw_statements[text];
        if (!slot) {
            sqlite3_stmt* stmt = nullptr;
            const int rc = sqlite3_prepare_v3(
                db.getHandle(), text, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
            if (rc != SQLITE_OK) throw SQLite::Exception(db.getHandle(), rc);
            slot.reset(stmt);
        }
        return slot.get();
    }

    unix_time now_seconds() const { return std::chrono::floor<std::chrono::seconds>(clock()); }

    // A synthetic ts for entries the bot makes, in the same canonical form as Slack's.
    std::string now_ts() const { return ts_from_time(clock()); }

    void begin();
    void commit();
    std::int64_t index_pending(std::int64_t max_entries);
    void rollback() noexcept;
    std::int64_t next_entry_id();
    std::optional<std::int64_t> insert_entry(const timeline_entry& e);
    std::int64_t add_status_entry(std::int64_t incident_id,
                                  const char* kind,
                                  const std::optional<std::string>& by,
                                  std::string text);
};

namespace detail {

// Bits of timeline.flags (schema.cpp, version 5); the statements above spell them as numbers.
namespace entry_flag {
constexpr std::int64_t key_event = 1;
constexpr std::int64_t pinned = 2;
constexpr std::int64_t edited = 4;
constexpr std::int64_t deleted = 8;
// Two bits from here: 0 no stage, else 1 + incident_stage.
constexpr int stage_shift = 4;
}  // namespace entry_flag

inline std::int64_t to_db(unix_time t) { return t.time_since_epoch().count(); }
inline unix_time to_time(std::int64_t s) { return unix_time(std::chrono::seconds(s)); }

/// "2026-12-04", the form action item due dates are stored in.
std::string day_text(std::chrono::sys_days d);
std::optional<std::chrono::sys_days> parse_day(const std::string& s);

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::string>& v);
void bind_opt(SQLite::Statement& s, int index, const std::optional<unix_time>& v);
std::optional<std::string> opt_text(const SQLite::Column& c);
std::optional<unix_time> opt_time(const SQLite::Column& c);

/// Row readers for the INCIDENT_COLUMNS, ENTRY_COLUMNS and ACTION_COLUMNS select lists.
incident read_incident(const SQLite::Statement& s);
void read_entry(sqlite3_stmt* s, std::int64_t incident_id, timeline_entry& e);
action_item read_action(const SQLite::Statement& s);

// One use of a cached statement: bindings cleared on entry, reset on exit so no read
// transaction stays open between calls (it would pin the WAL and block checkpoints).
class use {
  public:
    use(store::impl& i, const char* text) : s_(i.prepare(text)) { s_.clearBindings(); }
    ~use() { s_.tryReset(); }
    use(const use&) = delete;
    use& operator=(const use&) = delete;
    SQLite::Statement* operator->() { return &s_; }
    SQLite::Statement& operator*() { return s_; }

  private:
    SQLite::Statement& s_;
};

// The same for a statement read through the C API; errors still surface as
// SQLite::Exception. Text is bound without a copy (SQLITE_STATIC), so what is bound must
// outlive the use; the bindings are cleared on exit, before it goes away. Copying and
// freeing the nine values of a timeline insert was ~3k instructions per event.
class use_raw {
  public:
    use_raw(store::impl& i, const char* text) : db_(i.db.getHandle()), s_(i.prepare_raw(text)) {}
    ~use_raw() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    use_raw(const use_raw&) = delete;
    use_raw& operator=(const use_raw&) = delete;

    void bind(int index, std::int64_t v) { check(sqlite3_bind_int64(s_, index, v)); }
    void bind(int index, std::string_view v) {
        check(sqlite3_bind_text(s_, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC));
    }
    void bind_opt(int index, const std::optional<std::string>& v) {
        if (v)
            bind(index, *v);
        else
            check(sqlite3_bind_null(s_, index));
    }
    /// True while there is a row.
    bool step() {
        const int rc = sqlite3_step(s_);
        if (rc == SQLITE_ROW) return true;
        if (rc != SQLITE_DONE) throw SQLite::Exception(db_, rc);
        return false;
    }
    /// Runs a statement that returns no rows; the number of rows it changed.
    int exec() {
        step();
        return sqlite3_changes(db_);
    }
    sqlite3_stmt* get() const { return s_; }

  private:
    void check(int rc) const {
        if (rc != SQLITE_OK) throw SQLite::Exception(db_, rc);
    }
    sqlite3* db_;
    sqlite3_stmt* s_;
};

inline void run(store::impl& i, const char* text) {
    use s(i, text);
    s->exec();
}

}  // namespace detail

}  // namespace incident_bot

#include "incident_bot/store/store.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <system_error>
#include <unordered_map>

#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include "incident_bot/private_files.hpp"
#include "store/schema.hpp"

namespace incident_bot {

namespace {

using std::chrono::system_clock;

// Select lists shared by the row readers below; the column order is what read_* expect.
#define INCIDENT_COLUMNS                                                                    \
    "id, title, severity, status, channel, declared_at, identified_at, mitigated_at, "      \
    "resolved_at, summary, impact, commander, comms, scribe, declared_by, private"
// The incident id is not read back: both readers select by it (see read_entry).
#define ENTRY_COLUMNS "id, ts, thread_ts, kind, source, user_id, text, flags, permalink"
#define ACTION_COLUMNS "id, incident_id, text, owner, due, status, created_at, done_at, created_by"

// Every statement the store runs. Prepared on first use and reused (see impl::prepare).
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

constexpr const char* insert_incident =
    "INSERT INTO incidents (title, severity, status, channel, declared_at, resolved_at, "
    "commander, declared_by, private) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* get_incident = "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?";
constexpr const char* list_incidents =
    "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE ?1 = 0 OR status <> 'resolved' ORDER BY id";
constexpr const char* find_open_incident = "SELECT " INCIDENT_COLUMNS
                                           " FROM incidents WHERE channel = ? AND status <> "
                                           "'resolved'";
constexpr const char* open_incident_id =
    "SELECT id FROM incidents WHERE channel = ? AND status <> 'resolved'";
// COALESCE keeps the first time an incident reached each status.
constexpr const char* set_status =
    "UPDATE incidents SET status = ?2, "
    "identified_at = CASE WHEN ?2 IN ('identified', 'mitigated', 'resolved') "
    "THEN COALESCE(identified_at, ?3) ELSE identified_at END, "
    "mitigated_at = CASE WHEN ?2 IN ('mitigated', 'resolved') "
    "THEN COALESCE(mitigated_at, ?3) ELSE mitigated_at END, "
    "resolved_at = CASE WHEN ?2 = 'resolved' THEN COALESCE(resolved_at, ?3) ELSE resolved_at END "
    "WHERE id = ?1";
constexpr const char* set_severity = "UPDATE incidents SET severity = ?2 WHERE id = ?1";
constexpr const char* set_commander = "UPDATE incidents SET commander = ?2 WHERE id = ?1";
constexpr const char* set_comms = "UPDATE incidents SET comms = ?2 WHERE id = ?1";
constexpr const char* set_scribe = "UPDATE incidents SET scribe = ?2 WHERE id = ?1";
constexpr const char* set_summary =
    "UPDATE incidents SET summary = ?2, summary_by = ?3 WHERE id = ?1";
constexpr const char* set_impact = "UPDATE incidents SET impact = ?2, impact_by = ?3 WHERE id = ?1";

// A reaction can arrive before its message (Slack does not order events); the message
// then fills in the placeholder the reaction left.
// Two statements instead of one upsert: an upsert that can update `text` makes every insert
// join the FTS table to the transaction (the update trigger might write it), and FTS5 then
// syncs at every statement savepoint of the batch, ~9% of the ingest CPU (callgrind).
// ?8 is the entry's flags (entry_flags below), ?10 its id (impl::next_entry_id) and ?11 its
// slot: 0 for an entry from Slack, which conflicts with another at the same ts, else the id
// (schema.cpp, version 7).
constexpr const char* insert_entry =
    "INSERT INTO timeline (incident_id, ts, thread_ts, kind, source, user_id, text, flags, "
    "permalink, id, slot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
    "ON CONFLICT (incident_id, ts, slot) DO NOTHING";
// A reaction can arrive before its message (Slack does not order events); the message
// then fills in the placeholder the reaction left. Same parameters as insert_entry; the
// placeholder's marks (key event 1, pinned 2, stage 48) stay, edited and deleted are replaced.
constexpr const char* fill_placeholder =
    "UPDATE timeline SET thread_ts = ?3, kind = ?4, source = ?5, user_id = ?6, text = ?7, "
    "flags = (flags & 51) | ?8, permalink = ?9 WHERE incident_id = ?1 AND ts = ?2 AND slot = 0 "
    "AND source = 'reaction' AND text IS NULL AND ?5 <> 'reaction'";
// The row a filled-in placeholder kept (no RETURNING: SQLite buffers RETURNING rows in an
// ephemeral table, whose creation cost ~40 us per insert on 3.40).
constexpr const char* message_entry_id =
    "SELECT id FROM timeline WHERE incident_id = ? AND ts = ? AND slot = 0";
constexpr const char* find_entry =
    "SELECT " ENTRY_COLUMNS " FROM timeline WHERE incident_id = ? AND ts = ? AND slot = 0";
constexpr const char* list_timeline = "SELECT " ENTRY_COLUMNS
                                      " FROM timeline WHERE incident_id = ?1 AND (?2 = 0 OR "
                                      "source NOT IN ('bot', 'join')) ORDER BY ts, slot";
// An upper bound on list_timeline's rows (the human view drops some).
constexpr const char* count_timeline = "SELECT COUNT(*) FROM timeline WHERE incident_id = ?";
// Never at or below the index marker, even if the newest entries were deleted: the index
// takes only ids above it (impl::index_pending).
constexpr const char* max_entry_id =
    "SELECT MAX(COALESCE((SELECT MAX(id) FROM timeline), 0), (SELECT timeline_upto FROM "
    "fts_progress))";
constexpr const char* entry_text = "SELECT text, flags & 8 FROM timeline WHERE id = ?";
constexpr const char* insert_edit =
    "INSERT INTO entry_edits (entry_id, edited_ts, editor, old_text) VALUES (?, ?, ?, ?)";
constexpr const char* update_text =
    "UPDATE timeline SET text = ?2, flags = flags | 4 WHERE id = ?1 AND flags & 8 = 0";
constexpr const char* edit_history =
    "SELECT edited_ts, editor, old_text FROM entry_edits WHERE entry_id = ? ORDER BY id";
constexpr const char* mark_deleted =
    "UPDATE timeline SET text = NULL, flags = flags | 8 WHERE id = ? AND flags & 8 = 0";
constexpr const char* drop_history = "DELETE FROM entry_edits WHERE entry_id = ?";
constexpr const char* set_pinned =
    "UPDATE timeline SET flags = flags & ~2 | ?2 WHERE id = ?1";
constexpr const char* insert_reaction =
    "INSERT INTO entry_reactions (entry_id, user_id, reaction, key_event, stage) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
constexpr const char* delete_reaction =
    "DELETE FROM entry_reactions WHERE entry_id = ? AND user_id = ? AND reaction = ?";
// key_event and stage are derived from the pin and the marking reactions still present;
// pinned, edited and deleted (14) stay.
constexpr const char* derive_marks =
    "UPDATE timeline SET flags = flags & 14 | (flags & 2 <> 0 OR EXISTS (SELECT 1 FROM "
    "entry_reactions r WHERE r.entry_id = ?1 AND r.key_event)) | 16 * COALESCE((SELECT CASE "
    "r.stage WHEN 'detection' THEN 1 WHEN 'diagnosis' THEN 2 WHEN 'repair' THEN 3 END FROM "
    "entry_reactions r WHERE r.entry_id = ?1 AND r.stage IS NOT NULL ORDER BY r.id LIMIT 1), 0) "
    "WHERE id = ?1";

constexpr const char* insert_action =
    "INSERT INTO action_items (incident_id, text, owner, due, status, created_at, created_by) "
    "VALUES (?, ?, ?, ?, 'open', ?, ?)";
constexpr const char* list_actions =
    "SELECT " ACTION_COLUMNS
    " FROM action_items WHERE (?1 = 'all' OR status = 'open') AND (?1 <> 'overdue' OR (due IS "
    "NOT NULL AND due < ?2)) AND (?3 IS NULL OR owner = ?3) AND (?4 IS NULL OR created_at >= "
    "?4) AND (?5 IS NULL OR incident_id = ?5) ORDER BY id";
constexpr const char* complete_action =
    "UPDATE action_items SET status = 'done', done_at = ?2 WHERE id = ?1 AND status = 'open'";

constexpr const char* insert_draft =
    "INSERT INTO drafts (incident_id, version, markdown, created_at) SELECT ?1, "
    "COALESCE(MAX(version), 0) + 1, ?2, ?3 FROM drafts WHERE incident_id = ?1 RETURNING version";
constexpr const char* latest_draft =
    "SELECT incident_id, version, markdown, created_at FROM drafts WHERE incident_id = ? "
    "ORDER BY version DESC LIMIT 1";

constexpr const char* get_user =
    "SELECT id, display_name, is_bot, fetched_at FROM users WHERE id = ?";
constexpr const char* put_user =
    "INSERT INTO users (id, display_name, is_bot, fetched_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, "
    "is_bot = excluded.is_bot, fetched_at = excluded.fetched_at";

constexpr const char* mark_processed =
    "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING";
// Deletes from the front up to the first id to keep (schema.cpp, version 6), so it reads
// only what it deletes; a row that arrived after a clock step back waits for a later prune.
constexpr const char* prune_processed =
    "DELETE FROM processed_events WHERE id < COALESCE((SELECT id FROM processed_events WHERE "
    "processed_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) + 1 FROM processed_events))";

constexpr const char* insert_nudge =
    "INSERT INTO nudges (user_id, category, rule_id, channel, created_at) VALUES (?, ?, ?, ?, ?)";
constexpr const char* count_nudges =
    "SELECT COUNT(*) FROM nudges WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR "
    "category = ?2) AND (?3 IS NULL OR created_at >= ?3)";
constexpr const char* vote_nudge =
    "INSERT INTO nudge_votes (rule_id, helpful, not_helpful) VALUES (?1, ?2, 1 - ?2) "
    "ON CONFLICT (rule_id) DO UPDATE SET helpful = helpful + ?2, not_helpful = not_helpful + 1 "
    "- ?2";
constexpr const char* votes_for =
    "SELECT helpful, not_helpful FROM nudge_votes WHERE rule_id = ?";

// Best rank of each incident over the three indexes; bm25 is lower for better matches.
#define SEARCH_HITS                                                             \
    "WITH hits (incident_id, score) AS ("                                       \
    " SELECT t.incident_id, bm25(timeline_fts) FROM timeline_fts"               \
    " JOIN timeline t ON t.id = timeline_fts.rowid WHERE timeline_fts MATCH ?1" \
    " UNION ALL SELECT d.incident_id, bm25(drafts_fts) FROM drafts_fts"         \
    " JOIN drafts d ON d.id = drafts_fts.rowid WHERE drafts_fts MATCH ?1"       \
    " UNION ALL SELECT rowid, bm25(incidents_fts) FROM incidents_fts WHERE incidents_fts MATCH ?1"
#define SEARCH_RANK                                                           \
    ") SELECT " INCIDENT_COLUMNS                                              \
    " FROM incidents JOIN (SELECT incident_id, MIN(score) AS score FROM hits" \
    " GROUP BY incident_id) h ON h.incident_id = incidents.id ORDER BY h.score, id LIMIT ?2"
constexpr const char* search = SEARCH_HITS SEARCH_RANK;
// A read-only store cannot index the entries the writer has not indexed yet, so it copies
// them into an index of its own in the temp database (which a read-only connection may
// write) before each search, and matches that too.
constexpr const char* create_pending_index =
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pending_fts USING fts5 (text, tokenize = 'porter "
    "unicode61')";
constexpr const char* clear_pending_index = "DELETE FROM temp.pending_fts";
constexpr const char* copy_pending =
    "INSERT INTO temp.pending_fts (rowid, text) SELECT id, text FROM timeline WHERE id > "
    "(SELECT timeline_upto FROM fts_progress) AND text IS NOT NULL";
constexpr const char* search_with_pending = SEARCH_HITS
    " UNION ALL SELECT t.incident_id, bm25(pending_fts) FROM pending_fts"
    " JOIN timeline t ON t.id = pending_fts.rowid WHERE pending_fts MATCH ?1" SEARCH_RANK;

constexpr const char* opt_out_nudges =
    "INSERT INTO nudge_opt_outs (user_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING";
constexpr const char* opt_in_nudges = "DELETE FROM nudge_opt_outs WHERE user_id = ?";
constexpr const char* nudges_opted_out = "SELECT 1 FROM nudge_opt_outs WHERE user_id = ?";
constexpr const char* count_channel_nudges =
    "SELECT COUNT(*) FROM nudges WHERE channel = ?1 AND created_at >= ?2 AND (?3 IS NULL OR "
    "created_at <= ?3)";
constexpr const char* count_rule_nudges = "SELECT COUNT(*) FROM nudges WHERE rule_id = ?";
constexpr const char* remember_person =
    "INSERT INTO people (user_id, names, fetched_at) VALUES (?1, ?2, ?3) ON CONFLICT (user_id) "
    "DO UPDATE SET names = ?2, fetched_at = ?3";
constexpr const char* people = "SELECT user_id, names, fetched_at FROM people ORDER BY user_id";
constexpr const char* forget_person = "DELETE FROM people WHERE user_id = ?";
constexpr const char* keep_nudge_example =
    "INSERT INTO nudge_examples (incident_id, ts, author, rule_id, category, helpful, text, "
    "created_at) SELECT t.incident_id, t.ts, t.user_id, ?3, ?4, ?5, t.text, ?6 FROM timeline t "
    "JOIN incidents i ON i.id = t.incident_id WHERE i.channel = ?1 AND t.ts = ?2 AND t.text IS "
    "NOT NULL ORDER BY t.incident_id DESC, t.slot LIMIT 1 ON CONFLICT (incident_id, ts) DO "
    "UPDATE SET rule_id = ?3, category = ?4, helpful = ?5, created_at = ?6";
constexpr const char* nudge_examples =
    "SELECT rule_id, category, helpful, text FROM nudge_examples ORDER BY created_at, ts";
constexpr const char* forget_examples = "DELETE FROM nudge_examples WHERE author = ?";
constexpr const char* forget_cached_user = "DELETE FROM users WHERE id = ?";
constexpr const char* incidents_involving =
    "SELECT incident_id FROM timeline WHERE user_id = ?1 UNION SELECT incident_id FROM "
    "action_items WHERE owner = ?1 OR created_by = ?1 UNION SELECT id FROM incidents WHERE ?1 IN "
    "(commander, comms, scribe, declared_by, summary_by, impact_by) ORDER BY 1";
constexpr const char* rewrite_drafts = "UPDATE drafts SET markdown = ?2 WHERE incident_id = ?1";
constexpr const char* purge_examples =
    "DELETE FROM nudge_examples WHERE incident_id IN (SELECT id FROM incidents WHERE status = "
    "'resolved' AND resolved_at < ?1)";
constexpr const char* set_channel = "UPDATE incidents SET channel = ?2 WHERE id = ?1";
constexpr const char* set_private = "UPDATE incidents SET private = ?2 WHERE id = ?1";
constexpr const char* last_entry_ts =
    "SELECT MAX(ts) FROM timeline WHERE incident_id = ?1 AND (?2 = '' OR kind = ?2)";
}  // namespace sql

// ---- conversions --------------------------------------------------------------------------

// Bits of timeline.flags (schema.cpp, version 5); the statements above spell them as numbers.
namespace entry_flag {
constexpr std::int64_t key_event = 1;
constexpr std::int64_t pinned = 2;
constexpr std::int64_t edited = 4;
constexpr std::int64_t deleted = 8;
// Two bits from here: 0 no stage, else 1 + incident_stage.
constexpr int stage_shift = 4;
}  // namespace entry_flag

constexpr std::string_view k_status_names[] = {"investigating", "identified", "mitigated",
                                               "resolved"};
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

std::int64_t to_db(unix_time t) { return t.time_since_epoch().count(); }
unix_time to_time(std::int64_t s) { return unix_time(std::chrono::seconds(s)); }

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
    const std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m),
                                          std::chrono::day(d)};
    if (!ymd.ok()) return std::nullopt;
    return std::chrono::sys_days(ymd);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<std::string>& v) {
    if (v) s.bind(index, *v);
    else s.bind(index);
}

void bind_opt(SQLite::Statement& s, int index, const std::optional<unix_time>& v) {
    if (v) s.bind(index, to_db(*v));
    else s.bind(index);
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
    if (sqlite3_value_type(v) == SQLITE_NULL) out.reset();
    else if (out) overwrite(*out, value_view(v));
    else out.emplace(value_view(v));
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
    return a;
}

// Turns free text into an FTS5 query: every word quoted (so FTS syntax in user input is
// inert) with a prefix star, all required.
std::string fts_query(std::string_view words) {
    std::string out, word;
    auto flush = [&] {
        if (word.empty()) return;
        if (!out.empty()) out += ' ';
        out += '"' + word + "\"*";
        word.clear();
    };
    for (char c : words) {
        const auto u = static_cast<unsigned char>(c);
        // Bytes >= 0x80 are UTF-8 letters as far as the unicode61 tokenizer is concerned.
        if (std::isalnum(u) || u >= 0x80) word += c;
        else flush();
    }
    flush();
    return out;
}

}  // namespace

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

// ---- impl -----------------------------------------------------------------------------------

struct store::impl {
    std::string path;
    SQLite::Database db;
    std::function<system_clock::time_point()> clock;
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

    impl(const std::string& p, int flags, std::function<system_clock::time_point()> c)
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

    unix_time now_seconds() const {
        return std::chrono::floor<std::chrono::seconds>(clock());
    }

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

namespace {

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
        if (v) bind(index, *v);
        else check(sqlite3_bind_null(s_, index));
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

void run(store::impl& i, const char* text) {
    use s(i, text);
    s->exec();
}

}  // namespace

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
            refuse(path, "migration to schema " + std::to_string(m.version) + " failed: " +
                             e.what());
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
            refuse(path, "not an incident-bot database (application_id " +
                             std::to_string(app_id) + "); refusing to touch it");
        if (version > schema_version)
            refuse(path, "schema version " + std::to_string(version) +
                             " is newer than this build supports (" +
                             std::to_string(schema_version) + "); upgrade incident-bot");

        if (mode == open_mode::read_write) {
            // journal_mode cannot change inside a transaction, so it comes first.
            db.exec("PRAGMA journal_mode = WAL");
            db.exec(options.sync_every_commit ? "PRAGMA synchronous = FULL"
                                              : "PRAGMA synchronous = NORMAL");
            if (version < schema_version) migrate(db, path);
            version = pragma_int(db, "PRAGMA user_version");
            if (version != schema_version)
                refuse(path, "schema version " + std::to_string(version) +
                                 " changed while opening; refusing to use it");
        } else if (version < schema_version) {
            refuse(path, "schema version " + std::to_string(version) +
                             " is older than this build's " + std::to_string(schema_version) +
                             "; start the bot once to upgrade it");
        }
        db.exec("PRAGMA foreign_keys = ON");
    } catch (const SQLite::Exception& e) {
        refuse(path, std::string("cannot open: ") + e.what());
    }
}

store::~store() = default;

const std::string& store::path() const { return impl_->path; }

std::chrono::system_clock::time_point store::now() const { return impl_->clock(); }

// ---- incidents ------------------------------------------------------------------------------

incident store::create_incident(const new_incident& n) {
    auto& i = *impl_;
    const unix_time declared = n.declared_at.value_or(i.now_seconds());
    use s(i, sql::insert_incident);
    s->bind(1, n.title);
    s->bind(2, n.severity);
    s->bind(3, std::string(to_string(n.status)));
    s->bind(4, n.channel);
    s->bind(5, to_db(declared));
    const auto resolved = n.status == incident_status::resolved
                              ? std::optional<unix_time>(n.resolved_at.value_or(declared))
                              : std::nullopt;
    bind_opt(*s, 6, resolved);
    bind_opt(*s, 7, n.commander);
    bind_opt(*s, 8, n.declared_by);
    if (n.is_private) s->bind(9, *n.is_private ? 1 : 0);
    try {
        s->exec();
    } catch (const SQLite::Exception& e) {
        if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
            throw store_error("channel " + n.channel + " already has an open incident");
        throw;
    }
    incident out;
    out.id = i.db.getLastInsertRowid();
    out.title = n.title;
    out.severity = n.severity;
    out.status = n.status;
    out.channel = n.channel;
    out.declared_at = declared;
    out.resolved_at = resolved;
    out.commander = n.commander;
    out.declared_by = n.declared_by;
    out.is_private = n.is_private;
    return out;
}

std::optional<incident> store::get_incident(std::int64_t id) {
    use s(*impl_, sql::get_incident);
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return read_incident(*s);
}

std::vector<incident> store::list_incidents(bool open_only) {
    use s(*impl_, sql::list_incidents);
    s->bind(1, open_only ? 1 : 0);
    std::vector<incident> out;
    while (s->executeStep()) out.push_back(read_incident(*s));
    return out;
}

std::optional<incident> store::find_open_incident(std::string_view channel) {
    use s(*impl_, sql::find_open_incident);
    s->bind(1, std::string(channel));
    if (!s->executeStep()) return std::nullopt;
    return read_incident(*s);
}

std::optional<std::int64_t> store::open_incident_id(std::string_view channel) {
    use_raw s(*impl_, sql::open_incident_id);
    s.bind(1, channel);
    if (!s.step()) return std::nullopt;
    return sqlite3_column_int64(s.get(), 0);
}

std::int64_t store::impl::add_status_entry(std::int64_t incident_id,
                                           const char* kind,
                                           const std::optional<std::string>& by,
                                           std::string text) {
    timeline_entry e;
    e.incident_id = incident_id;
    e.ts = now_ts();
    e.kind = kind;
    e.source = entry_source::status;
    e.user = by;
    e.text = std::move(text);
    // Status entries have a slot of their own, so this always inserts.
    return insert_entry(e).value();
}

bool store::set_status(std::int64_t id,
                       incident_status status,
                       std::optional<std::string> by_user) {
    transaction tx(*this);
    const auto current = get_incident(id);
    if (!current) return false;
    if (current->status == status) return true;
    {
        use s(*impl_, sql::set_status);
        s->bind(1, id);
        s->bind(2, std::string(to_string(status)));
        s->bind(3, to_db(impl_->now_seconds()));
        try {
            s->exec();
        } catch (const SQLite::Exception& e) {
            if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
                throw store_error("channel " + current->channel + " already has an open incident");
            throw;
        }
    }
    impl_->add_status_entry(id,
                            "status_change",
                            by_user,
                            "Status changed from " + std::string(to_string(current->status)) +
                                " to " + std::string(to_string(status)));
    tx.commit();
    return true;
}

bool store::set_severity(std::int64_t id, int severity, std::optional<std::string> by_user) {
    transaction tx(*this);
    const auto current = get_incident(id);
    if (!current) return false;
    if (current->severity == severity) return true;
    {
        use s(*impl_, sql::set_severity);
        s->bind(1, id);
        s->bind(2, severity);
        s->exec();
    }
    impl_->add_status_entry(id,
                            "severity_change",
                            by_user,
                            "Severity changed from SEV" + std::to_string(current->severity) +
                                " to SEV" + std::to_string(severity));
    tx.commit();
    return true;
}

bool store::set_role(std::int64_t id,
                     incident_role role,
                     std::optional<std::string> user,
                     std::optional<std::string> by_user) {
    if (user && user->empty()) user.reset();
    transaction tx(*this);
    const char* text = role == incident_role::commander ? sql::set_commander
                       : role == incident_role::comms   ? sql::set_comms
                                                        : sql::set_scribe;
    {
        use s(*impl_, text);
        s->bind(1, id);
        bind_opt(*s, 2, user);
        if (s->exec() == 0) return false;
    }
    const std::string name(to_string(role));
    impl_->add_status_entry(id,
                            "role_change",
                            by_user,
                            user ? "<@" + *user + "> is now " + name : name + " unassigned");
    tx.commit();
    return true;
}

bool store::set_summary(std::int64_t id, std::string summary, std::optional<std::string> by_user) {
    use s(*impl_, sql::set_summary);
    s->bind(1, id);
    s->bind(2, summary);
    bind_opt(*s, 3, by_user);
    return s->exec() > 0;
}

bool store::set_impact(std::int64_t id, std::string impact, std::optional<std::string> by_user) {
    use s(*impl_, sql::set_impact);
    s->bind(1, id);
    s->bind(2, impact);
    bind_opt(*s, 3, by_user);
    return s->exec() > 0;
}

// ---- timeline -------------------------------------------------------------------------------

std::optional<std::int64_t> store::add_entry(const timeline_entry& e) {
    // Ids are allocated inside a write transaction (impl::next_entry_id): the caller's, or
    // else our own.
    std::optional<transaction> tx;
    if (impl_->depth == 0) tx.emplace(*this);
    const auto id = impl_->insert_entry(e);
    if (tx) tx->commit();
    return id;
}

namespace {

// The flags an entry is stored with: a pin makes a key event; reactions add marks later.
std::int64_t entry_flags(const timeline_entry& e) {
    return (e.pinned ? entry_flag::key_event | entry_flag::pinned : 0) |
           (e.edited ? entry_flag::edited : 0) | (e.deleted ? entry_flag::deleted : 0);
}

// Entries from Slack, one per ts; the bot's own may share a ts (schema.cpp, version 7).
bool is_slack_entry(entry_source s) {
    return s != entry_source::note && s != entry_source::status && s != entry_source::command;
}

void bind_entry(use_raw& s, const timeline_entry& e) {
    s.bind(1, e.incident_id);
    s.bind(2, e.ts);
    s.bind_opt(3, e.thread_ts);
    s.bind(4, e.kind);
    s.bind(5, to_string(e.source));
    s.bind_opt(6, e.user);
    // A deleted entry keeps no text (and no temporary copy may be bound, see use_raw).
    if (e.deleted) s.bind_opt(7, std::nullopt);
    else s.bind_opt(7, e.text);
    s.bind(8, entry_flags(e));
    s.bind_opt(9, e.permalink);
}

}  // namespace

// The timeline has no rowid to allocate ids from (schema.cpp, version 7). MAX(id) is read
// once per write transaction, which no other connection can interleave with (BEGIN
// IMMEDIATE), and again after a rollback.
std::int64_t store::impl::next_entry_id() {
    if (free_entry_id == 0) {
        use_raw s(*this, sql::max_entry_id);
        s.step();
        free_entry_id = sqlite3_column_int64(s.get(), 0) + 1;
    }
    return free_entry_id;
}

std::optional<std::int64_t> store::impl::insert_entry(const timeline_entry& e) {
    {
        const std::int64_t id = next_entry_id();
        use_raw s(*this, sql::insert_entry);
        bind_entry(s, e);
        s.bind(10, id);
        s.bind(11, is_slack_entry(e.source) ? 0 : id);
        if (s.exec() > 0) {
            ++free_entry_id;
            return id;
        }
    }
    // The ts is taken: by a placeholder to fill in, or by the message itself (a duplicate).
    {
        use_raw s(*this, sql::fill_placeholder);
        bind_entry(s, e);
        if (s.exec() == 0) return std::nullopt;
    }
    use_raw placeholder(*this, sql::message_entry_id);
    placeholder.bind(1, e.incident_id);
    placeholder.bind(2, e.ts);
    placeholder.step();
    return sqlite3_column_int64(placeholder.get(), 0);
}

std::int64_t store::add_note(std::int64_t incident_id, std::string user, std::string text) {
    timeline_entry e;
    e.incident_id = incident_id;
    e.ts = impl_->now_ts();
    e.kind = "note";
    e.source = entry_source::note;
    e.user = std::move(user);
    e.text = std::move(text);
    return add_entry(e).value();
}

std::optional<timeline_entry> store::find_entry(std::int64_t incident_id, std::string_view ts) {
    use_raw s(*impl_, sql::find_entry);
    s.bind(1, incident_id);
    s.bind(2, ts);
    if (!s.step()) return std::nullopt;
    timeline_entry e;
    read_entry(s.get(), incident_id, e);
    return e;
}

std::vector<timeline_entry> store::list_timeline(std::int64_t incident_id, timeline_view view) {
    std::vector<timeline_entry> out;
    {
        // Sized once: growing it moved every entry about twice and went back to the
        // allocator for ever larger blocks (~8% of reading 100,000 entries).
        use_raw count(*impl_, sql::count_timeline);
        count.bind(1, incident_id);
        count.step();
        out.reserve(static_cast<std::size_t>(sqlite3_column_int64(count.get(), 0)));
    }
    scan_timeline(incident_id, view, [&out](const timeline_entry& e) { out.push_back(e); });
    return out;
}

void store::scan_timeline(std::int64_t incident_id,
                          timeline_view view,
                          const std::function<void(const timeline_entry&)>& visit) {
    use_raw s(*impl_, sql::list_timeline);
    // The statement is shared: a nested scan would reset the outer one mid-way.
    if (sqlite3_stmt_busy(s.get())) throw std::logic_error("scan_timeline: nested scan");
    s.bind(1, incident_id);
    s.bind(2, std::int64_t{view == timeline_view::human ? 1 : 0});
    timeline_entry e;
    while (s.step()) {
        read_entry(s.get(), incident_id, e);
        visit(e);
    }
}

bool store::apply_edit(std::int64_t entry_id,
                       std::string new_text,
                       std::string edited_ts,
                       std::optional<std::string> editor) {
    transaction tx(*this);
    std::optional<std::string> old_text;
    {
        use s(*impl_, sql::entry_text);
        s->bind(1, entry_id);
        if (!s->executeStep() || s->getColumn(1).getInt() != 0) return false;
        old_text = opt_text(s->getColumn(0));
    }
    if (old_text == new_text) return false;
    if (old_text) {
        use s(*impl_, sql::insert_edit);
        s->bind(1, entry_id);
        s->bind(2, edited_ts);
        bind_opt(*s, 3, editor);
        s->bind(4, *old_text);
        s->exec();
    }
    {
        use s(*impl_, sql::update_text);
        s->bind(1, entry_id);
        s->bind(2, new_text);
        s->exec();
    }
    tx.commit();
    return true;
}

std::vector<edit_record> store::edit_history(std::int64_t entry_id) {
    use s(*impl_, sql::edit_history);
    s->bind(1, entry_id);
    std::vector<edit_record> out;
    while (s->executeStep())
        out.push_back({s->getColumn(0).getString(),
                       opt_text(s->getColumn(1)),
                       s->getColumn(2).getString()});
    return out;
}

bool store::mark_deleted(std::int64_t entry_id) {
    transaction tx(*this);
    {
        use s(*impl_, sql::mark_deleted);
        s->bind(1, entry_id);
        if (s->exec() == 0) return false;
    }
    {
        use s(*impl_, sql::drop_history);
        s->bind(1, entry_id);
        s->exec();
    }
    tx.commit();
    return true;
}

namespace {

void derive_marks(store::impl& i, std::int64_t entry_id) {
    use s(i, sql::derive_marks);
    s->bind(1, entry_id);
    s->exec();
}

}  // namespace

bool store::set_pinned(std::int64_t entry_id, bool pinned) {
    transaction tx(*this);
    {
        use s(*impl_, sql::set_pinned);
        s->bind(1, entry_id);
        s->bind(2, pinned ? entry_flag::pinned : 0);
        if (s->exec() == 0) return false;
    }
    derive_marks(*impl_, entry_id);
    tx.commit();
    return true;
}

bool store::add_reaction(std::int64_t entry_id,
                         std::string_view user,
                         std::string_view reaction,
                         const reaction_mark& mark) {
    transaction tx(*this);
    {
        use s(*impl_, sql::insert_reaction);
        s->bind(1, entry_id);
        s->bind(2, std::string(user));
        s->bind(3, std::string(reaction));
        s->bind(4, mark.key_event ? 1 : 0);
        if (mark.stage) s->bind(5, std::string(to_string(*mark.stage)));
        else s->bind(5);
        if (s->exec() == 0) return false;
    }
    derive_marks(*impl_, entry_id);
    tx.commit();
    return true;
}

bool store::remove_reaction(std::int64_t entry_id,
                            std::string_view user,
                            std::string_view reaction) {
    transaction tx(*this);
    {
        use s(*impl_, sql::delete_reaction);
        s->bind(1, entry_id);
        s->bind(2, std::string(user));
        s->bind(3, std::string(reaction));
        if (s->exec() == 0) return false;
    }
    derive_marks(*impl_, entry_id);
    tx.commit();
    return true;
}

// ---- action items ---------------------------------------------------------------------------

std::int64_t store::add_action_item(const action_item& item) {
    use s(*impl_, sql::insert_action);
    s->bind(1, item.incident_id);
    s->bind(2, item.text);
    bind_opt(*s, 3, item.owner);
    if (item.due) s->bind(4, day_text(*item.due));
    else s->bind(4);
    s->bind(5, to_db(impl_->now_seconds()));
    bind_opt(*s, 6, item.created_by);
    s->exec();
    return impl_->db.getLastInsertRowid();
}

std::vector<action_item> store::list_action_items(const action_filter& f) {
    const auto today =
        f.today.value_or(std::chrono::floor<std::chrono::days>(impl_->now_seconds()));
    use s(*impl_, sql::list_actions);
    s->bind(1,
            f.scope == action_scope::all       ? "all"
            : f.scope == action_scope::overdue ? "overdue"
                                               : "open");
    // ISO dates compare correctly as text.
    s->bind(2, day_text(today));
    bind_opt(*s, 3, f.owner);
    bind_opt(*s, 4, f.since);
    if (f.incident_id) s->bind(5, *f.incident_id);
    std::vector<action_item> out;
    while (s->executeStep()) out.push_back(read_action(*s));
    return out;
}

bool store::complete_action_item(std::int64_t id) {
    use s(*impl_, sql::complete_action);
    s->bind(1, id);
    s->bind(2, to_db(impl_->now_seconds()));
    return s->exec() > 0;
}

// ---- drafts ---------------------------------------------------------------------------------

int store::add_draft(std::int64_t incident_id, std::string markdown) {
    use s(*impl_, sql::insert_draft);
    s->bind(1, incident_id);
    s->bind(2, markdown);
    s->bind(3, to_db(impl_->now_seconds()));
    s->executeStep();
    return s->getColumn(0).getInt();
}

std::optional<draft> store::latest_draft(std::int64_t incident_id) {
    use s(*impl_, sql::latest_draft);
    s->bind(1, incident_id);
    if (!s->executeStep()) return std::nullopt;
    return draft{s->getColumn(0).getInt64(),
                 s->getColumn(1).getInt(),
                 s->getColumn(2).getString(),
                 to_time(s->getColumn(3).getInt64())};
}

// ---- users ----------------------------------------------------------------------------------

std::optional<cached_user> store::get_user(std::string_view id,
                                           std::optional<std::chrono::seconds> max_age) {
    use s(*impl_, sql::get_user);
    s->bind(1, std::string(id));
    if (!s->executeStep()) return std::nullopt;
    cached_user u{s->getColumn(0).getString(),
                  s->getColumn(1).getString(),
                  s->getColumn(2).getInt() != 0,
                  to_time(s->getColumn(3).getInt64())};
    if (max_age && impl_->now_seconds() - u.fetched_at > *max_age) return std::nullopt;
    return u;
}

void store::put_user(const cached_user& u) {
    use s(*impl_, sql::put_user);
    s->bind(1, u.id);
    s->bind(2, u.display_name);
    s->bind(3, u.is_bot ? 1 : 0);
    s->bind(4, to_db(u.fetched_at));
    s->exec();
}

// ---- dedupe ---------------------------------------------------------------------------------

bool store::mark_processed(std::string_view event_id) {
    use_raw s(*impl_, sql::mark_processed);
    s.bind(1, event_id);
    s.bind(2, to_db(impl_->now_seconds()));
    return s.exec() > 0;
}

std::int64_t store::prune_processed(unix_time before) {
    use s(*impl_, sql::prune_processed);
    s->bind(1, to_db(before));
    return s->exec();
}

// ---- nudges ---------------------------------------------------------------------------------

void store::record_nudge(const nudge& n) {
    use s(*impl_, sql::insert_nudge);
    s->bind(1, n.user);
    s->bind(2, n.category);
    s->bind(3, n.rule_id);
    s->bind(4, n.channel);
    s->bind(5, to_db(n.at.value_or(impl_->now_seconds())));
    s->exec();
}

std::int64_t store::count_nudges(const nudge_filter& f) {
    use s(*impl_, sql::count_nudges);
    bind_opt(*s, 1, f.user);
    bind_opt(*s, 2, f.category);
    bind_opt(*s, 3, f.since);
    s->executeStep();
    return s->getColumn(0).getInt64();
}

void store::vote_nudge(std::string_view rule_id, bool helpful) {
    use s(*impl_, sql::vote_nudge);
    s->bind(1, std::string(rule_id));
    s->bind(2, helpful ? 1 : 0);
    s->exec();
}

nudge_votes store::votes_for(std::string_view rule_id) {
    use s(*impl_, sql::votes_for);
    s->bind(1, std::string(rule_id));
    if (!s->executeStep()) return {};
    return {s->getColumn(0).getInt64(), s->getColumn(1).getInt64()};
}

// ---- search ---------------------------------------------------------------------------------

std::size_t store::index_pending(std::size_t max_entries) {
    transaction tx(*this);
    const auto indexed = impl_->index_pending(static_cast<std::int64_t>(
        std::min<std::size_t>(max_entries, std::numeric_limits<std::int64_t>::max())));
    tx.commit();
    return static_cast<std::size_t>(indexed);
}

std::vector<incident> store::search(std::string_view words, std::size_t limit) {
    const std::string query = fts_query(words);
    if (query.empty()) return {};
    // Every committed entry is found, however far the index lags (see impl::index_pending).
    // A reader's copy is taken before the search, so an entry the writer indexes in between
    // is matched twice, which the ranking folds into one hit, and none is missed.
    if (impl_->read_only) {
        for (const char* text :
             {sql::create_pending_index, sql::clear_pending_index, sql::copy_pending})
            run(*impl_, text);
    } else {
        index_pending(std::numeric_limits<std::size_t>::max());
    }
    use s(*impl_, impl_->read_only ? sql::search_with_pending : sql::search);
    s->bind(1, query);
    s->bind(2, static_cast<std::int64_t>(limit));
    std::vector<incident> out;
    while (s->executeStep()) out.push_back(read_incident(*s));
    return out;
}

// ---- additions for commands and reminders ---------------------------------------------------

bool store::keep_nudge_example(std::string_view channel,
                               std::string_view ts,
                               std::string_view rule_id,
                               std::string_view category,
                               bool helpful,
                               unix_time at) {
    use s(*impl_, sql::keep_nudge_example);
    s->bind(1, std::string(channel));
    s->bind(2, std::string(ts));
    s->bind(3, std::string(rule_id));
    s->bind(4, std::string(category));
    s->bind(5, helpful ? 1 : 0);
    s->bind(6, to_db(at));
    return s->exec() > 0;
}

std::vector<nudge_example> store::nudge_examples() {
    use s(*impl_, sql::nudge_examples);
    std::vector<nudge_example> out;
    while (s->executeStep())
        out.push_back({s->getColumn(0).getString(),
                       s->getColumn(1).getString(),
                       s->getColumn(2).getInt() != 0,
                       s->getColumn(3).getString()});
    return out;
}

// Names hold no line breaks (Slack trims profile fields), so they are stored one per line.
void store::remember_person(const person_names& p) {
    std::string names;
    for (const auto& n : p.names) {
        if (n.empty() || n.find('\n') != std::string::npos) continue;
        names += (names.empty() ? "" : "\n") + n;
    }
    use s(*impl_, sql::remember_person);
    s->bind(1, p.user);
    s->bind(2, names);
    s->bind(3, to_db(p.fetched_at));
    s->exec();
}

std::vector<person_names> store::people() {
    use s(*impl_, sql::people);
    std::vector<person_names> out;
    while (s->executeStep()) {
        person_names p;
        p.user = s->getColumn(0).getString();
        const std::string names = s->getColumn(1).getString();
        for (std::size_t b = 0; b < names.size();) {
            const auto e = std::min(names.find('\n', b), names.size());
            p.names.push_back(names.substr(b, e - b));
            b = e + 1;
        }
        p.fetched_at = unix_time(std::chrono::seconds(s->getColumn(2).getInt64()));
        out.push_back(std::move(p));
    }
    return out;
}

void store::set_nudges_enabled(std::string_view user, bool enabled) {
    use s(*impl_, enabled ? sql::opt_in_nudges : sql::opt_out_nudges);
    s->bind(1, std::string(user));
    if (!enabled) s->bind(2, to_db(impl_->now_seconds()));
    s->exec();
}

bool store::nudges_enabled(std::string_view user) {
    use s(*impl_, sql::nudges_opted_out);
    s->bind(1, std::string(user));
    return !s->executeStep();
}

std::int64_t store::count_nudges_in_channel(std::string_view channel,
                                            unix_time from,
                                            std::optional<unix_time> until) {
    use s(*impl_, sql::count_channel_nudges);
    s->bind(1, std::string(channel));
    s->bind(2, to_db(from));
    bind_opt(*s, 3, until);
    s->executeStep();
    return s->getColumn(0).getInt64();
}

bool store::set_incident_channel(std::int64_t id, std::string channel) {
    use s(*impl_, sql::set_channel);
    s->bind(1, id);
    s->bind(2, channel);
    try {
        return s->exec() > 0;
    } catch (const SQLite::Exception& e) {
        if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE)
            throw store_error("channel " + channel + " already has an open incident");
        throw;
    }
}

bool store::set_incident_private(std::int64_t id, bool is_private) {
    use s(*impl_, sql::set_private);
    s->bind(1, id);
    s->bind(2, is_private ? 1 : 0);
    return s->exec() > 0;
}

std::optional<std::string> store::last_entry_ts(std::int64_t incident_id, std::string_view kind) {
    use s(*impl_, sql::last_entry_ts);
    s->bind(1, incident_id);
    s->bind(2, std::string(kind));
    if (!s->executeStep() || s->getColumn(0).isNull()) return std::nullopt;
    return s->getColumn(0).getString();
}

std::int64_t store::count_rule_nudges(std::string_view rule_id) {
    use s(*impl_, sql::count_rule_nudges);
    s->bind(1, std::string(rule_id));
    s->executeStep();
    return s->getColumn(0).getInt64();
}

// ---- operations: backup, erasure, retention -------------------------------------------------

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
    "UPDATE action_items SET text = '(erased)' WHERE created_by = ?1 AND text <> '(erased)'"};
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
    "INSERT INTO drafts_fts (drafts_fts) VALUES ('optimize')"};
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
    for (const char* forget : {sql::forget_person, sql::forget_examples, sql::forget_cached_user}) {
        use s(*impl_, forget);
        s->bind(1, id);
        s->exec();
    }
    // Drafts are written again once the rest is erased, in the same transaction.
    const auto rewrite_drafts = [&]() -> std::int64_t {
        std::int64_t rewritten = 0;
        for (const auto incident : involved) {
            if (!latest_draft(incident)) continue;
            const auto markdown = redraft(incident);
            use s(*impl_, sql::rewrite_drafts);
            s->bind(1, incident);
            s->bind(2, markdown);
            s->exec();
            ++rewritten;
        }
        return rewritten;
    };
    return erase_text(*this,
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
    return erase_text(*this,
                      *impl_,
                      ops_sql::purge_edits,
                      ops_sql::purge_entries,
                      [&](SQLite::Statement& s) { s.bind(1, before); });
}

}  // namespace incident_bot

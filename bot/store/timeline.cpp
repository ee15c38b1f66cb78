// The timeline: entries, edits, deletions, pins and reactions; and the ledger of processed
// event ids that dedupes Slack's redeliveries.
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
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
constexpr const char* set_pinned = "UPDATE timeline SET flags = flags & ~2 | ?2 WHERE id = ?1";
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
constexpr const char* mark_processed =
    "INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?) ON CONFLICT DO NOTHING";
// Deletes from the front up to the first id to keep (schema.cpp, version 6), so it reads
// only what it deletes; a row that arrived after a clock step back waits for a later prune.
constexpr const char* prune_processed =
    "DELETE FROM processed_events WHERE id < COALESCE((SELECT id FROM processed_events WHERE "
    "processed_at >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) + 1 FROM processed_events))";
constexpr const char* last_entry_ts =
    "SELECT MAX(ts) FROM timeline WHERE incident_id = ?1 AND (?2 = '' OR kind = ?2)";
}  // namespace sql

}  // namespace

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
    if (e.deleted)
        s.bind_opt(7, std::nullopt);
    else
        s.bind_opt(7, e.text);
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
        out.push_back(
            {s->getColumn(0).getString(), opt_text(s->getColumn(1)), s->getColumn(2).getString()});
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
        if (mark.stage)
            s->bind(5, std::string(to_string(*mark.stage)));
        else
            s->bind(5);
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

std::optional<std::string> store::last_entry_ts(std::int64_t incident_id, std::string_view kind) {
    use s(*impl_, sql::last_entry_ts);
    s->bind(1, incident_id);
    s->bind(2, std::string(kind));
    if (!s->executeStep() || s->getColumn(0).isNull()) return std::nullopt;
    return s->getColumn(0).getString();
}

}  // namespace incident_bot

// Action items and post-mortem drafts.
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
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
constexpr const char* set_action_post =
    "UPDATE action_items SET post_channel = ?2, post_ts = ?3 WHERE id = ?1";
constexpr const char* insert_draft =
    "INSERT INTO drafts (incident_id, version, markdown, created_at) SELECT ?1, "
    "COALESCE(MAX(version), 0) + 1, ?2, ?3 FROM drafts WHERE incident_id = ?1 RETURNING version";
constexpr const char* latest_draft =
    "SELECT incident_id, version, markdown, created_at FROM drafts WHERE incident_id = ? "
    "ORDER BY version DESC LIMIT 1";
constexpr const char* draft_version =
    "SELECT incident_id, version, markdown, created_at FROM drafts WHERE incident_id = ? AND "
    "version = ?";
constexpr const char* insert_publication =
    "INSERT INTO publications (incident_id, version, channel, published_by, published_at, "
    "forced) VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* publication_of =
    "SELECT incident_id, version, channel, published_by, published_at, forced FROM "
    "publications WHERE incident_id = ? AND version = ?";
}  // namespace sql

}  // namespace

std::int64_t store::add_action_item(const action_item& item) {
    use s(*impl_, sql::insert_action);
    s->bind(1, item.incident_id);
    s->bind(2, item.text);
    bind_opt(*s, 3, item.owner);
    if (item.due)
        s->bind(4, day_text(*item.due));
    else
        s->bind(4);
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

bool store::set_action_post(std::int64_t id, std::string channel, std::string ts) {
    use s(*impl_, sql::set_action_post);
    s->bind(1, id);
    s->bind(2, channel);
    s->bind(3, ts);
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

namespace {

std::optional<draft> read_draft(SQLite::Statement& s) {
    if (!s.executeStep()) return std::nullopt;
    return draft{s.getColumn(0).getInt64(),
                 s.getColumn(1).getInt(),
                 s.getColumn(2).getString(),
                 to_time(s.getColumn(3).getInt64())};
}

}  // namespace

std::optional<draft> store::latest_draft(std::int64_t incident_id) {
    use s(*impl_, sql::latest_draft);
    s->bind(1, incident_id);
    return read_draft(*s);
}

std::optional<draft> store::draft_version(std::int64_t incident_id, int version) {
    use s(*impl_, sql::draft_version);
    s->bind(1, incident_id);
    s->bind(2, version);
    return read_draft(*s);
}

void store::add_publication(const publication& p) {
    use s(*impl_, sql::insert_publication);
    s->bind(1, p.incident_id);
    s->bind(2, p.version);
    s->bind(3, p.channel);
    bind_opt(*s, 4, p.published_by);
    s->bind(5, to_db(p.published_at));
    s->bind(6, p.forced ? 1 : 0);
    s->exec();
}

std::optional<publication> store::publication_of(std::int64_t incident_id, int version) {
    use s(*impl_, sql::publication_of);
    s->bind(1, incident_id);
    s->bind(2, version);
    if (!s->executeStep()) return std::nullopt;
    return publication{s->getColumn(0).getInt64(),
                       s->getColumn(1).getInt(),
                       s->getColumn(2).getString(),
                       opt_text(s->getColumn(3)),
                       to_time(s->getColumn(4).getInt64()),
                       s->getColumn(5).getInt() != 0};
}

}  // namespace incident_bot

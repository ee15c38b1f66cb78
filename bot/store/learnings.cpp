// Learnings: lessons recorded with `/incident learned TEXT` (issue 19). Indexed for search
// by triggers (schema.cpp, version 10); forget-user deletes a person's (operations.cpp).
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* insert_learning =
    "INSERT INTO learnings (incident_id, user_id, text, created_at) VALUES (?, ?, ?, ?)";
constexpr const char* list_learnings =
    "SELECT id, incident_id, user_id, text, created_at FROM learnings WHERE (?1 IS NULL OR "
    "created_at >= ?1) AND (?2 IS NULL OR incident_id = ?2) ORDER BY created_at, id";
}  // namespace sql

}  // namespace

std::int64_t store::add_learning(const learning& l) {
    use s(*impl_, sql::insert_learning);
    s->bind(1, l.incident_id);
    bind_opt(*s, 2, l.user);
    s->bind(3, l.text);
    s->bind(4, to_db(l.created_at == unix_time{} ? impl_->now_seconds() : l.created_at));
    s->exec();
    return impl_->db.getLastInsertRowid();
}

std::vector<learning> store::list_learnings(std::optional<unix_time> since,
                                            std::optional<std::int64_t> incident_id) {
    use s(*impl_, sql::list_learnings);
    bind_opt(*s, 1, since);
    if (incident_id) s->bind(2, *incident_id);
    std::vector<learning> out;
    while (s->executeStep()) {
        learning l;
        l.id = s->getColumn(0).getInt64();
        l.incident_id = s->getColumn(1).getInt64();
        l.user = opt_text(s->getColumn(2));
        l.text = s->getColumn(3).getString();
        l.created_at = to_time(s->getColumn(4).getInt64());
        out.push_back(std::move(l));
    }
    return out;
}

}  // namespace incident_bot

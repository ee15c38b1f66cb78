// The App Home's state (who opened it, and how they left it) and the action item lookups its
// buttons need (issue 18).
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* get_action = "SELECT " ACTION_COLUMNS " FROM action_items WHERE id = ?";
constexpr const char* set_due =
    "UPDATE action_items SET due = ?2 WHERE id = ?1 AND status = 'open'";
constexpr const char* remember_viewer =
    "INSERT INTO home_views (user_id, filter, grouping, opened_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (user_id) DO UPDATE SET filter = ?2, grouping = ?3, opened_at = ?4";
constexpr const char* viewer =
    "SELECT user_id, filter, grouping, opened_at FROM home_views WHERE user_id = ?";
// Open incidents are few; each EXISTS walks one incident's timeline at most.
constexpr const char* authored =
    "SELECT id FROM incidents i WHERE status <> 'resolved' AND EXISTS (SELECT 1 FROM timeline "
    "t WHERE t.incident_id = i.id AND t.user_id = ?1) ORDER BY id";
constexpr const char* authors =
    "SELECT DISTINCT user_id FROM timeline WHERE incident_id = ? AND user_id IS NOT NULL "
    "ORDER BY user_id";
}  // namespace sql

}  // namespace

std::string_view to_string(home_filter f) {
    switch (f) {
        case home_filter::open: return "open";
        case home_filter::overdue: return "overdue";
        case home_filter::mine: return "mine";
        case home_filter::all: return "all";
    }
    return "open";
}

std::string_view to_string(home_grouping g) {
    return g == home_grouping::owner ? "owner" : "incident";
}

std::optional<home_filter> parse_home_filter(std::string_view s) {
    for (auto f : {home_filter::open, home_filter::overdue, home_filter::mine, home_filter::all})
        if (to_string(f) == s) return f;
    return std::nullopt;
}

std::optional<home_grouping> parse_home_grouping(std::string_view s) {
    for (auto g : {home_grouping::incident, home_grouping::owner})
        if (to_string(g) == s) return g;
    return std::nullopt;
}

std::optional<action_item> store::get_action_item(std::int64_t id) {
    use s(*impl_, sql::get_action);
    s->bind(1, id);
    if (!s->executeStep()) return std::nullopt;
    return read_action(*s);
}

bool store::set_action_due(std::int64_t id, std::chrono::sys_days due) {
    use s(*impl_, sql::set_due);
    s->bind(1, id);
    s->bind(2, day_text(due));
    return s->exec() > 0;
}

void store::remember_home_viewer(const home_viewer& v) {
    use s(*impl_, sql::remember_viewer);
    s->bind(1, v.user);
    s->bind(2, std::string(to_string(v.filter)));
    s->bind(3, std::string(to_string(v.grouping)));
    s->bind(4, to_db(v.opened_at));
    s->exec();
}

std::optional<home_viewer> store::home_viewer_of(std::string_view user) {
    use s(*impl_, sql::viewer);
    s->bind(1, std::string(user));
    if (!s->executeStep()) return std::nullopt;
    home_viewer v;
    v.user = s->getColumn(0).getString();
    v.filter = parse_home_filter(s->getColumn(1).getString()).value_or(home_filter::open);
    v.grouping = parse_home_grouping(s->getColumn(2).getString()).value_or(home_grouping::incident);
    v.opened_at = to_time(s->getColumn(3).getInt64());
    return v;
}

std::vector<std::int64_t> store::open_incidents_with_author(std::string_view user) {
    use s(*impl_, sql::authored);
    s->bind(1, std::string(user));
    std::vector<std::int64_t> ids;
    while (s->executeStep()) ids.push_back(s->getColumn(0).getInt64());
    return ids;
}

std::vector<std::string> store::timeline_authors(std::int64_t incident_id) {
    use s(*impl_, sql::authors);
    s->bind(1, incident_id);
    std::vector<std::string> users;
    while (s->executeStep()) users.push_back(s->getColumn(0).getString());
    return users;
}

}  // namespace incident_bot

// What `incident-bot import` read in a channel's history (issue 19): how each imported
// incident was resolved, and the blameless check's findings over its messages.
#include <array>

#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* insert_import =
    "INSERT INTO imports (incident_id, imported_at, resolved_by, resolution_ts) VALUES (?, ?, "
    "?, ?)";
constexpr const char* import_of =
    "SELECT imported_at, resolved_by, resolution_ts FROM imports WHERE incident_id = ?";
constexpr const char* insert_finding =
    "INSERT INTO imported_findings (incident_id, ts, rule_id, category) VALUES (?, ?, ?, ?) ON "
    "CONFLICT DO NOTHING";
constexpr const char* findings_of =
    "SELECT ts, rule_id, category FROM imported_findings WHERE incident_id = ? ORDER BY ts, id";
constexpr const char* count_findings =
    "SELECT COUNT(*) FROM imported_findings WHERE ?1 IS NULL OR category = ?1";
}  // namespace sql

// Database names of resolution_rule; `none` is stored as NULL.
constexpr std::array<const char*, 4> k_rule_names = {nullptr, "bot_post", "message", "archived"};

resolution_rule rule_from_db(const SQLite::Column& c) {
    if (c.isNull()) return resolution_rule::none;
    const std::string name = c.getString();
    for (std::size_t i = 1; i < k_rule_names.size(); ++i)
        if (name == k_rule_names[i]) return static_cast<resolution_rule>(i);
    return resolution_rule::none;  // the CHECK constraint keeps other values out
}

}  // namespace

void store::record_import(const import_record& r) {
    use s(*impl_, sql::insert_import);
    s->bind(1, r.incident_id);
    s->bind(2, to_db(r.imported_at));
    if (const char* name = k_rule_names[static_cast<std::size_t>(r.resolved_by)])
        s->bind(3, name);
    else
        s->bind(3);
    bind_opt(*s, 4, r.resolution_ts);
    s->exec();
}

std::optional<import_record> store::import_of(std::int64_t incident_id) {
    use s(*impl_, sql::import_of);
    s->bind(1, incident_id);
    if (!s->executeStep()) return std::nullopt;
    return import_record{incident_id,
                         to_time(s->getColumn(0).getInt64()),
                         rule_from_db(s->getColumn(1)),
                         opt_text(s->getColumn(2))};
}

bool store::add_imported_finding(std::int64_t incident_id, const message_finding& f) {
    use s(*impl_, sql::insert_finding);
    s->bind(1, incident_id);
    s->bind(2, f.ts);
    s->bind(3, f.rule_id);
    s->bind(4, f.category);
    return s->exec() > 0;
}

std::vector<message_finding> store::imported_findings(std::int64_t incident_id) {
    use s(*impl_, sql::findings_of);
    s->bind(1, incident_id);
    std::vector<message_finding> out;
    while (s->executeStep())
        out.push_back({s->getColumn(0).getString(),
                       s->getColumn(1).getString(),
                       s->getColumn(2).getString()});
    return out;
}

std::int64_t store::count_imported_findings(std::optional<std::string> category) {
    use s(*impl_, sql::count_findings);
    bind_opt(*s, 1, category);
    s->executeStep();
    return s->getColumn(0).getInt64();
}

}  // namespace incident_bot

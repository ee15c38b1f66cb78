// Incidents: declaring, status, severity, roles, summary and impact, channel and privacy.
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
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
constexpr const char* set_channel = "UPDATE incidents SET channel = ?2 WHERE id = ?1";
constexpr const char* set_private = "UPDATE incidents SET private = ?2 WHERE id = ?1";
}  // namespace sql

}  // namespace

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

}  // namespace incident_bot

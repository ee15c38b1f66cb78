// Nudges: what was sent, votes, kept examples and opt-outs.
#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* insert_nudge =
    "INSERT INTO nudges (user_id, category, rule_id, channel, created_at) VALUES (?, ?, ?, ?, ?)";
constexpr const char* count_nudges =
    "SELECT COUNT(*) FROM nudges WHERE (?1 IS NULL OR user_id = ?1) AND (?2 IS NULL OR "
    "category = ?2) AND (?3 IS NULL OR created_at >= ?3)";
constexpr const char* vote_nudge =
    "INSERT INTO nudge_votes (rule_id, helpful, not_helpful) VALUES (?1, ?2, 1 - ?2) "
    "ON CONFLICT (rule_id) DO UPDATE SET helpful = helpful + ?2, not_helpful = not_helpful + 1 "
    "- ?2";
constexpr const char* votes_for = "SELECT helpful, not_helpful FROM nudge_votes WHERE rule_id = ?";
constexpr const char* opt_out_nudges =
    "INSERT INTO nudge_opt_outs (user_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING";
constexpr const char* opt_in_nudges = "DELETE FROM nudge_opt_outs WHERE user_id = ?";
constexpr const char* nudges_opted_out = "SELECT 1 FROM nudge_opt_outs WHERE user_id = ?";
constexpr const char* count_channel_nudges =
    "SELECT COUNT(*) FROM nudges WHERE channel = ?1 AND created_at >= ?2 AND (?3 IS NULL OR "
    "created_at <= ?3)";
constexpr const char* count_rule_nudges = "SELECT COUNT(*) FROM nudges WHERE rule_id = ?";
constexpr const char* keep_nudge_example =
    "INSERT INTO nudge_examples (incident_id, ts, author, rule_id, category, helpful, text, "
    "created_at) SELECT t.incident_id, t.ts, t.user_id, ?3, ?4, ?5, t.text, ?6 FROM timeline t "
    "JOIN incidents i ON i.id = t.incident_id WHERE i.channel = ?1 AND t.ts = ?2 AND t.text IS "
    "NOT NULL ORDER BY t.incident_id DESC, t.slot LIMIT 1 ON CONFLICT (incident_id, ts) DO "
    "UPDATE SET rule_id = ?3, category = ?4, helpful = ?5, created_at = ?6";
constexpr const char* nudge_examples =
    "SELECT rule_id, category, helpful, text FROM nudge_examples ORDER BY created_at, ts";
}  // namespace sql

}  // namespace

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

std::int64_t store::count_rule_nudges(std::string_view rule_id) {
    use s(*impl_, sql::count_rule_nudges);
    s->bind(1, std::string(rule_id));
    s->executeStep();
    return s->getColumn(0).getInt64();
}

}  // namespace incident_bot

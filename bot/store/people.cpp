// People: the users cache (display names for drafts) and the names the nudges recognise.
#include <algorithm>

#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
constexpr const char* get_user =
    "SELECT id, display_name, is_bot, fetched_at FROM users WHERE id = ?";
constexpr const char* put_user =
    "INSERT INTO users (id, display_name, is_bot, fetched_at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, "
    "is_bot = excluded.is_bot, fetched_at = excluded.fetched_at";
constexpr const char* remember_person =
    "INSERT INTO people (user_id, names, fetched_at) VALUES (?1, ?2, ?3) ON CONFLICT (user_id) "
    "DO UPDATE SET names = ?2, fetched_at = ?3";
constexpr const char* people = "SELECT user_id, names, fetched_at FROM people ORDER BY user_id";
}  // namespace sql

}  // namespace

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

}  // namespace incident_bot

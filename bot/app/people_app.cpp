#include "incident_bot/app/people_app.hpp"

#include <vector>

#include "incident_bot/rules/people.hpp"

namespace incident_bot {
namespace {

constexpr auto failed_retry_after = std::chrono::hours(1);

}  // namespace

people_app::people_app(dispatcher& routes,
                       store_executor& executor,
                       web_api& api,
                       blame_detector& detector,
                       const logger& log,
                       std::chrono::seconds refresh_after)
    : executor_(executor),
      api_(api),
      detector_(detector),
      log_(log),
      refresh_after_(refresh_after) {
    executor_.post([this](store& s) {
        auto people = s.people();
        std::lock_guard lock(mutex_);
        for (auto& p : people) known_.try_emplace(p.user, std::move(p));
        publish();
    });
    routes.on_event("message", [this](const envelope_ptr& env, const ack_handle&) {
        on_message(*env);
    });
}

// On the network thread: one users.info call per person not known (or known too long ago)
// and not already being asked about.
void people_app::on_message(const envelope& env) {
    const json_view event = env.payload.root()["event"];
    if (!event.is_object()) return;
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    std::vector<std::string> ask;
    {
        std::lock_guard lock(mutex_);
        if (refused_) return;
        for (auto& user : people_in_message(event)) {
            const auto k = known_.find(user);
            if (k != known_.end() && now - k->second.fetched_at < refresh_after_) continue;
            const auto failed = retry_at_.find(user);
            if (failed != retry_at_.end() && now < failed->second) continue;
            if (asking_.insert(user).second) ask.push_back(std::move(user));
        }
    }
    for (const auto& user : ask)
        api_.call("users.info", {{"user", user}}, [this, user](const api_result& r) {
            learned(user, r);
        });
}

void people_app::learned(const std::string& user, const api_result& r) {
    std::lock_guard lock(mutex_);
    asking_.erase(user);
    if (!r.ok) {
        if (r.error == "missing_scope" || r.error == "not_allowed_token_type") {
            if (!refused_)
                log_.warn("people",
                          "users.info: " + r.error +
                              "; add the users:read scope so nudges recognise people by name");
            refused_ = true;
        } else {
            // A deleted user or a rate limit: not again on their every message.
            log_.debug("people", "users.info " + user + ": " + r.error);
            retry_at_[user] = std::chrono::floor<std::chrono::seconds>(
                std::chrono::system_clock::now() + failed_retry_after);
        }
        return;
    }
    retry_at_.erase(user);
    person_names p{user,
                   profile_names(r.body),
                   std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())};
    executor_.post([p](store& s) { s.remember_person(p); });
    known_[user] = std::move(p);
    publish();
}

void people_app::publish() {
    std::vector<std::string> names;
    for (const auto& [user, p] : known_) names.insert(names.end(), p.names.begin(), p.names.end());
    detector_.set_names(name_set::from_names(names));
}

}  // namespace incident_bot

// Learning the workspace's people by name: the authors and mentioned users of messages are
// looked up once (users.info, needs the users:read scope), kept in the store with an expiry,
// and handed to the blameless-language detector, so that "this is on marta" reads like a
// sentence about a person.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/rules/detector.hpp"
#include "incident_bot/slack/web_api.hpp"
#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

/// A `message` observer beside the timeline's and the nudges'. Everything passed in must
/// outlive this object and the dispatcher's use of its listener.
class people_app {
public:
    /// Loads the stored names (on the store's thread) and listens for `message` events.
    /// Names older than `refresh_after` are looked up again when their person speaks.
    people_app(dispatcher& routes,
               store_executor& executor,
               web_api& api,
               blame_detector& detector,
               const logger& log,
               std::chrono::seconds refresh_after = std::chrono::hours(24 * 7));
    people_app(const people_app&) = delete;
    people_app& operator=(const people_app&) = delete;

private:
    void on_message(const envelope& env);
    void learned(const std::string& user, const api_result& r);
    // Rebuilds the detector's names from `known_`; called with `mutex_` held.
    void publish();

    store_executor& executor_;
    web_api& api_;
    blame_detector& detector_;
    const logger& log_;
    const std::chrono::seconds refresh_after_;
    std::mutex mutex_;
    std::map<std::string, person_names> known_;
    std::set<std::string> asking_;
    // People whose lookup failed, and when to try again.
    std::map<std::string, unix_time> retry_at_;
    // Set when Slack refuses users.info (no users:read scope): the bot stops asking.
    bool refused_ = false;
};

}  // namespace incident_bot

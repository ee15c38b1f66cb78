// Reminders during incidents (no commander, no severity, stale status, idle) and the daily
// action-item digest. The decisions are pure functions of store rows, config and time; the
// app only runs `check_reminders` periodically on the store's thread and sends the calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/config.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// The reminders a channel can get.
enum class reminder_kind {
    no_commander,  ///< nobody holds the commander role
    no_severity,   ///< nobody chose a severity
    stale_status,  ///< sev1/sev2 without a status update for a while
    still_open     ///< nothing happened for a long time
};

/// What the reminder check knows about one open incident.
struct incident_watch {
    /// The incident row.
    incident inc;
    /// Someone chose a severity (at declare or with `severity`).
    bool severity_chosen = false;
    /// Latest status change or status update text; absent when none yet.
    std::optional<unix_time> last_status_update;
    /// Latest timeline entry of any kind (the declaration when empty).
    unix_time last_activity{};
};

/// A reminder to post into an incident channel.
struct reminder {
    /// Incident and channel it is about.
    std::int64_t incident_id = 0;
    std::string channel;
    /// Which reminder.
    reminder_kind kind = reminder_kind::no_commander;
    /// The message (mrkdwn).
    std::string text;
};

/// When each reminder was last sent, by incident and kind.
using reminder_log = std::map<std::pair<std::int64_t, reminder_kind>, unix_time>;

/// Reminder bookkeeping kept between checks (on the store's thread only).
struct reminder_state {
    /// Reminders sent so far.
    reminder_log sent;
    /// When the digest last ran; absent: never (it then runs at the next digest time today).
    std::optional<unix_time> last_digest;
};

/// Reads what the reminder rules need about an open incident.
incident_watch watch_incident(store& s, const incident& i);

/// The reminders due now. Each kind repeats at most once per its interval; a zero interval
/// turns it off; incidents still waiting for their channel are skipped.
std::vector<reminder> due_reminders(const std::vector<incident_watch>& incidents,
                                    const reminder_log& sent,
                                    const commands_config& cfg,
                                    unix_time now);

/// True when the daily digest time of today has passed and the digest has not run since.
bool digest_due(std::chrono::minutes digest_time, std::optional<unix_time> last_run, unix_time now);

/// The digest of open and overdue action items for `cfg.digest_channel` (none when the
/// channel is unset or nothing is open), plus a direct message to each owner of an item due
/// `today`.
std::vector<api_call> digest_calls(store& s,
                                   const commands_config& cfg,
                                   std::chrono::sys_days today);

/// One periodic check: the due reminders and, when due, the digest. Updates `state` as if
/// every returned call were sent.
std::vector<api_call> check_reminders(store& s,
                                      const commands_config& cfg,
                                      reminder_state& state,
                                      unix_time now);

}  // namespace incident_bot

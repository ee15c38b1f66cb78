// Crash points for the crash tests (issue 16). In a build with INCIDENT_BOT_FAILPOINTS (the
// test preset), INCIDENT_BOT_FAILPOINT=NAME[:N] in the environment makes the process kill
// itself with SIGKILL the Nth time (default: the first) it reaches the point NAME, so a test
// can stop it at an exact step of the ingest path. In other builds a failpoint is nothing.
#pragma once

#include <string_view>

namespace incident_bot {

/// The named points, in the order an event passes them.
namespace failpoints {
inline constexpr std::string_view batch_begun = "ingest.begin";      ///< after BEGIN
inline constexpr std::string_view event_applied = "ingest.applied";  ///< an event's rows written
inline constexpr std::string_view batch_committed = "ingest.commit"; ///< after COMMIT
inline constexpr std::string_view ack_sending = "ack.send";          ///< stored, ack not yet sent
}  // namespace failpoints

#ifdef INCIDENT_BOT_FAILPOINTS
void failpoint(std::string_view name);
#else
inline void failpoint(std::string_view) {}
#endif

}  // namespace incident_bot

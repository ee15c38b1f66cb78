// Plain data for what arrives over Socket Mode.
#pragma once

#include <string>

#include "incident_bot/json_document.hpp"

namespace incident_bot {

/// One Socket Mode envelope that needs an ack (events_api, slash_commands, interactive).
struct envelope {
    /// "events_api", "slash_commands" or "interactive".
    std::string type;
    /// Echoed back in the ack.
    std::string envelope_id;
    /// The body Slack would POST in HTTP mode: Events API callback, command fields, or an
    /// interaction. May be any JSON value; treat non-objects as opaque. Read it in place
    /// (`payload.root()`) on paths every event takes; `payload.tree()` builds a tree.
    json_document payload;
    /// Whether a payload in the ack is used (slash commands, view submissions).
    bool accepts_response_payload = false;
    /// events_api only: 0 on first delivery, 1..3 on redeliveries.
    int retry_attempt = 0;
    /// events_api only: "" or "timeout".
    std::string retry_reason;
    /// Which of the client's connections delivered it (0-based), for logs and tests.
    int connection = 0;
    /// Size in bytes of the frame that carried it: what queues holding it count.
    std::size_t frame_bytes = 0;

    /// The Events API `event_id`, or "" when absent.
    std::string event_id() const;
};

}  // namespace incident_bot

// Socket Mode frame parsing and ack building, kept apart from I/O so it can be tested and
// fuzzed on its own (Slack docs, "Using Socket Mode": envelopes and acknowledgements).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "incident_bot/protocol/envelope.hpp"

namespace incident_bot {

/// `hello`: the connection is up.
struct hello_frame {
    int num_connections = 0;
    /// Seconds until Slack plans to refresh this socket (0 when absent).
    long long approximate_connection_time = 0;
};

/// `disconnect` with its reason (warning, refresh_requested, link_disabled,
/// too_many_websockets, or anything newer).
struct disconnect_frame {
    std::string reason;
};

/// A frame we cannot use; `why` says why (for the log), `envelope_id` is set when one could
/// still be read so the frame can be acked and not redelivered forever.
struct bad_frame {
    std::string why;
    std::string envelope_id;
};

using frame = std::variant<hello_frame, disconnect_frame, envelope, bad_frame>;

/// Parses one text frame. Never throws: anything unusable becomes a bad_frame.
frame parse_frame(std::string_view text);

/// Largest ack Slack acts on; bigger ones are accepted on the socket but ignored
/// (slack-go#1196), so we refuse to send them.
inline constexpr std::size_t max_ack_bytes = 20 * 1024 - 1;

/// Serialises an ack. `payload` must be an object or null (no payload); a payload that would
/// push the ack over max_ack_bytes is dropped and `dropped_payload` is set.
std::string make_ack(const std::string& envelope_id,
                     const nlohmann::json& payload,
                     bool* dropped_payload = nullptr);

}  // namespace incident_bot

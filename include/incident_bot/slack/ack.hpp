// Acknowledging one Socket Mode envelope, apart from the transport that carries the ack, so
// listeners and their tests need no socket.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

namespace incident_bot {

/// Where an envelope's ack goes. The Socket Mode client implements it; tests record.
class ack_sink {
public:
    virtual ~ack_sink() = default;
    /// Acks, with `payload` (a JSON object) or none (null).
    virtual void ack(nlohmann::json payload) = 0;
    /// Does not ack, so that Slack redelivers the envelope.
    virtual void reject() = 0;
};

/// Acknowledges one envelope. Copyable and thread-safe; the first call wins, later ones are
/// logged no-ops. The ack policy depends on the envelope type:
/// - `events_api`: acked only by the handler, once the event is stored. Never on a timer:
///   Slack redelivers an event that is not acked within 3 s, so a slow store loses nothing.
/// - `slash_commands` and `interactive`: Slack never retries these, so when the handler has
///   not answered within `ack_deadline` the client acks empty, and a later `ack(payload)`
///   goes to the envelope's `response_url` instead (logged when there is none, e.g. for a
///   view submission).
class ack_handle {
public:
    explicit ack_handle(std::shared_ptr<ack_sink> sink) : sink_(std::move(sink)) {}

    /// Acks with no payload.
    void operator()() const { sink_->ack(nullptr); }
    /// Acks with `payload` (a JSON object, e.g. a slash-command reply). Payloads that would
    /// make the ack exceed Slack's ~20 KB are dropped with an error log. After the deadline's
    /// empty ack, a payload is posted to the envelope's `response_url`.
    void ack(nlohmann::json payload) const { sink_->ack(std::move(payload)); }
    /// Does not ack, and forgets the event id so that Slack's redelivery is handled again
    /// (for events the bot could not store, e.g. a full store queue).
    void reject() const { sink_->reject(); }

private:
    std::shared_ptr<ack_sink> sink_;
};

}  // namespace incident_bot

// Routes Socket Mode envelopes to listeners, Bolt-style: events by event type, slash commands
// by command name, interactions by payload type. Envelopes nobody listens to are acked empty.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "incident_bot/log.hpp"
#include "incident_bot/slack/socket_mode.hpp"

namespace incident_bot {

class dispatcher {
public:
    /// A listener gets the envelope and must ack (or reject) it, now or from another thread.
    using listener = std::function<void(const envelope& env, const ack_handle& ack)>;

    explicit dispatcher(const logger& log) : log_(log) {}

    /// Events API events by `event.type` ("message", "reaction_added", ...).
    void on_event(const std::string& type, listener l) { events_[type] = std::move(l); }
    /// Slash commands by name ("/incident").
    void on_command(const std::string& command, listener l) { commands_[command] = std::move(l); }
    /// Interactions by payload type ("block_actions", "view_submission", ...).
    void on_interaction(const std::string& type, listener l) { interactions_[type] = std::move(l); }

    /// The socket_mode_client handler.
    void operator()(const envelope& env, const ack_handle& ack) const;

private:
    const logger& log_;
    std::map<std::string, listener> events_;
    std::map<std::string, listener> commands_;
    std::map<std::string, listener> interactions_;
};

}  // namespace incident_bot

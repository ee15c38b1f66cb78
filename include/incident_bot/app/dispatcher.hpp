// Routes Socket Mode envelopes, Bolt-style: global middleware first (in the order added),
// then every listener registered for the envelope's key, in order: events by event type,
// slash commands by command name, buttons by the kind of action, other interactions by
// payload type. A listener that throws goes to the one error handler. An envelope no
// listener is registered for is acked empty.
#pragma once

#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/log.hpp"
#include "incident_bot/slack/ack.hpp"
#include "incident_bot/protocol/envelope.hpp"

namespace incident_bot {

/// An envelope shared by the listeners that keep it (no copies of its payload).
using envelope_ptr = std::shared_ptr<const envelope>;

class dispatcher {
public:
    /// Gets the envelope. Each envelope is acked once: by the listener that owns the answer
    /// (the timeline, once the event is stored; the command, with its reply), now or later
    /// from another thread. Listeners that only observe (the nudges) never ack.
    using listener = std::function<void(const envelope_ptr& env, const ack_handle& ack)>;
    /// Runs before routing; calls `next()` to continue, or acks (or not) and stops.
    using middleware = std::function<
        void(const envelope_ptr& env, const ack_handle& ack, const std::function<void()>& next)>;
    /// Gets what a listener or middleware threw.
    using error_handler =
        std::function<void(const envelope& env, const ack_handle& ack, std::exception_ptr e)>;

    /// The default error handler logs the failure; it then acks commands and interactions
    /// (Slack never retries them) and rejects events, so Slack redelivers them.
    explicit dispatcher(const logger& log);

    /// Adds global middleware, run for every envelope in the order added.
    void use(middleware m) { middleware_.push_back(std::move(m)); }
    /// Events API events by `event.type` ("message", "reaction_added", ...).
    void on_event(const std::string& type, listener l) { events_[type].push_back(std::move(l)); }
    /// Slash commands by name ("/incident").
    void on_command(const std::string& command, listener l) {
        commands_[command].push_back(std::move(l));
    }
    /// Interactions other than block actions, by payload type ("view_submission", ...).
    /// Throws std::invalid_argument for "block_actions": those are routed by on_action.
    void on_interaction(const std::string& type, listener l);
    /// Block actions (buttons, menus) by the kind of the clicked action: its action_id up to
    /// the first ':' ("action_item_done:12" is an "action_item_done"), so each app owns its
    /// own buttons and none has to know the others'.
    void on_action(std::string_view kind, listener l) {
        actions_[std::string(kind)].push_back(std::move(l));
    }
    /// Block actions of a kind no app registered (a button on an old message): one answer.
    void on_unknown_action(listener l) { unknown_action_ = std::move(l); }
    /// Replaces the error handler.
    void on_error(error_handler h) { on_error_ = std::move(h); }

    /// The socket_mode_client handler.
    void operator()(envelope env, const ack_handle& ack) const;

private:
    using table = std::map<std::string, std::vector<listener>, std::less<>>;

    void run_middleware(std::size_t i, const envelope_ptr& env, const ack_handle& ack) const;
    void route(const envelope_ptr& env, const ack_handle& ack) const;
    void call(const listener& l, const envelope_ptr& env, const ack_handle& ack) const;

    const logger& log_;
    std::vector<middleware> middleware_;
    table events_;
    table commands_;
    table interactions_;
    table actions_;
    listener unknown_action_;
    error_handler on_error_;
};

/// Middleware that counts and logs (at debug, ids only) every envelope it passes on.
dispatcher::middleware log_envelopes(const logger& log);

}  // namespace incident_bot

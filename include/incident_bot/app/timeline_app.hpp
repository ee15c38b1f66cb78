// Timeline capture wiring: Events API envelopes go to the store's writer thread and are acked
// only after their batch is committed (or rejected, so Slack redelivers, when it failed or
// the queue is full). Observers see each newly stored or skipped message after the commit.
#pragma once

#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/store/ingest.hpp"

namespace incident_bot {

/// Called on the store's writer thread, after the commit, for every `message` event that
/// was not a duplicate. `watched` is true when the channel has an open incident.
using message_observer =
    std::function<void(const nlohmann::json& event, bool watched, store& s)>;

class timeline_app {
public:
    /// Registers listeners for the captured event types on `routes`. `queue` and `db` (the
    /// store the queue writes, used by observers on its thread) must outlive it.
    timeline_app(dispatcher& routes, ingest_queue& queue, store& db, const logger& log);

    /// Adds an observer of stored messages (the nudges). Call before the bot runs.
    void observe_messages(message_observer o) { observers_.push_back(std::move(o)); }

private:
    void on_envelope(const envelope& env, const ack_handle& ack, bool is_message);

    ingest_queue& queue_;
    store& store_;
    const logger& log_;
    std::vector<message_observer> observers_;
};

}  // namespace incident_bot

// Timeline capture wiring: Events API envelopes go to the store's writer thread and are acked
// only after their batch is committed (or rejected, so Slack redelivers, when it failed or
// the executor is full). The envelope's payload is shared with the writer, never copied.
#pragma once

#include <functional>

#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/store/store_executor.hpp"

namespace incident_bot {

class timeline_app {
public:
    /// Registers listeners for the captured event types on `routes`; `executor` must outlive
    /// it.
    timeline_app(dispatcher& routes, store_executor& executor, const logger& log);

    /// Told, on the writer thread after the commit, of each message newly marked as
    /// diagnosis. Set before the bot runs.
    void on_diagnosis(std::function<void(const diagnosis_mark&)> listener);

private:
    void on_envelope(const envelope_ptr& env, const ack_handle& ack);

    store_executor& executor_;
    const logger& log_;
    std::function<void(const diagnosis_mark&)> diagnosis_listener_;
};

}  // namespace incident_bot

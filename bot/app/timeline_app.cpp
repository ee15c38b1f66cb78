#include "incident_bot/app/timeline_app.hpp"

namespace incident_bot {

namespace {

// The event types timeline_ingest records (slack-protocol.md section 8).
constexpr const char* captured_events[] = {
    "reaction_added", "reaction_removed", "pin_added", "pin_removed", "member_joined_channel"};

}  // namespace

timeline_app::timeline_app(dispatcher& routes, ingest_queue& queue, store& db, const logger& log)
    : queue_(queue), store_(db), log_(log) {
    routes.on_event("message", [this](const envelope& e, const ack_handle& a) {
        on_envelope(e, a, true);
    });
    for (const char* type : captured_events)
        routes.on_event(type, [this](const envelope& e, const ack_handle& a) {
            on_envelope(e, a, false);
        });
}

void timeline_app::on_envelope(const envelope& env, const ack_handle& ack, bool is_message) {
    nlohmann::json callback = env.payload;
    nlohmann::json event;
    if (is_message && !observers_.empty() && callback.is_object() && callback.contains("event"))
        event = callback["event"];
    auto done = [this, ack, event = std::move(event)](const ingest_result& r) {
        // Runs on the writer thread after the commit: only now is the event durable.
        if (r.status == ingest_status::failed) {
            ack.reject();
            return;
        }
        ack();
        if (event.is_null() || r.status == ingest_status::duplicate) return;
        for (const auto& observe : observers_) {
            try {
                observe(event, r.status == ingest_status::stored, store_);
            } catch (const std::exception& e) {
                log_.error("timeline", std::string("message observer failed: ") + e.what());
            }
        }
    };
    if (!queue_.try_push(std::move(callback), std::move(done))) {
        log_.warn("timeline", "ingest queue full; " + env.envelope_id + " left for redelivery");
        ack.reject();
    }
}

}  // namespace incident_bot

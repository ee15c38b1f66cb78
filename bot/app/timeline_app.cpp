#include "incident_bot/app/timeline_app.hpp"

namespace incident_bot {

namespace {

// The Events API types timeline_ingest records (the bot_events of deploy/slack-app-manifest.yaml).
constexpr const char* captured_events[] = {"message",
                                           "reaction_added",
                                           "reaction_removed",
                                           "pin_added",
                                           "pin_removed",
                                           "member_joined_channel"};

}  // namespace

timeline_app::timeline_app(dispatcher& routes, store_executor& executor, const logger& log)
    : executor_(executor), log_(log) {
    for (const char* type : captured_events)
        routes.on_event(type, [this](const envelope_ptr& e, const ack_handle& a) {
            on_envelope(e, a);
        });
}

void timeline_app::on_diagnosis(std::function<void(const diagnosis_mark&)> listener) {
    diagnosis_listener_ = std::move(listener);
}

void timeline_app::on_envelope(const envelope_ptr& env, const ack_handle& ack) {
    // Points into the shared envelope: the writer reads the payload the socket parsed.
    store_executor::callback_ptr callback(env, &env->payload);
    auto done = [this, ack](const ingest_result& r) {
        // Runs on the writer thread after the commit: only now is the event durable.
        if (r.status == ingest_status::failed) ack.reject();
        else ack();
        if (r.diagnosis && diagnosis_listener_) diagnosis_listener_(*r.diagnosis);
    };
    if (!executor_.try_push(std::move(callback), std::move(done), env->frame_bytes)) {
        log_.warn("timeline", "store queue full; " + env->envelope_id + " left for redelivery");
        ack.reject();
    }
}

}  // namespace incident_bot

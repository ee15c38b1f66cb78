// Timeline capture: Events API callbacks in, timeline rows out. `timeline_ingest` applies one
// callback to a store; `store_executor` runs it on the store's writer thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "incident_bot/json_document.hpp"

#include "incident_bot/log.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// Which reactions mark timeline entries, and how permalinks are built.
struct capture_config {
    /// Reaction (emoji name without colons) that marks a key event for the post-mortem.
    std::string key_reaction = "pushpin";
    /// Reactions that tag the moment of detection, diagnosis and repair.
    std::map<std::string, incident_stage, std::less<>> stage_reactions = {
        {"mag", incident_stage::detection},
        {"bulb", incident_stage::diagnosis},
        {"white_check_mark", incident_stage::repair}};
    /// Workspace URL for permalinks, without trailing slash ("https://acme.slack.com").
    /// Slack's generic host forwards to the reader's signed-in workspace.
    std::string workspace_url = "https://slack.com";

    /// What a reaction means; a skin-tone suffix ("+1::skin-tone-2") is ignored.
    reaction_mark mark_for(std::string_view reaction) const;
    /// Link to a message, with the thread parameters for replies.
    std::string permalink(std::string_view channel,
                          std::string_view ts,
                          const std::optional<std::string>& thread_ts) const;
};

/// What happened to one callback.
enum class ingest_status {
    stored,     ///< written (or applied as an edit, deletion, pin or mark)
    duplicate,  ///< its event_id was processed before (a Slack redelivery)
    skipped,    ///< nothing to record: unwatched channel, other event type, malformed
    failed      ///< the write failed; do not ack, so Slack redelivers
};

/// A message that just got its first diagnosis reaction: what the "possibly related" thread
/// reply needs.
struct diagnosis_mark {
    std::int64_t incident_id = 0;
    std::string channel;
    /// The message, and its thread's parent when it is a reply.
    std::string ts;
    std::optional<std::string> thread_ts;
    std::string text;
};

/// Outcome of one callback; `reason` says why for skipped and failed ones.
struct ingest_result {
    /// What happened.
    ingest_status status = ingest_status::skipped;
    /// Plain-language reason ("channel C1 has no open incident"); empty when stored.
    std::string reason;
    /// Set when the callback newly marked a message with text as diagnosis (never for a
    /// redelivery: that is a duplicate).
    std::optional<diagnosis_mark> diagnosis = {};
};

/// Applies Events API callbacks (the `payload` of an `events_api` envelope) to the store.
/// Only channels with an open incident are recorded. Never throws for bad input: malformed
/// callbacks come back as `skipped` with a reason. Not thread-safe; one per store thread.
class timeline_ingest {
public:
    timeline_ingest(store& s, capture_config config, const logger& log);

    /// Dedupes on `event_id` and applies the event, both in one transaction (a savepoint
    /// when the caller has one open). SQLite errors come back as `failed`.
    ingest_result apply(const json_document& callback);

    /// Starts a batch: until `end_batch`, each channel's open incident is looked up once and
    /// then remembered. Only for callers that hold the write transaction around the whole
    /// batch (`store_executor`): no event opens, closes or moves an incident, and no other
    /// connection can commit while the transaction is open.
    void begin_batch();
    /// Ends the batch; lookups go to the store again.
    void end_batch();

private:
    ingest_result apply_event(json_view callback, json_view event);
    ingest_result on_message(json_view event);
    ingest_result on_changed(json_view event, std::int64_t incident_id);
    ingest_result on_deleted(json_view event, std::int64_t incident_id);
    ingest_result on_pin(json_view event, bool added);
    ingest_result on_reaction(json_view event, bool added);
    // member_joined_channel has no ts of its own: `event_ts` is when it happened.
    ingest_result on_member_joined(json_view event, const std::string& event_ts);
    std::optional<std::int64_t> watched(const std::string& channel);

    store& store_;
    capture_config config_;
    const logger& log_;
    // Open incident per channel within a batch; absent outside one.
    std::optional<std::map<std::string, std::optional<std::int64_t>, std::less<>>> incidents_;
};

}  // namespace incident_bot

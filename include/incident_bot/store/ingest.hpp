// Timeline capture: Events API callbacks in, timeline rows out. `timeline_ingest` applies one
// callback to a store; `ingest_queue` runs it on a dedicated thread with group commit and
// reports each event only after its batch is durable, so the Socket Mode ack can wait for it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>

#include <nlohmann/json.hpp>

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

/// Outcome of one callback; `reason` says why for skipped and failed ones.
struct ingest_result {
    /// What happened.
    ingest_status status = ingest_status::skipped;
    /// Plain-language reason ("channel C1 has no open incident"); empty when stored.
    std::string reason;
};

/// Applies Events API callbacks (the `payload` of an `events_api` envelope) to the store.
/// Only channels with an open incident are recorded. Never throws for bad input: malformed
/// callbacks come back as `skipped` with a reason. Not thread-safe; one per store thread.
class timeline_ingest {
public:
    timeline_ingest(store& s, capture_config config, const logger& log);

    /// Dedupes on `event_id` and applies the event, both in one transaction (a savepoint
    /// when the caller has one open). SQLite errors come back as `failed`.
    ingest_result apply(const nlohmann::json& callback);

    /// Starts a batch: until `end_batch`, each channel's open incident is looked up once and
    /// then remembered. Only for callers that hold the write transaction around the whole
    /// batch (`ingest_queue`): no event opens, closes or moves an incident, and no other
    /// connection can commit while the transaction is open.
    void begin_batch();
    /// Ends the batch; lookups go to the store again.
    void end_batch();

private:
    ingest_result apply_event(const nlohmann::json& callback, const nlohmann::json& event);
    ingest_result on_message(const nlohmann::json& event);
    ingest_result on_changed(const nlohmann::json& event, std::int64_t incident_id);
    ingest_result on_deleted(const nlohmann::json& event, std::int64_t incident_id);
    ingest_result on_pin(const nlohmann::json& event, bool added);
    ingest_result on_reaction(const nlohmann::json& event, bool added);
    ingest_result on_member_joined(const nlohmann::json& event);
    std::optional<std::int64_t> watched(const std::string& channel);

    store& store_;
    capture_config config_;
    const logger& log_;
    // Open incident per channel within a batch; absent outside one.
    std::optional<std::map<std::string, std::optional<std::int64_t>, std::less<>>> incidents_;
};

/// Tuning for `ingest_queue`.
struct ingest_queue_config {
    /// Events waiting at most; beyond it `try_push` refuses (see there).
    std::size_t max_pending = 10'000;
    /// Events committed together at most.
    std::size_t max_batch = 1'000;
    /// How long the writer waits for more events after the first of a batch (0: commit
    /// whatever is queued at once). Longer waits mean bigger batches and later acks.
    std::chrono::microseconds linger{0};
};

/// The store's single writer thread. Events are applied in arrival order and group-committed:
/// one transaction per batch, then each event's completion runs (on this thread) with its
/// result. A completion thus never reports `stored` for an uncommitted event; when the
/// commit fails, every event of the batch reports `failed`. The Socket Mode transport acks
/// from the completion (posting to its own executor) unless the status is `failed`.
///
/// Crash safety: the event_id is recorded in the same transaction as the event's rows, so a
/// kill -9 after commit but before the ack leads to a redelivery that is found `duplicate`.
class ingest_queue {
public:
    /// Runs once per event with its result, on the writer thread, after the commit.
    using completion = std::function<void(const ingest_result&)>;
    /// Work to run on the writer thread in its own transaction scope, between batches.
    using job = std::function<void(store&)>;

    /// Starts the writer thread. `s` and `log` must outlive the queue, and nothing else may
    /// use `s` meanwhile (submit work with `post`).
    ingest_queue(store& s, capture_config capture, ingest_queue_config config, const logger& log);
    /// Drains what is queued, then stops the thread.
    ~ingest_queue();
    ingest_queue(const ingest_queue&) = delete;
    ingest_queue& operator=(const ingest_queue&) = delete;

    /// Queues one callback, taking both arguments. Returns false, leaving them untouched and
    /// never calling `done`, when `max_pending` events are waiting or the queue is stopping:
    /// the caller must then not ack, so Slack redelivers later (back-pressure instead of
    /// unbounded memory).
    bool try_push(nlohmann::json&& callback, completion&& done);
    /// Queues work for the writer thread, ordered with the events (not bounded: for commands,
    /// not for event streams). Exceptions are logged. False when stopping.
    bool post(job work);
    /// Events queued and not yet committed.
    std::size_t pending() const;
    /// Finishes queued work and joins the thread; later pushes are refused. Idempotent.
    void stop();

private:
    struct event_item {
        nlohmann::json callback;
        completion done;
    };
    using item = std::variant<event_item, job>;

    void run();
    void commit_batch(std::deque<item>& batch);

    store& store_;
    timeline_ingest ingest_;
    ingest_queue_config config_;
    const logger& log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<item> queue_;
    std::size_t queued_events_ = 0;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace incident_bot

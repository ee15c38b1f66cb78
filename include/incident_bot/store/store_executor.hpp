// The store's single executor: one writer thread that owns the store. Events are
// group-committed (one transaction, one fsync per batch) and each reports its result only
// once its batch is durable, so the Socket Mode ack can wait for it; other work runs on the
// same thread between batches, in order with the events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "incident_bot/config.hpp"
#include "incident_bot/log.hpp"
#include "incident_bot/store/ingest.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// Events are applied in arrival order and group-committed: a batch opens with the first
/// event, lingers up to `store_config::commit_linger` (or until `max_batch` events wait),
/// then commits once; only then does each event's completion run (on the writer thread) with
/// its result. A completion thus never reports `stored` for an uncommitted event; when the
/// commit fails, every event of the batch reports `failed`. Under a steady stream the
/// writer does not wait to be woken: after each commit it waits one linger, then commits
/// what came in the meantime.
///
/// Search indexing is kept off the commit path: between batches the writer indexes up to
/// `store_config::index_step` new entries once that many were committed or a second has
/// passed (a search catches up on the rest itself, so results are never stale).
///
/// Crash safety: the event_id is recorded in the same transaction as the event's rows, so a
/// kill -9 after commit but before the ack leads to a redelivery that is found `duplicate`.
class store_executor {
public:
    /// Runs once per event with its result, on the writer thread, after the commit.
    using completion = std::function<void(const ingest_result&)>;
    /// Work to run on the writer thread in its own transaction scope, between batches.
    using job = std::function<void(store&)>;
    /// An Events API callback, shared with whoever received it (no copy on the way here).
    using callback_ptr = std::shared_ptr<const json_document>;

    /// Starts the writer thread. `s` and `log` must outlive the executor, and nothing else may
    /// use `s` meanwhile (submit work with `post`).
    store_executor(store& s, capture_config capture, store_config config, const logger& log);
    /// Drains what is queued, then stops the thread.
    ~store_executor();
    store_executor(const store_executor&) = delete;
    store_executor& operator=(const store_executor&) = delete;

    /// Queues one callback, taking both arguments; `bytes` is the size of the frame that
    /// carried it, which the queue counts against `max_pending_bytes`. Returns false,
    /// leaving the arguments untouched and never calling `done`, when `max_pending` events
    /// or `max_pending_bytes` are waiting or the executor is stopping: the caller must then
    /// not ack, so Slack redelivers later (back-pressure instead of unbounded memory).
    bool try_push(callback_ptr&& callback, completion&& done, std::size_t bytes = 0);
    /// Queues work for the writer thread, ordered with the events (not bounded: for commands,
    /// not for event streams). Exceptions are logged. False when stopping.
    bool post(job work);
    /// Events queued and not yet committed.
    std::size_t pending() const;
    /// Finishes queued work and joins the thread; later pushes are refused. Idempotent.
    void stop();

private:
    struct event_item {
        callback_ptr callback;
        completion done;
        std::chrono::steady_clock::time_point queued_at;
        std::size_t bytes = 0;
    };
    using item = std::variant<event_item, job>;

    void run();
    // Takes the next batch; with `linger`, first holds it open for more events (see
    // store_config::commit_linger).
    void take_batch(std::unique_lock<std::mutex>& lock, std::deque<item>& batch, bool linger);
    void commit_batch(std::deque<item>& batch);
    void index_if_due();
    // Wakes the writer only when it waits for a notification: on the first item while it is
    // idle, and when a lingering batch fills up. Called with the lock held.
    bool needs_wake() const;

    store& store_;
    timeline_ingest ingest_;
    store_config config_;
    const logger& log_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<item> queue_;
    std::size_t queued_events_ = 0;
    std::size_t queued_bytes_ = 0;
    bool stopping_ = false;
    // The writer waits for a first item with nothing to wake it but a notification (after a
    // commit it waits one linger on its own, see run()).
    bool idle_ = false;
    // Writer thread only: events committed since the last indexing step, and its time.
    std::size_t unindexed_ = 0;
    std::chrono::steady_clock::time_point last_index_ = std::chrono::steady_clock::now();
    std::thread thread_;
};

}  // namespace incident_bot

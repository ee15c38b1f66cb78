#include "incident_bot/store/store_executor.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "incident_bot/failpoint.hpp"

namespace incident_bot {

using steady = std::chrono::steady_clock;

store_executor::store_executor(store& s,
                               capture_config capture,
                               store_config config,
                               const logger& log)
    : store_(s), ingest_(s, std::move(capture), log), config_(config), log_(log) {
    if (config_.max_batch == 0) config_.max_batch = 1;
    thread_ = std::thread([this] { run(); });
}

store_executor::~store_executor() { stop(); }

bool store_executor::needs_wake() const {
    return (idle_ && queue_.size() == 1) || queued_events_ == config_.max_batch;
}

bool store_executor::try_push(callback_ptr&& callback, completion&& done, std::size_t bytes) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || queued_events_ >= config_.max_pending) return false;
        // A lone event is always taken, or a frame bigger than the bound would be
        // redelivered forever.
        if (queued_events_ > 0 && queued_bytes_ + bytes > config_.max_pending_bytes) return false;
        queue_.emplace_back(event_item{std::move(callback), std::move(done), steady::now(), bytes});
        ++queued_events_;
        queued_bytes_ += bytes;
        wake = needs_wake();
    }
    if (wake) wake_.notify_one();
    return true;
}

bool store_executor::post(job work) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        queue_.emplace_back(std::move(work));
        wake = needs_wake();
    }
    if (wake) wake_.notify_one();
    return true;
}

std::size_t store_executor::pending() const {
    std::lock_guard lock(mutex_);
    return queued_events_;
}

void store_executor::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void store_executor::run() {
    bool just_committed = false;
    for (;;) {
        std::deque<item> batch;
        {
            std::unique_lock lock(mutex_);
            bool linger = true;
            if (just_committed && config_.commit_linger.count() > 0 && queue_.empty()) {
                // Events come in streams: the next ones are likely on their way. Waiting one
                // linger for them without being woken, then committing what came, saves the
                // wake-up per batch that a notification costs; what came waited a linger at
                // most. (Events that came during the commit keep their own window.)
                wake_.wait_for(lock, config_.commit_linger, [this] {
                    return stopping_ || queued_events_ >= config_.max_batch;
                });
                linger = false;
            }
            if (queue_.empty()) {
                idle_ = true;
                wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
                idle_ = false;
                if (queue_.empty()) return;  // stopping and drained
                linger = true;
            }
            take_batch(lock, batch, linger);
        }
        just_committed = std::holds_alternative<event_item>(batch.front());
        if (auto* work = std::get_if<job>(&batch.front())) {
            try {
                (*work)(store_);
            } catch (const std::exception& e) {
                log_.error("store", std::string("posted job failed: ") + e.what());
            }
            continue;
        }
        commit_batch(batch);
        index_if_due();
    }
}

void store_executor::index_if_due() {
    if (unindexed_ == 0) return;
    const auto now = steady::now();
    if (unindexed_ < config_.index_step && now - last_index_ < std::chrono::seconds(1)) return;
    last_index_ = now;
    try {
        // Fewer than asked means the backlog is done; else the next step takes more.
        const auto step = std::max<std::size_t>(config_.index_step, 1);
        const auto indexed = store_.index_pending(step);
        unindexed_ = indexed < step ? 0 : unindexed_ - std::min(unindexed_, indexed);
    } catch (const std::exception& e) {
        log_.error("store", std::string("search indexing failed; a search will retry: ") +
                                e.what());
    }
}

void store_executor::take_batch(std::unique_lock<std::mutex>& lock,
                                std::deque<item>& batch,
                                bool linger) {
    if (auto* first = std::get_if<event_item>(&queue_.front());
        first && linger && config_.commit_linger.count() > 0 && !stopping_) {
        // The window opens when the first event arrived, so a writer that was busy with the
        // previous commit does not add a full linger on top of it.
        wake_.wait_until(lock, first->queued_at + config_.commit_linger, [this] {
            return stopping_ || queued_events_ >= config_.max_batch;
        });
    }
    // A job runs alone; events are taken up to the next job or max_batch.
    if (std::holds_alternative<job>(queue_.front())) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
        return;
    }
    while (!queue_.empty() && batch.size() < config_.max_batch &&
           std::holds_alternative<event_item>(queue_.front())) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
}

void store_executor::commit_batch(std::deque<item>& batch) {
    std::vector<ingest_result> results;
    results.reserve(batch.size());
    try {
        transaction tx(store_);
        failpoint(failpoints::batch_begun);
        ingest_.begin_batch();
        for (auto& it : batch) {
            results.push_back(ingest_.apply(*std::get<event_item>(it).callback));
            failpoint(failpoints::event_applied);
            // After a database error SQLite may have rolled the whole transaction back, so
            // earlier events of the batch cannot be trusted to commit: fail them all and let
            // Slack redeliver.
            if (results.back().status == ingest_status::failed)
                throw std::runtime_error(results.back().reason);
        }
        tx.commit();
        failpoint(failpoints::batch_committed);
    } catch (const std::exception& e) {
        log_.error("store", "batch of " + std::to_string(batch.size()) +
                                " events not committed: " + e.what());
        results.assign(batch.size(),
                       ingest_result{ingest_status::failed,
                                     std::string("batch not committed: ") + e.what()});
    }
    ingest_.end_batch();
    for (const auto& r : results)
        if (r.status == ingest_status::stored) ++unindexed_;
    std::size_t batch_bytes = 0;
    for (const auto& it : batch) batch_bytes += std::get<event_item>(it).bytes;
    {
        std::lock_guard lock(mutex_);
        queued_events_ -= batch.size();
        queued_bytes_ -= batch_bytes;
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& done = std::get<event_item>(batch[i]).done;
        if (!done) continue;
        try {
            done(results[i]);
        } catch (const std::exception& e) {
            log_.error("store", std::string("completion threw: ") + e.what());
        }
    }
}

}  // namespace incident_bot

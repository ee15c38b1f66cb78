// A second, read-only connection with a thread of its own, for reads that take long enough
// to delay the writer: building App Home views (tens of ms with 1,000 open items). WAL
// mode lets it read committed data while the writer commits; work posted to it after a
// write's commit sees that write.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "incident_bot/log.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

class store_reader {
public:
    /// Read-only work; a write through `store&` fails (the connection is read-only).
    using job = std::function<void(store&)>;

    /// Starts the thread; it opens `path` read-only (the writer must have created and
    /// migrated it already). `log` must outlive the reader.
    store_reader(std::string path, const logger& log);
    /// Finishes queued work, then stops the thread.
    ~store_reader();
    store_reader(const store_reader&) = delete;
    store_reader& operator=(const store_reader&) = delete;

    /// Queues work, run in order on the reader's thread; exceptions are logged. False when
    /// stopping. Not bounded: for what people click, not for event streams.
    bool post(job work);
    /// Finishes queued work and joins the thread. Idempotent.
    void stop();

private:
    void run();

    std::string path_;
    const logger& log_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<job> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace incident_bot

#include "incident_bot/store/store_reader.hpp"

#include <exception>
#include <optional>

namespace incident_bot {

store_reader::store_reader(std::string path, const logger& log)
    : path_(std::move(path)), log_(log), thread_([this] { run(); }) {}

store_reader::~store_reader() { stop(); }

bool store_reader::post(job work) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return false;
        queue_.push_back(std::move(work));
    }
    wake_.notify_one();
    return true;
}

void store_reader::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
}

void store_reader::run() {
    // Opened on first use, and again after a failure: the file may have been busy.
    std::optional<store> db;
    for (;;) {
        job work;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (queue_.empty()) return;  // stopping and drained
            work = std::move(queue_.front());
            queue_.pop_front();
        }
        try {
            if (!db) db.emplace(path_, open_mode::read_only);
            work(*db);
        } catch (const std::exception& e) {
            log_.error("store", std::string("read-only job failed: ") + e.what());
            db.reset();
        }
    }
}

}  // namespace incident_bot

// store_reader: a read-only connection on its own thread, seeing what the writer committed.
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "incident_bot/store/store_reader.hpp"
#include "store_fixtures.hpp"

namespace incident_bot::testing {
namespace {

using namespace std::chrono_literals;

new_incident titled(std::string title, std::string channel = "C0INC") {
    new_incident n;
    n.title = std::move(title);
    n.severity = 2;
    n.channel = std::move(channel);
    n.declared_by = "U1";
    return n;
}

// Runs `read` on the reader and waits for its answer.
template <class F>
auto on_reader(store_reader& r, F read) {
    auto done = std::make_shared<std::promise<decltype(read(std::declval<store&>()))>>();
    auto answer = done->get_future();
    EXPECT_TRUE(r.post([done, read](store& s) { done->set_value(read(s)); }));
    EXPECT_EQ(answer.wait_for(10s), std::future_status::ready);
    return answer.get();
}

TEST(StoreReader, ReadsWhatTheWriterCommittedOnAThreadOfItsOwn) {
    temp_dir dir;
    captured_log log;
    store writer(dir.file("bot.db"));
    writer.create_incident(titled("Checkout errors"));
    store_reader reader(dir.file("bot.db"), log.log);

    const auto [titles, thread] = on_reader(reader, [](store& s) {
        std::vector<std::string> out;
        for (const auto& i : s.list_incidents()) out.push_back(i.title);
        return std::pair{out, std::this_thread::get_id()};
    });
    EXPECT_EQ(titles, std::vector<std::string>{"Checkout errors"});
    EXPECT_NE(thread, std::this_thread::get_id());

    // The same connection sees the writer's next commit.
    writer.create_incident(titled("Queue backlog", "C0QUEUE"));
    EXPECT_EQ(on_reader(reader, [](store& s) { return s.list_incidents().size(); }), 2u);
}

TEST(StoreReader, AWriteFailsIsLoggedAndTheNextReadStillRuns) {
    temp_dir dir;
    captured_log log;
    store writer(dir.file("bot.db"));
    store_reader reader(dir.file("bot.db"), log.log);

    EXPECT_TRUE(reader.post([](store& s) { s.create_incident(titled("Not from here")); }));
    EXPECT_EQ(on_reader(reader, [](store& s) { return s.list_incidents().size(); }), 0u);
    ASSERT_EQ(log.lines->size(), 1u);
    EXPECT_NE(log.lines->front().find("read-only job failed"), std::string::npos) << log.lines->front();
}

TEST(StoreReader, StopFinishesQueuedWorkThenRefusesMore) {
    temp_dir dir;
    captured_log log;
    store writer(dir.file("bot.db"));
    store_reader reader(dir.file("bot.db"), log.log);
    int ran = 0;
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(reader.post([&ran](store&) { ++ran; }));
    reader.stop();
    EXPECT_EQ(ran, 3);
    EXPECT_FALSE(reader.post([&ran](store&) { ++ran; }));
    EXPECT_EQ(ran, 3);
}

}  // namespace
}  // namespace incident_bot::testing

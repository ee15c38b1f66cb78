#include "incident_bot/store/ingest.hpp"
#include "incident_bot/store/store_executor.hpp"

#include <csignal>
#include <future>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "store_fixtures.hpp"

// GCC 12 warns about designated initializers that leave members at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace incident_bot {
namespace {

using json = nlohmann::json;
using testing::captured_log;
using testing::fixture;
using testing::temp_dir;

// Wraps an inner event the way Slack delivers it in an events_api envelope's payload.
store_executor::callback_ptr shared(json callback) {
    return std::make_shared<const json_document>(callback);
}

json callback(json event, std::string event_id, std::int64_t event_time = 1700000000) {
    return {{"type", "event_callback"},
            {"team_id", "T111"},
            {"event_id", std::move(event_id)},
            {"event_time", event_time},
            {"event", std::move(event)}};
}

json simple_message(const std::string& channel, const std::string& ts, const std::string& text) {
    return {{"type", "message"},
            {"channel", channel},
            {"user", "U1"},
            {"text", text},
            {"ts", ts},
            {"channel_type", "channel"}};
}

json reaction(const std::string& type,
              const std::string& name,
              const std::string& user,
              const std::string& channel,
              const std::string& ts) {
    return {{"type", type},
            {"user", user},
            {"reaction", name},
            {"item_user", "U1"},
            {"item", {{"type", "message"}, {"channel", channel}, {"ts", ts}}},
            {"event_ts", "1700000999.000100"}};
}

class IngestTest : public ::testing::Test {
protected:
    temp_dir dir_;
    captured_log log_;
    store store_{dir_.file("bot.db")};
    timeline_ingest ingest_{store_, capture_config{.workspace_url = "https://acme.slack.com"},
                            log_.log};

    std::int64_t watch(const std::string& channel) {
        return store_.create_incident({.title = "incident in " + channel, .channel = channel}).id;
    }
    ingest_result apply(json event, const std::string& id) {
        return ingest_.apply(callback(std::move(event), id));
    }
};

TEST_F(IngestTest, StoresMessageWithTsOrderAndPermalink) {
    const auto id = watch("G024BE91L");
    const auto r = apply(fixture("event_message.json"), "Ev1");
    EXPECT_EQ(r.status, ingest_status::stored) << r.reason;
    const auto e = store_.find_entry(id, "1355517523.000005").value();
    EXPECT_EQ(e.text, "Live long and prospect.");
    EXPECT_EQ(e.user, "U2147483697");
    EXPECT_EQ(e.source, entry_source::message);
    EXPECT_EQ(e.kind, "message");
    EXPECT_EQ(e.permalink, "https://acme.slack.com/archives/G024BE91L/p1355517523000005");
}

TEST_F(IngestTest, SkipsChannelsWithoutOpenIncident) {
    const auto r = apply(fixture("event_message.json"), "Ev1");
    EXPECT_EQ(r.status, ingest_status::skipped);
    EXPECT_NE(r.reason.find("G024BE91L"), std::string::npos) << r.reason;
    // A skipped event leaves no dedupe record: once the channel is watched it counts.
    watch("G024BE91L");
    EXPECT_EQ(apply(fixture("event_message.json"), "Ev1").status, ingest_status::stored);
}

TEST_F(IngestTest, ThreadReplyAndBroadcastKeepTheirParent) {
    const auto id = watch("C123ABC456");
    auto reply = fixture("event_thread_reply.json");
    reply["channel"] = "C123ABC456";  // the fixture is a bare message object
    EXPECT_EQ(apply(reply, "Ev1").status, ingest_status::stored);
    EXPECT_EQ(apply(fixture("event_thread_broadcast.json"), "Ev2").status, ingest_status::stored);

    const auto r = store_.find_entry(id, "1493305444.920992").value();
    EXPECT_EQ(r.thread_ts, "1493305433.915644");
    EXPECT_EQ(r.permalink,
              "https://acme.slack.com/archives/C123ABC456/p1493305444920992"
              "?thread_ts=1493305433.915644&cid=C123ABC456");
    const auto b = store_.find_entry(id, "1673464745.620769").value();
    EXPECT_EQ(b.kind, "thread_broadcast");
    EXPECT_EQ(b.thread_ts, "1673464730.703009");
    EXPECT_EQ(b.text, "broadcasting this reply");
}

TEST_F(IngestTest, BotMessagesAndJoinsAreKeptApart) {
    const auto id = watch("C01AZ844Z32");
    EXPECT_EQ(apply(fixture("event_bot_message.json"), "Ev1").status, ingest_status::stored);
    auto join = fixture("event_channel_join.json");
    join["channel"] = "C01AZ844Z32";
    EXPECT_EQ(apply(join, "Ev2").status, ingest_status::stored);
    // A message from a bot token has bot_id and no subtype.
    auto app_post = simple_message("C01AZ844Z32", "1358877460.000001", "Incident declared");
    app_post["bot_id"] = "B999";
    EXPECT_EQ(apply(app_post, "Ev3").status, ingest_status::stored);
    EXPECT_EQ(apply(simple_message("C01AZ844Z32", "1358877470.000001", "on it"), "Ev4").status,
              ingest_status::stored);

    const auto all = store_.list_timeline(id);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all[0].source, entry_source::bot);
    EXPECT_EQ(all[0].user, "BB12033");
    EXPECT_EQ(all[1].source, entry_source::join);
    EXPECT_EQ(all[1].kind, "channel_join");
    EXPECT_EQ(all[2].source, entry_source::bot);
    const auto human = store_.list_timeline(id, timeline_view::human);
    ASSERT_EQ(human.size(), 1u);
    EXPECT_EQ(human[0].text, "on it");
}

TEST_F(IngestTest, MemberJoinedChannelBecomesJoinEntry) {
    const auto id = watch("C111");
    const auto r = ingest_.apply(fixture("event_callback_member_joined_channel.json"));
    EXPECT_EQ(r.status, ingest_status::stored) << r.reason;
    const auto entries = store_.list_timeline(id);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].source, entry_source::join);
    EXPECT_EQ(entries[0].user, "W23456789");
    EXPECT_EQ(entries[0].ts, "1599616881.000000");  // from event_time
}

TEST_F(IngestTest, MessageChangedUpdatesTextAndKeepsHistory) {
    const auto id = watch("C2147483705");
    apply(simple_message("C2147483705", "1355517523.000005", "Hello, wrold!"), "Ev1");
    const auto r = apply(fixture("event_message_changed.json"), "Ev2");
    EXPECT_EQ(r.status, ingest_status::stored) << r.reason;
    const auto e = store_.find_entry(id, "1355517523.000005").value();
    EXPECT_EQ(e.text, "Hello, world!");
    EXPECT_TRUE(e.edited);
    const auto history = store_.edit_history(e.id);
    ASSERT_EQ(history.size(), 1u);
    EXPECT_EQ(history[0].old_text, "Hello, wrold!");
    EXPECT_EQ(history[0].edited_ts, "1358878755.000001");
    EXPECT_EQ(history[0].editor, "U2147483697");
    // Slack repeats message_changed for unfurls with the same text: not an edit.
    EXPECT_EQ(apply(fixture("event_message_changed.json"), "Ev3").status, ingest_status::skipped);
}

TEST_F(IngestTest, MessageChangedForUnknownMessageRecordsTheEditedVersion) {
    const auto id = watch("C2147483705");
    EXPECT_EQ(apply(fixture("event_message_changed.json"), "Ev1").status, ingest_status::stored);
    const auto e = store_.find_entry(id, "1355517523.000005").value();
    EXPECT_EQ(e.source, entry_source::edit);
    EXPECT_TRUE(e.edited);
    EXPECT_EQ(e.text, "Hello, world!");
}

TEST_F(IngestTest, MessageDeletedDropsTextKeepsFact) {
    const auto id = watch("C111");
    apply(simple_message("C111", "1665368619.804829", "Delete this message"), "Ev0");
    const auto r = ingest_.apply(fixture("event_callback_message_deleted.json"));
    EXPECT_EQ(r.status, ingest_status::stored) << r.reason;
    const auto e = store_.find_entry(id, "1665368619.804829").value();
    EXPECT_TRUE(e.deleted);
    EXPECT_FALSE(e.text);
    EXPECT_TRUE(store_.search("Delete").empty());
    // The text of a deleted message must not reach the logs either.
    for (const auto& line : *log_.lines) EXPECT_EQ(line.find("Delete this"), std::string::npos);
}

TEST_F(IngestTest, MessageDeletedForUnknownMessageKeepsOnlyTheFact) {
    const auto id = watch("C111");
    EXPECT_EQ(ingest_.apply(fixture("event_callback_message_deleted.json")).status,
              ingest_status::stored);
    const auto e = store_.find_entry(id, "1665368619.804829").value();
    EXPECT_EQ(e.source, entry_source::deletion);
    EXPECT_TRUE(e.deleted);
    EXPECT_FALSE(e.text);
    EXPECT_EQ(e.user, "U111");
}

TEST_F(IngestTest, PinAddedAndRemovedToggleKeyEvent) {
    const auto id = watch("C0LAN2Q65");
    auto pin = fixture("event_pin_added.json");
    EXPECT_EQ(apply(pin, "Ev1").status, ingest_status::stored);
    auto e = store_.find_entry(id, "1539904112.000100").value();
    EXPECT_EQ(e.source, entry_source::pin);  // first seen through the pin
    EXPECT_TRUE(e.pinned);
    EXPECT_TRUE(e.key_event);
    EXPECT_EQ(e.text, "<@U0LAN0Z89> is it everything a river should be?");

    pin["type"] = "pin_removed";
    EXPECT_EQ(apply(pin, "Ev2").status, ingest_status::stored);
    e = store_.find_entry(id, "1539904112.000100").value();
    EXPECT_FALSE(e.pinned);
    EXPECT_FALSE(e.key_event);
}

TEST_F(IngestTest, ReactionsMarkKeyEventsAndStages) {
    const auto id = watch("C111");
    const std::string ts = "1599529504.000400";
    apply(simple_message("C111", ts, "error rate on checkout-api is 12%"), "Ev0");

    // The fixture's :heart_eyes: means nothing to the timeline.
    const auto fixture_result = ingest_.apply(fixture("event_callback_reaction_added.json"));
    EXPECT_EQ(fixture_result.status, ingest_status::skipped);
    EXPECT_NE(fixture_result.reason.find("heart_eyes"), std::string::npos);

    EXPECT_EQ(apply(reaction("reaction_added", "pushpin", "U2", "C111", ts), "Ev1").status,
              ingest_status::stored);
    EXPECT_EQ(apply(reaction("reaction_added", "mag::skin-tone-3", "U3", "C111", ts), "Ev2").status,
              ingest_status::stored);
    auto e = store_.find_entry(id, ts).value();
    EXPECT_TRUE(e.key_event);
    EXPECT_EQ(e.stage, incident_stage::detection);

    EXPECT_EQ(apply(reaction("reaction_removed", "pushpin", "U2", "C111", ts), "Ev3").status,
              ingest_status::stored);
    EXPECT_EQ(apply(reaction("reaction_removed", "mag::skin-tone-3", "U3", "C111", ts), "Ev4")
                  .status,
              ingest_status::stored);
    e = store_.find_entry(id, ts).value();
    EXPECT_FALSE(e.key_event);
    EXPECT_FALSE(e.stage);
}

TEST_F(IngestTest, ReactionBeforeMessageLeavesPlaceholderThatTheMessageFills) {
    const auto id = watch("C111");
    const std::string ts = "1700000100.000001";
    EXPECT_EQ(apply(reaction("reaction_added", "bulb", "U2", "C111", ts), "Ev1").status,
              ingest_status::stored);
    EXPECT_EQ(apply(simple_message("C111", ts, "the cache TTL was set to zero"), "Ev2").status,
              ingest_status::stored);
    const auto entries = store_.list_timeline(id);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].stage, incident_stage::diagnosis);
    EXPECT_EQ(entries[0].text, "the cache TTL was set to zero");
    EXPECT_EQ(entries[0].source, entry_source::message);
}

TEST_F(IngestTest, OnlyTheFirstDiagnosisMarkOfAMessageWithTextIsReported) {
    const auto id = watch("C111");
    const std::string ts = "1700000100.000001";
    // Marked before its text arrived: nothing to match on yet.
    EXPECT_FALSE(apply(reaction("reaction_added", "bulb", "U2", "C111", ts), "Ev1").diagnosis);
    auto reply = simple_message("C111", "1700000200.000001", "the redis pool was exhausted");
    reply["thread_ts"] = "1700000150.000001";
    apply(reply, "Ev2");
    const auto first = apply(reaction("reaction_added", "bulb", "U2", "C111", "1700000200.000001"), "Ev3");
    ASSERT_TRUE(first.diagnosis);
    EXPECT_EQ(first.diagnosis->incident_id, id);
    EXPECT_EQ(first.diagnosis->channel, "C111");
    EXPECT_EQ(first.diagnosis->ts, "1700000200.000001");
    EXPECT_EQ(first.diagnosis->thread_ts, "1700000150.000001");
    EXPECT_EQ(first.diagnosis->text, "the redis pool was exhausted");
    // A second person's bulb, a redelivery and other marks report nothing new.
    EXPECT_FALSE(apply(reaction("reaction_added", "bulb", "U3", "C111", "1700000200.000001"), "Ev4").diagnosis);
    const auto again = apply(reaction("reaction_added", "bulb", "U2", "C111", "1700000200.000001"), "Ev3");
    EXPECT_EQ(again.status, ingest_status::duplicate);
    EXPECT_FALSE(again.diagnosis);
    EXPECT_FALSE(apply(reaction("reaction_added", "mag", "U3", "C111", "1700000200.000001"), "Ev5").diagnosis);
}

TEST_F(IngestTest, CustomMarkingReactions) {
    timeline_ingest custom{store_,
                           capture_config{.key_reaction = "star",
                                          .stage_reactions = {{"eyes", incident_stage::detection}}},
                           log_.log};
    const auto id = watch("C111");
    const std::string ts = "1700000100.000001";
    custom.apply(callback(simple_message("C111", ts, "alerts firing"), "Ev1"));
    EXPECT_EQ(custom.apply(callback(reaction("reaction_added", "pushpin", "U2", "C111", ts), "Ev2"))
                  .status,
              ingest_status::skipped);
    custom.apply(callback(reaction("reaction_added", "star", "U2", "C111", ts), "Ev3"));
    custom.apply(callback(reaction("reaction_added", "eyes", "U2", "C111", ts), "Ev4"));
    const auto e = store_.find_entry(id, ts).value();
    EXPECT_TRUE(e.key_event);
    EXPECT_EQ(e.stage, incident_stage::detection);
}

TEST_F(IngestTest, RedeliveredEventIsDuplicateEvenAfterReopen) {
    const auto id = watch("C111");
    EXPECT_EQ(apply(reaction("reaction_added", "pushpin", "U2", "C111", "1700000100.000001"), "Ev1")
                  .status,
              ingest_status::stored);
    EXPECT_EQ(apply(simple_message("C111", "1700000200.000001", "hello"), "Ev2").status,
              ingest_status::stored);
    EXPECT_EQ(apply(simple_message("C111", "1700000200.000001", "hello"), "Ev2").status,
              ingest_status::duplicate);

    store reopened(dir_.file("bot.db"));
    timeline_ingest again(reopened, {}, log_.log);
    EXPECT_EQ(again.apply(callback(simple_message("C111", "1700000200.000001", "hello"), "Ev2"))
                  .status,
              ingest_status::duplicate);
    EXPECT_EQ(reopened.list_timeline(id).size(), 2u);
}

TEST_F(IngestTest, HostileInputIsSkippedWithAReason) {
    watch("C111");
    const std::vector<json> bad = {
        json(nullptr),
        json::array({1, 2}),
        json("text"),
        json{{"event_id", 42}, {"event", simple_message("C111", "1.1", "x")}},
        json{{"event_id", "Ev1"}},
        json{{"event_id", "Ev1"}, {"event", "message"}},
        callback(json::object(), "Ev2"),
        callback({{"type", 7}}, "Ev3"),
        callback({{"type", "message"}, {"channel", "C111"}, {"text", "no ts"}}, "Ev4"),
        callback({{"type", "message"}, {"channel", "C111"}, {"ts", 1700000000.5}}, "Ev5"),
        callback({{"type", "message"}, {"channel", "C111"}, {"ts", "yesterday"}}, "Ev6"),
        callback({{"type", "message"}, {"channel", json::array()}, {"ts", "1.1"}}, "Ev7"),
        callback({{"type", "message"}, {"subtype", "message_changed"}, {"channel", "C111"},
                  {"message", "not an object"}},
                 "Ev8"),
        callback({{"type", "message"}, {"subtype", "message_changed"}, {"channel", "C111"},
                  {"message", {{"ts", "1700000000.000001"}, {"text", 5}, {"edited", 3}}}},
                 "Ev9"),
        callback({{"type", "message"}, {"subtype", "message_deleted"}, {"channel", "C111"}},
                 "Ev10"),
        callback({{"type", "reaction_added"}, {"user", "U1"}, {"reaction", "pushpin"},
                  {"item", {{"type", "file"}, {"file", "F1"}}}},
                 "Ev11"),
        callback({{"type", "reaction_added"}, {"user", "U1"}, {"reaction", "pushpin"},
                  {"item", {{"type", "message"}, {"channel", "C111"}}}},
                 "Ev12"),
        callback({{"type", "pin_added"}, {"channel_id", "C111"}, {"item", {{"message", 5}}}},
                 "Ev13"),
        callback({{"type", "pin_added"}, {"item", nullptr}}, "Ev14"),
        json{{"event_id", "Ev15"},
             {"event", {{"type", "member_joined_channel"}, {"channel", "C111"}, {"user", "U1"}}}},
        callback({{"type", "message"}, {"subtype", "channel_topic"}, {"channel", "C111"},
                  {"ts", "1700000000.000001"}, {"text", "topic"}},
                 "Ev16"),
        callback({{"type", "app_home_opened"}, {"user", "U1"}}, "Ev17"),
    };
    for (const auto& cb : bad) {
        ingest_result r;
        ASSERT_NO_THROW(r = ingest_.apply(cb)) << cb.dump();
        EXPECT_NE(r.status, ingest_status::stored) << cb.dump();
        EXPECT_FALSE(r.reason.empty()) << cb.dump();
    }
}

// ---- store_executor ---------------------------------------------------------------------------

// Collects completions from the writer thread; waits with a deadline.
class completions {
public:
    store_executor::completion slot(std::size_t index) {
        return [this, index](const ingest_result& r) {
            std::lock_guard lock(mutex_);
            results_[index] = r;
            ++count_;
            cv_.notify_all();
        };
    }
    bool wait_for(std::size_t n) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return count_ >= n; });
    }
    ingest_result at(std::size_t i) {
        std::lock_guard lock(mutex_);
        return results_[i];
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::size_t, ingest_result> results_;
    std::size_t count_ = 0;
};

// Occupies the writer thread with a job until the returned promise is set, so that pushes
// queue up behind it.
std::shared_ptr<std::promise<void>> hold_writer(store_executor& q) {
    auto release = std::make_shared<std::promise<void>>();
    std::promise<void> started;
    auto running = started.get_future();
    EXPECT_TRUE(q.post([&started, released = release->get_future().share()](store&) {
        started.set_value();
        released.wait();
    }));
    running.wait();
    return release;
}

TEST(StoreExecutor, CompletionRunsOnlyAfterCommit) {
    temp_dir dir;
    captured_log log;
    const auto path = dir.file("bot.db");
    store writer(path);
    writer.create_incident({.title = "t", .channel = "C1"});
    store reader(path, open_mode::read_only);

    std::mutex m;
    std::vector<std::size_t> visible;
    completions done;
    {
        store_executor q(writer, {}, {}, log.log);
        for (std::size_t i = 0; i < 20; ++i) {
            const std::string ts = "17000001" + std::to_string(10 + i) + ".000001";
            auto inner = done.slot(i);
            ASSERT_TRUE(q.try_push(shared(callback(simple_message("C1", ts, "msg"), "Ev" + std::to_string(i))),
                                   [&, inner, ts](const ingest_result& r) {
                                       // Another connection must already see the row.
                                       store check(path, open_mode::read_only);
                                       if (check.find_entry(1, ts)) {
                                           std::lock_guard lock(m);
                                           visible.push_back(1);
                                       }
                                       inner(r);
                                   }));
        }
        ASSERT_TRUE(done.wait_for(20));
    }
    EXPECT_EQ(visible.size(), 20u);
    for (std::size_t i = 0; i < 20; ++i) EXPECT_EQ(done.at(i).status, ingest_status::stored);
    EXPECT_EQ(reader.list_timeline(1).size(), 20u);
}

TEST(StoreExecutor, EveryEventGetsItsCompletion) {
    temp_dir dir;
    captured_log log;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    completions done;
    store_executor q(s, {}, {.commit_linger = std::chrono::milliseconds(2)}, log.log);
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C1", "1700000001.000001", "a"), "Ev1")),
                           done.slot(0)));
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C1", "1700000001.000001", "a"), "Ev1")),
                           done.slot(1)));
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C9", "1700000002.000001", "b"), "Ev2")),
                           done.slot(2)));
    ASSERT_TRUE(q.try_push(shared(json("garbage")), done.slot(3)));
    ASSERT_TRUE(done.wait_for(4));
    EXPECT_EQ(done.at(0).status, ingest_status::stored);
    EXPECT_EQ(done.at(1).status, ingest_status::duplicate);
    EXPECT_EQ(done.at(2).status, ingest_status::skipped);
    EXPECT_EQ(done.at(3).status, ingest_status::skipped);
}

TEST(StoreExecutor, BatchesSeeIncidentsOpenedAndResolvedBetweenThem) {
    temp_dir dir;
    captured_log log;
    store s(dir.file("bot.db"));
    completions done;
    store_executor q(s, {}, {}, log.log);
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C9", "1700000001.000001", "a"), "Ev1")),
                           done.slot(0)));
    ASSERT_TRUE(q.post([](store& st) { st.create_incident({.title = "t", .channel = "C9"}); }));
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C9", "1700000002.000001", "b"), "Ev2")),
                           done.slot(1)));
    ASSERT_TRUE(q.post([](store& st) { st.set_status(1, incident_status::resolved); }));
    ASSERT_TRUE(q.try_push(shared(callback(simple_message("C9", "1700000003.000001", "c"), "Ev3")),
                           done.slot(2)));
    ASSERT_TRUE(done.wait_for(3));
    EXPECT_EQ(done.at(0).status, ingest_status::skipped);
    EXPECT_EQ(done.at(1).status, ingest_status::stored);
    EXPECT_EQ(done.at(2).status, ingest_status::skipped);
}

TEST(StoreExecutor, RefusesWhenFullAndAfterStop) {
    temp_dir dir;
    captured_log log;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    completions done;
    store_executor q(s, {}, {.max_pending = 2}, log.log);

    auto release = hold_writer(q);  // so the queue fills up
    EXPECT_TRUE(q.try_push(shared(callback(simple_message("C1", "1700000001.000001", "a"), "Ev1")),
                           done.slot(0)));
    EXPECT_TRUE(q.try_push(shared(callback(simple_message("C1", "1700000002.000001", "b"), "Ev2")),
                           done.slot(1)));
    auto third = shared(callback(simple_message("C1", "1700000003.000001", "c"), "Ev3"));
    auto third_done = done.slot(2);
    EXPECT_FALSE(q.try_push(std::move(third), std::move(third_done)));
    // Refused arguments stay with the caller, ready for a retry.
    ASSERT_TRUE(third);
    EXPECT_EQ(third->root().string("event_id"), "Ev3");
    EXPECT_TRUE(third_done);
    EXPECT_EQ(q.pending(), 2u);
    release->set_value();
    ASSERT_TRUE(done.wait_for(2));
    q.stop();
    EXPECT_FALSE(q.try_push(shared(callback(simple_message("C1", "1700000004.000001", "d"), "Ev4")),
                            done.slot(3)));
    EXPECT_FALSE(q.post([](store&) {}));
    EXPECT_EQ(s.list_timeline(1).size(), 2u);
}

// A few 4 MB frames must not add up to gigabytes while the writer is stalled: the queue is
// bounded by the frames' bytes as well as by their count.
TEST(StoreExecutor, RefusesPushesBeyondTheByteBound) {
    temp_dir dir;
    captured_log log;
    store s(dir.file("bot.db"));
    s.create_incident({.title = "t", .channel = "C1"});
    completions done;
    constexpr std::size_t mb = 1 << 20;
    store_executor q(s, {}, {.max_pending_bytes = 8 * mb}, log.log);
    auto event = [](int i) {
        return shared(
            callback(simple_message("C1", "170000000" + std::to_string(i) + ".000001", "m"),
                     "Ev" + std::to_string(i)));
    };

    auto release = hold_writer(q);
    // A lone frame over the bound is still taken, or it would be redelivered forever.
    EXPECT_TRUE(q.try_push(event(1), done.slot(0), 9 * mb));
    EXPECT_FALSE(q.try_push(event(2), done.slot(1), 1));
    release->set_value();
    ASSERT_TRUE(done.wait_for(1));

    release = hold_writer(q);
    EXPECT_TRUE(q.try_push(event(3), done.slot(1), 4 * mb));
    EXPECT_TRUE(q.try_push(event(4), done.slot(2), 4 * mb));
    auto fifth = event(5);
    auto fifth_done = done.slot(3);
    EXPECT_FALSE(q.try_push(std::move(fifth), std::move(fifth_done), 1));
    ASSERT_TRUE(fifth);  // left with the caller, like a push refused by count
    EXPECT_EQ(q.pending(), 2u);
    release->set_value();
    ASSERT_TRUE(done.wait_for(3));
    // Committed events give their bytes back.
    EXPECT_TRUE(q.try_push(std::move(fifth), std::move(fifth_done), 8 * mb));
    ASSERT_TRUE(done.wait_for(4));
    q.stop();
    EXPECT_EQ(s.list_timeline(1).size(), 4u);
}

TEST(StoreExecutor, FailedBatchIsReportedFailedSoItIsNotAcked) {
    temp_dir dir;
    captured_log log;
    const auto path = dir.file("bot.db");
    {
        store s(path);
        s.create_incident({.title = "t", .channel = "C1"});
    }
    store read_only(path, open_mode::read_only);
    completions done;
    {
        store_executor q(read_only, {}, {}, log.log);
        for (std::size_t i = 0; i < 3; ++i)
            q.try_push(shared(callback(simple_message("C1", "170000000" + std::to_string(i) + ".000001",
                                               "x"),
                                "Ev" + std::to_string(i))),
                       done.slot(i));
        ASSERT_TRUE(done.wait_for(3));
    }
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(done.at(i).status, ingest_status::failed);
}

TEST(StoreExecutor, KillAfterCommitThenRedeliveryDoesNotDoubleCount) {
    temp_dir dir;
    const auto path = dir.file("bot.db");
    {
        store s(path);
        s.create_incident({.title = "t", .channel = "C1"});
    }
    constexpr int n = 50;
    auto event = [](int i) {
        return callback(simple_message("C1", "17000" + std::to_string(10000 + i) + ".000001", "m"),
                        "Ev" + std::to_string(i));
    };
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // The bot: everything committed, then killed before a single ack leaves.
        logger quiet(log_level::error, log_format::text, [](std::string_view) {});
        store s(path);
        store_executor q(s, {}, {}, quiet);
        for (int i = 0; i < n; ++i)
            q.try_push(shared(event(i)), [i](const ingest_result&) {
                if (i == n - 1) ::kill(::getpid(), SIGKILL);
            });
        ::pause();
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    // Slack redelivers every unacked event after the restart.
    captured_log log;
    store s(path);
    completions done;
    {
        store_executor q(s, {}, {}, log.log);
        for (int i = 0; i < n; ++i) q.try_push(shared(event(i)), done.slot(static_cast<std::size_t>(i)));
        ASSERT_TRUE(done.wait_for(n));
    }
    for (int i = 0; i < n; ++i)
        EXPECT_EQ(done.at(static_cast<std::size_t>(i)).status, ingest_status::duplicate);
    EXPECT_EQ(s.list_timeline(1).size(), static_cast<std::size_t>(n));
}

}  // namespace
}  // namespace incident_bot

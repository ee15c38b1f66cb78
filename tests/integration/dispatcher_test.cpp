// The dispatcher and its listeners without a socket: a recording ack sink, the real store
// executor on a real SQLite file, and for the nudges the real Web API client against the
// fake Slack's HTTP side.
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <gtest/gtest.h>

#include "harness.hpp"
#include "incident_bot/app/dispatcher.hpp"
#include "incident_bot/app/incident_app.hpp"
#include "incident_bot/app/nudge_app.hpp"
#include "incident_bot/app/timeline_app.hpp"

namespace incident_bot::testing {
namespace {

using json = nlohmann::json;

// Records what a listener did with the envelope's ack.
class recording_ack final : public ack_sink {
public:
    void ack(json payload) override { record(payload.is_null() ? "ack" : "ack " + payload.dump()); }
    void reject() override { record("reject"); }

    bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, timeout, [&] { return calls_.size() >= n; });
    }
    std::vector<std::string> calls() {
        std::lock_guard lock(mu_);
        return calls_;
    }

    /// Runs on the acking thread at each call, before it is recorded (so a test sees
    /// what it saw once wait_for returns). Set before the first call.
    std::function<void()> on_call;

private:
    void record(std::string call) {
        if (on_call) on_call();
        std::lock_guard lock(mu_);
        calls_.push_back(std::move(call));
        cv_.notify_all();
    }
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::string> calls_;
};

struct dispatch_fixture : ::testing::Test {
    log_capture logs;
    logger log = logs.make();
    dispatcher routes{log};
    std::shared_ptr<recording_ack> sink = std::make_shared<recording_ack>();

    void send(std::string type, json payload) {
        envelope e;
        e.type = std::move(type);
        e.envelope_id = "E1";
        e.payload = std::move(payload);
        routes(std::move(e), ack_handle(sink));
    }
};

json message_callback(std::string event_id, std::string text, std::string channel = "C1") {
    return {{"type", "event_callback"},
            {"event_id", std::move(event_id)},
            {"event",
             {{"type", "message"},
              {"channel", std::move(channel)},
              {"user", "U1"},
              {"text", std::move(text)},
              {"ts", "1700000000.000100"}}}};
}

using Dispatcher = dispatch_fixture;

TEST_F(Dispatcher, RunsMiddlewareInOrderThenEveryListenerOfTheKey) {
    std::vector<std::string> order;
    routes.use([&](const envelope_ptr&, const ack_handle&, const std::function<void()>& next) {
        order.push_back("mw1");
        next();
    });
    routes.use([&](const envelope_ptr&, const ack_handle&, const std::function<void()>& next) {
        order.push_back("mw2");
        next();
    });
    const envelope* first = nullptr;
    routes.on_event("message", [&](const envelope_ptr& e, const ack_handle& ack) {
        order.push_back("timeline");
        first = e.get();
        ack();
    });
    routes.on_event("message", [&](const envelope_ptr& e, const ack_handle&) {
        order.push_back("nudges");
        EXPECT_EQ(e.get(), first);  // one shared envelope, not a copy per listener
    });
    routes.on_event("reaction_added", [&](const envelope_ptr&, const ack_handle&) {
        order.push_back("reactions");
    });
    send("events_api", message_callback("Ev1", "hi"));
    EXPECT_EQ(order, (std::vector<std::string>{"mw1", "mw2", "timeline", "nudges"}));
    EXPECT_EQ(sink->calls(), std::vector<std::string>{"ack"});
}

TEST_F(Dispatcher, MiddlewareThatDoesNotContinueStopsTheEnvelope) {
    bool listened = false;
    routes.use([](const envelope_ptr& e, const ack_handle& ack, const std::function<void()>& next) {
        if (e->payload.tree().value("command", "") == "/ignored") return ack();
        next();
    });
    routes.on_command("/ignored", [&](const envelope_ptr&, const ack_handle&) { listened = true; });
    send("slash_commands", {{"command", "/ignored"}});
    EXPECT_FALSE(listened);
    EXPECT_EQ(sink->calls(), std::vector<std::string>{"ack"});
}

TEST_F(Dispatcher, EnvelopesNobodyListensToAreAckedEmpty) {
    send("events_api", {{"type", "app_rate_limited"}});
    send("interactive", {{"type", "view_closed"}});
    send("slash_commands", json::array());
    EXPECT_EQ(sink->calls(), (std::vector<std::string>{"ack", "ack", "ack"}));
}

json click(std::string action_id) {
    return {{"type", "block_actions"},
            {"user", {{"id", "U1"}}},
            {"actions", json::array({{{"action_id", std::move(action_id)}, {"value", "7"}}})}};
}

TEST_F(Dispatcher, RoutesButtonsByTheKindOfActionAndUnknownOnesToOneAnswer) {
    std::vector<std::string> heard;
    const auto hear = [&](std::string who) {
        return [&heard, who](const envelope_ptr& e, const ack_handle& ack) {
            const auto& a = e->payload.tree()["actions"];
            heard.push_back(who + " " + (a.is_array() ? a[0]["action_id"].get<std::string>() : "?"));
            ack();
        };
    };
    routes.on_action("action_item_done", hear("items"));
    routes.on_action("nudge_vote_helpful", hear("nudges"));
    routes.on_interaction("view_submission", hear("modal"));
    send("interactive", click("action_item_done:7"));
    send("interactive", click("nudge_vote_helpful"));
    send("interactive", click("action_item_done_later"));  // a kind of its own, not a prefix
    EXPECT_EQ(heard, (std::vector<std::string>{"items action_item_done:7", "nudges nudge_vote_helpful"}));
    EXPECT_EQ(sink->calls().size(), 3u);  // the unknown one is acked empty by default

    routes.on_unknown_action(hear("sorry"));
    send("interactive", click("from_an_old_version:3"));
    send("interactive", {{"type", "block_actions"}, {"actions", "not a list"}});
    EXPECT_EQ(heard, (std::vector<std::string>{"items action_item_done:7", "nudges nudge_vote_helpful",
                                                "sorry from_an_old_version:3", "sorry ?"}));
    EXPECT_EQ(sink->calls().size(), 5u);
}

TEST_F(Dispatcher, AThrowingListenerGoesToTheErrorHandlerAndTheOthersStillRun) {
    std::vector<std::string> errors;
    routes.on_error([&](const envelope& e, const ack_handle&, std::exception_ptr ex) {
        try {
            std::rethrow_exception(ex);
        } catch (const std::exception& what) {
            errors.push_back(e.envelope_id + ": " + what.what());
        }
    });
    bool second = false;
    routes.on_interaction("view_submission", [](const envelope_ptr&, const ack_handle&) {
        throw std::runtime_error("boom");
    });
    routes.on_interaction("view_submission", [&](const envelope_ptr&, const ack_handle& ack) {
        second = true;
        ack();
    });
    send("interactive", {{"type", "view_submission"}});
    EXPECT_TRUE(second);
    EXPECT_EQ(errors, std::vector<std::string>{"E1: boom"});
}

TEST_F(Dispatcher, DefaultErrorHandlerRejectsEventsAndAcksEverythingElse) {
    routes.on_event("message", [](const envelope_ptr&, const ack_handle&) {
        throw std::runtime_error("listener bug");
    });
    routes.on_command("/incident", [](const envelope_ptr&, const ack_handle&) {
        throw std::runtime_error("listener bug");
    });
    send("events_api", message_callback("Ev1", "hi"));
    send("slash_commands", {{"command", "/incident"}});
    // An event comes back from Slack and gets another chance; a command never would.
    EXPECT_EQ(sink->calls(), (std::vector<std::string>{"reject", "ack"}));
    EXPECT_TRUE(logs.contains("listener failed: listener bug"));
}

struct store_fixture : dispatch_fixture {
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("ib-dispatch-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::string path = (std::filesystem::create_directories(dir), (dir / "bot.db").string());
    store db{path};
    store_config cfg;
    std::unique_ptr<store_executor> executor;

    void start() { executor = std::make_unique<store_executor>(db, capture_config{}, cfg, log); }
    // Blocks the writer thread until the returned promise is set.
    std::promise<void> hold_writer() {
        std::promise<void> release;
        auto holding = std::make_shared<std::promise<void>>();
        auto held = holding->get_future();
        executor->post([holding, released = release.get_future().share()](store&) {
            holding->set_value();
            released.wait();
        });
        // A writer that never gets to the job fails the test instead of hanging it.
        if (held.wait_for(5s) != std::future_status::ready)
            throw std::runtime_error("the store's writer did not start the holding job");
        return release;
    }
    void open_incident(const std::string& channel) {
        new_incident i;
        i.title = "t";
        i.channel = channel;
        db.create_incident(i);
    }
    ~store_fixture() override {
        executor.reset();
        std::filesystem::remove_all(dir);
    }
};

using TimelineListener = store_fixture;

TEST_F(TimelineListener, AcksAnEventOnlyOnceItIsStored) {
    open_incident("C1");
    start();
    timeline_app timeline(routes, *executor, log);
    // What another connection can read at the moment of the ack.
    std::vector<timeline_entry> stored_at_ack;
    sink->on_call = [&] { stored_at_ack = store(path, open_mode::read_only).list_timeline(1); };
    // Hold the writer so the event queues behind it: it cannot be stored, nor acked.
    auto release = hold_writer();
    send("events_api", message_callback("Ev1", "checkout errors are dropping"));
    EXPECT_TRUE(sink->calls().empty());
    release.set_value();
    ASSERT_TRUE(sink->wait_for(1));
    EXPECT_EQ(sink->calls(), std::vector<std::string>{"ack"});
    ASSERT_EQ(stored_at_ack.size(), 1u);
    EXPECT_EQ(stored_at_ack[0].text, "checkout errors are dropping");
}

TEST_F(TimelineListener, RejectsWhenTheStoreQueueIsFull) {
    cfg.max_pending = 1;
    start();
    timeline_app timeline(routes, *executor, log);
    auto release = hold_writer();
    send("events_api", message_callback("Ev1", "one"));
    send("events_api", message_callback("Ev2", "two"));
    ASSERT_TRUE(sink->wait_for(1));
    EXPECT_EQ(sink->calls(), std::vector<std::string>{"reject"});
    release.set_value();
    ASSERT_TRUE(sink->wait_for(2));
}

// The Web API client on its own network thread, pointed at the fake's HTTP side.
struct api_thread {
    explicit api_thread(const fake_slack& fake, const logger& log)
        : cfg(fast_config(fake)), api(ioc.get_executor(), cfg, log), net([this] { ioc.run(); }) {}
    // Runs dry instead of stopping: a call still finishing must end before the client goes
    // (idle keep-alive connections hold no pending work).
    ~api_thread() {
        work.reset();
        net.join();
    }
    config cfg;
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work =
        boost::asio::make_work_guard(ioc);
    web_api api;
    std::thread net;
};

// The command listener runs the command on the store's thread and acks from the network
// thread with the reply.
TEST_F(TimelineListener, CommandListenerAcksWithTheReplyOnceTheCommandIsStored) {
    fake_slack fake;
    api_thread web(fake, log);
    start();
    const commands_config commands;
    incident_app incidents(routes, *executor, web.api, commands, nullptr, log);
    send("slash_commands",
         {{"command", "/incident"},
          {"text", "declare sev2 Checkout errors"},
          {"user_id", "U1"},
          {"channel_id", "C1"},
          {"response_url", fake.api_url() + "commands.hook"}});
    ASSERT_TRUE(sink->wait_for(1));
    EXPECT_NE(sink->calls()[0].find("declared"), std::string::npos) << sink->calls()[0];
    executor->stop();
    EXPECT_TRUE(db.open_incident_id("C1"));
}

// The nudge listener only observes: the timeline acks; the rules run on the caller's thread
// and the one store job per flagged message records the nudge before it is sent privately.
TEST_F(TimelineListener, NudgeListenerSendsOnePrivateNudgeAndNeverAcks) {
    fake_slack fake;
    api_thread web(fake, log);
    const blame_detector detector(rule_set::load_default());
    open_incident("C1");
    start();
    timeline_app timeline(routes, *executor, log);
    const nudges_config nudge_settings;
    nudge_app nudges(routes, *executor, web.api, nudge_settings, detector, log);
    send("events_api", message_callback("Ev1", "the cache filled up, rolling back"));
    send("events_api", message_callback("Ev2", "who broke prod?"));
    ASSERT_TRUE(fake.wait_for_requests("chat.postEphemeral", 1, 5s));
    ASSERT_TRUE(sink->wait_for(2));
    EXPECT_EQ(sink->calls(), (std::vector<std::string>{"ack", "ack"}));

    const auto sent = fake.requests("chat.postEphemeral");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].args["user"], "U1");
    EXPECT_EQ(sent[0].args["channel"], "C1");
    executor->stop();
    EXPECT_EQ(db.count_nudges(), 1);
}

}  // namespace
}  // namespace incident_bot::testing

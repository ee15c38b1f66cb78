// `incident-bot demo`: the whole job on an embedded default, no Slack account needed. Starts
// the bundled fake Slack on loopback (TLS with a throwaway CA), runs the real bot against it,
// plays a short incident (declare, chatter with a blaming line, stage reactions, a pin,
// status, an action item, resolve), and prints what the bot did and the stored post-mortem.
#include <cctype>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/cli.hpp"
#include "incident_bot/demo/fake_slack.hpp"
#include "incident_bot/app/runtime.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using demo::fake_slack;

constexpr const char* channel = "C0DEMO1";

json slash(const std::string& user, const std::string& text) {
    return {{"command", "/incident"},
            {"text", text},
            {"user_id", user},
            {"user_name", user},
            {"channel_id", channel},
            {"channel_name", "checkout-war-room"},
            {"team_id", "T0DEMO"},
            {"response_url", "https://hooks.slack.invalid/commands/T0DEMO/1/x"},
            {"trigger_id", "1.2.demo"}};
}

// Message timestamps a few seconds after now, so the draft's clock makes sense.
std::string ts(int offset) {
    static const auto start = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    return std::to_string(start + offset) + ".000100";
}

json event(int n, json inner) {
    return {{"type", "event_callback"},
            {"team_id", "T0DEMO"},
            {"event_id", "EvDemo" + std::to_string(n)},
            {"event_time", std::stoll(ts(n))},
            {"event", std::move(inner)}};
}

json message(const std::string& user, const std::string& ts, const std::string& text) {
    return {{"type", "message"},
            {"channel", channel},
            {"channel_type", "channel"},
            {"user", user},
            {"text", text},
            {"ts", ts},
            {"event_ts", ts}};
}

json reaction(const std::string& user, const std::string& ts, const std::string& name) {
    return {{"type", "reaction_added"},
            {"user", user},
            {"reaction", name},
            {"item", {{"type", "message"}, {"channel", channel}, {"ts", ts}}},
            {"event_ts", ts}};
}

// Sends one slash command and prints the bot's reply from the ack.
void command(fake_slack& fake, std::ostream& out, const std::string& user, const std::string& text) {
    const auto ack = fake.wait_for_ack(fake.send_envelope("slash_commands", slash(user, text)), 10s);
    out << "\n> " << user << ": /incident " << text << "\n";
    if (ack && ack->payload.is_object())
        out << "  bot (" << ack->payload.value("response_type", "ephemeral")
            << "): " << ack->payload.value("text", "") << "\n";
}

void say(fake_slack& fake, std::ostream& out, int n, const std::string& user, const std::string& ts,
         const std::string& text) {
    fake.wait_for_ack(fake.send_envelope("events_api", event(n, message(user, ts, text))), 10s);
    out << "> " << user << ": " << text << "\n";
}

int demo_command(context& ctx) {
    options opts(ctx.args, {"db"}, {"verbose"});
    const std::string db = opts.value("db").value_or("incident-bot-demo.db");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);

    fake_slack fake;
    fake.on("chat.postMessage", [](const demo::recorded_request&) {
        return json{{"ok", true}, {"channel", channel}, {"ts", ts(99)}};
    });
    fake.on("conversations.info", [](const demo::recorded_request&) {
        return json{{"ok", true}, {"channel", {{"id", channel}, {"is_private", false}}}};
    });
    // Names for the draft, which names people instead of mentioning them.
    fake.on("users.info", [](const demo::recorded_request& r) {
        const auto id = r.args.value("user", std::string());
        std::string name = id.size() > 2 ? id.substr(2) : id;  // U0ANA: "ana"
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return json{{"ok", true},
                    {"user", {{"id", id}, {"name", name}, {"profile", {{"display_name", name}}}}}};
    });
    config cfg;
    cfg.app_token = secret("xapp-1-A0001-test");
    cfg.bot_token = secret("xoxb-0001-test");
    cfg.api_url = fake.api_url();
    cfg.ca_file = fake.ca_file();
    cfg.db_path = db;
    cfg.web_api.post_message_interval = 50ms;  // the fake does not rate-limit
    logger log(opts.flag("verbose") ? log_level::info : log_level::warn);
    runtime bot(cfg, log);
    std::thread net([&] { bot.run(false); });

    auto& out = ctx.out;
    out << "incident-bot demo: the real bot against a fake Slack at " << fake.api_url()
        << " (TLS, throwaway CA), database " << db << "\n";
    if (!fake.wait_for_connections(1, 15s)) {
        ctx.err << "demo: the bot did not connect to the fake Slack\n";
        bot.stop();
        net.join();
        return 1;
    }
    out << "Socket Mode connected.\n";

    command(fake, out, "U0ANA", "declare sev2 Checkout latency spike");
    say(fake, out, 1, "U0BEN", ts(1), "checkout p99 is at 4s since 14:02, alerts firing");
    say(fake, out, 2, "U0CAL", ts(2), "who pushed this?? someone broke prod again");
    fake.send_envelope("events_api", event(3, reaction("U0ANA", ts(1), "mag")));
    say(fake, out, 4, "U0BEN", ts(4), "db connection pool is exhausted after the 13:58 config change");
    fake.send_envelope("events_api", event(5, reaction("U0BEN", ts(4), "bulb")));
    fake.send_envelope("events_api", event(6, reaction("U0ANA", ts(4), "pushpin")));
    command(fake, out, "U0ANA", "role commander <@U0ANA|ana>");
    command(fake, out, "U0ANA", "status identified pool size halved by the config change");
    say(fake, out, 7, "U0CAL", ts(7), "rolling back the config change now");
    fake.send_envelope("events_api", event(8, reaction("U0ANA", ts(7), "white_check_mark")));
    command(fake, out, "U0BEN", "action Alert on connection-pool saturation <@U0BEN|ben> due:2026-12-12");
    command(fake, out, "U0CAL", "action Stage config changes through the deploy pipeline <@U0CAL|cal>");
    // Cal clicks Mark done on the item's post: closed, and the post updated in place.
    json click = {{"type", "block_actions"},
                  {"user", {{"id", "U0CAL"}}},
                  {"container", {{"type", "message"}, {"channel_id", channel}, {"message_ts", ts(99)}}},
                  {"channel", {{"id", channel}}},
                  {"actions", {{{"type", "button"}, {"action_id", "action_item_done"}, {"value", "2"}}}}};
    fake.wait_for_ack(fake.send_envelope("interactive", std::move(click)), 10s);
    out << "> U0CAL clicked Mark done on action #2\n";
    fake.wait_for_requests("chat.update", 1, 10s);
    command(fake, out, "U0ANA", "resolve latency back to normal after the rollback");

    // The draft goes out through chat.postMessage after the resolve; give it a moment.
    fake.wait_for_requests("chat.postMessage", 3, 10s);
    std::this_thread::sleep_for(300ms);

    out << "\nWhat the bot sent through the Web API:\n";
    for (const auto& r : fake.requests()) {
        if (r.method == "apps.connections.open") continue;
        std::string text = r.args.value("text", "");
        if (text.size() > 90) text = text.substr(0, 87) + "...";
        out << "  " << r.method << " " << r.args.value("channel", "")
            << (r.args.contains("user") ? " (only to " + r.args.value("user", "") + ")" : "")
            << ": " << text << "\n";
    }

    std::string markdown;
    bot.with_store([&](store& s) {
        if (auto open = s.list_incidents(); !open.empty())
            if (auto d = s.latest_draft(open.front().id)) markdown = d->markdown;
    });
    bot.stop();
    net.join();
    if (markdown.empty()) {
        ctx.err << "demo: no post-mortem draft was stored\n";
        return 1;
    }
    out << "\nPost-mortem draft stored in " << db << ":\n\n" << markdown << "\n";
    out << "Try: incident-bot timeline 1 --db " << db << "   |   incident-bot actions --db " << db
        << "\n";
    return 0;
}

const command_registration reg{{"demo",
                                "demo [--db FILE] [--verbose]",
                                "run the bot end to end against the bundled fake Slack (no Slack account needed)",
                                &demo_command}};

}  // namespace

}  // namespace incident_bot::cli

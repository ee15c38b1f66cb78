#include "incident_bot/commands/reminders.hpp"

#include <algorithm>
#include <set>

#include "incident_bot/postmortem/format.hpp"

namespace incident_bot {

namespace {

using detail::format_duration;

constexpr std::size_t k_digest_items = 30;

std::optional<unix_time> entry_time(store& s, std::int64_t id, std::string_view kind) {
    if (auto ts = s.last_entry_ts(id, kind)) return detail::ts_time(*ts);
    return std::nullopt;
}

std::optional<unix_time> latest(std::optional<unix_time> a, std::optional<unix_time> b) {
    if (a && b) return std::max(*a, *b);
    return a ? a : b;
}

std::string reminder_text(const incident_watch& w,
                          reminder_kind kind,
                          const commands_config& cfg,
                          unix_time now) {
    const auto id = "#" + std::to_string(w.inc.id);
    switch (kind) {
        case reminder_kind::no_commander:
            return ":wave: Incident " + id + " has no commander yet (declared " +
                   format_duration(now - w.inc.declared_at) +
                   " ago). One person steering helps everyone: `" + cfg.command +
                   " role commander @person`.";
        case reminder_kind::no_severity:
            return ":thinking_face: Incident " + id +
                   " has no severity yet. A rough guess is fine "
                   "and easy to change: `" +
                   cfg.command + " severity sev2`.";
        case reminder_kind::stale_status:
            return ":hourglass: No status update on SEV" + std::to_string(w.inc.severity) +
                   " incident " + id + " for " +
                   format_duration(now - w.last_status_update.value_or(w.inc.declared_at)) +
                   ". One line helps people following along: `" + cfg.command +
                   " status identified what we know`.";
        case reminder_kind::still_open:
            return ":zzz: Incident " + id + " has been quiet for " +
                   format_duration(now - w.last_activity) + ". Still open? `" + cfg.command +
                   " resolve` when it's over, or post an update.";
    }
    return {};
}

}  // namespace

incident_watch watch_incident(store& s, const incident& i) {
    incident_watch w;
    w.inc = i;
    w.severity_chosen = entry_time(s, i.id, "severity_change").has_value() ||
                        entry_time(s, i.id, "severity_set").has_value();
    w.last_status_update =
        latest(entry_time(s, i.id, "status_change"), entry_time(s, i.id, "status_update"));
    w.last_activity = std::max(entry_time(s, i.id, "").value_or(i.declared_at), i.declared_at);
    return w;
}

std::vector<reminder> due_reminders(const std::vector<incident_watch>& incidents,
                                    const reminder_log& sent,
                                    const commands_config& cfg,
                                    unix_time now) {
    std::vector<reminder> out;
    for (const auto& w : incidents) {
        if (w.inc.status == incident_status::resolved || w.inc.channel.starts_with("pending:"))
            continue;
        // Due when `interval` has passed since `since` and since the last reminder of the kind.
        const auto consider =
            [&](reminder_kind kind, bool applies, std::chrono::minutes interval, unix_time since) {
                if (!applies || interval.count() == 0) return;
                auto it = sent.find({w.inc.id, kind});
                if (it != sent.end()) since = std::max(since, it->second);
                if (now - since < interval) return;
                out.push_back({w.inc.id, w.inc.channel, kind, reminder_text(w, kind, cfg, now)});
            };
        consider(reminder_kind::no_commander,
                 !w.inc.commander,
                 cfg.commander_reminder,
                 w.inc.declared_at);
        consider(reminder_kind::no_severity,
                 !w.severity_chosen,
                 cfg.severity_reminder,
                 w.inc.declared_at);
        consider(reminder_kind::stale_status,
                 w.inc.severity <= 2,
                 cfg.status_reminder,
                 w.last_status_update.value_or(w.inc.declared_at));
        consider(reminder_kind::still_open, true, cfg.idle_reminder, w.last_activity);
    }
    return out;
}

bool digest_due(std::chrono::minutes digest_time,
                std::optional<unix_time> last_run,
                unix_time now) {
    const unix_time today_at = std::chrono::floor<std::chrono::days>(now) + digest_time;
    return now >= today_at && (!last_run || *last_run < today_at);
}

std::vector<api_call> digest_calls(store& s,
                                   const commands_config& cfg,
                                   std::chrono::sys_days today) {
    std::vector<api_call> calls;
    action_filter f;
    f.scope = action_scope::open;
    f.today = today;
    auto open = s.list_action_items(f);
    // The digest channel sees items of private incidents only when it is their own channel;
    // the owners' own reminders below still cover them.
    auto listed = open;
    std::set<std::int64_t> hidden;
    for (const auto& i : s.list_incidents())
        if (!i.visible_in(cfg.digest_channel)) hidden.insert(i.id);
    std::erase_if(listed, [&](const action_item& a) { return hidden.contains(a.incident_id); });
    if (!cfg.digest_channel.empty() && !listed.empty()) {
        const auto overdue = [&](const action_item& a) { return a.due && *a.due < today; };
        // Overdue first, each group in id order.
        std::stable_partition(listed.begin(), listed.end(), overdue);
        const auto n_overdue = std::count_if(listed.begin(), listed.end(), overdue);
        std::string text = ":clipboard: *Action items: " + std::to_string(listed.size()) + " open, " +
                           std::to_string(n_overdue) + " overdue*\n";
        for (std::size_t i = 0; i < listed.size() && i < k_digest_items; ++i) {
            const auto& a = listed[i];
            text += "• #" + std::to_string(a.id) + " " +
                    detail::truncate_utf8(detail::one_line(a.text), 120);
            text += a.owner ? " — <@" + *a.owner + ">" : std::string(" — no owner yet");
            if (a.due) text += ", due " + detail::format_day(*a.due);
            if (overdue(a)) text += " *(overdue)*";
            text += " · incident #" + std::to_string(a.incident_id) + "\n";
        }
        if (listed.size() > k_digest_items)
            text += "… and " + std::to_string(listed.size() - k_digest_items) + " more: `" +
                    cfg.command + " actions open`";
        calls.push_back({"chat.postMessage",
                         {{"channel", cfg.digest_channel}, {"text", text}, {"unfurl_links", false}},
                         "digest"});
    }
    for (const auto& a : open) {
        if (!a.owner || a.due != today) continue;
        // chat.postMessage to a user id lands in the bot's DM with that person.
        calls.push_back(
            {"chat.postMessage",
             {{"channel", *a.owner},
              {"text",
               ":alarm_clock: Action #" + std::to_string(a.id) +
                   " is due today: " + detail::truncate_utf8(detail::one_line(a.text), 300) +
                   " (incident #" + std::to_string(a.incident_id) + "). `" + cfg.command +
                   " done " + std::to_string(a.id) + "` when it's finished."}},
             "due_reminder"});
    }
    return calls;
}

std::vector<api_call> check_reminders(store& s,
                                      const commands_config& cfg,
                                      reminder_state& state,
                                      unix_time now) {
    std::vector<incident_watch> watches;
    for (const auto& i : s.list_incidents(true)) watches.push_back(watch_incident(s, i));
    std::vector<api_call> calls;
    for (auto& r : due_reminders(watches, state.sent, cfg, now)) {
        state.sent[{r.incident_id, r.kind}] = now;
        calls.push_back({"chat.postMessage",
                         {{"channel", r.channel}, {"text", std::move(r.text)}},
                         "reminder"});
    }
    // Forget resolved incidents so the log stays small.
    std::erase_if(state.sent, [&](const auto& entry) {
        return std::none_of(watches.begin(), watches.end(), [&](const incident_watch& w) {
            return w.inc.id == entry.first.first;
        });
    });
    if (digest_due(cfg.digest_time, state.last_digest, now)) {
        state.last_digest = now;
        for (auto& c : digest_calls(s, cfg, std::chrono::floor<std::chrono::days>(now)))
            calls.push_back(std::move(c));
    }
    return calls;
}

}  // namespace incident_bot

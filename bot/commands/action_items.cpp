#include "incident_bot/commands/action_items.hpp"

#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;

// Longest item text quoted back in a post or a reply.
constexpr std::size_t k_echo_chars = 300;

std::string tag(std::int64_t id) { return "action #" + std::to_string(id); }

struct found {
    std::optional<action_item> item;
    std::optional<incident> inc;
};

// The item and its incident, or the change that says why not: missing, or refused.
std::optional<item_change> check(store& s,
                                 const commands_config& cfg,
                                 std::int64_t id,
                                 const requester& who,
                                 found& f) {
    item_change out;
    out.reply = "There's no " + tag(id) + " that you can see here. `" + cfg.command +
                " actions all` lists them.";
    f.item = s.get_action_item(id);
    f.inc = f.item ? s.get_incident(f.item->incident_id) : std::nullopt;
    if (!f.item || !f.inc) return out;
    if (auto no = may_close_item(cfg, *f.item, *f.inc, who)) {
        if (f.inc->visible_in(who.channel)) {
            out.result = item_result::refused;
            out.reply = std::move(*no);
        }
        return out;
    }
    out.item = f.item;
    out.inc = f.inc;
    if (f.item->done) {
        out.result = item_result::already;
        out.reply = "Action #" + std::to_string(id) + " is already done. Nothing to change.";
        return out;
    }
    return std::nullopt;
}

// The item's own post, updated in place after a change made elsewhere (a command, the Home);
// nothing when the bot does not know where it is.
void update_post(item_change& change, std::string_view closed_by) {
    const auto& item = *change.item;
    if (!item.post_channel || !item.post_ts) return;
    const auto line = action_post_line(item);
    change.follow_ups.push_back(
        {"chat.update",
         {{"channel", *item.post_channel},
          {"ts", *item.post_ts},
          {"text", line},
          {"blocks", item.done ? action_post_blocks(line, item.id, std::string(closed_by), item.done_at)
                               : action_post_blocks(line, item.id)}},
         "item post"});
}

}  // namespace

item_change close_action_item(store& s,
                              const commands_config& cfg,
                              std::int64_t id,
                              const requester& who) {
    found f;
    if (auto no = check(s, cfg, id, who, f)) return std::move(*no);
    transaction tx(s);
    s.complete_action_item(id);
    tx.commit();
    item_change out{item_result::changed,
                    "Marked action #" + std::to_string(id) + " done. Thank you!",
                    s.get_action_item(id),
                    f.inc,
                    {}};
    if (f.inc->status != incident_status::resolved)
        out.follow_ups.push_back(
            {"chat.postMessage",
             {{"channel", f.inc->channel},
              {"text",
               detail::quiet_mentions(":white_check_mark: Action #" + std::to_string(id) +
                                      " done: " + detail::truncate_utf8(f.item->text, k_echo_chars) +
                                      " (<@" + std::string(who.user) + ">)")},
              {"unfurl_links", false}},
             "echo"});
    update_post(out, who.user);
    return out;
}

item_change snooze_action_item(store& s,
                               const commands_config& cfg,
                               std::int64_t id,
                               const requester& who,
                               std::chrono::days by,
                               std::chrono::sys_days today) {
    found f;
    if (auto no = check(s, cfg, id, who, f)) {
        if (no->result == item_result::already)
            no->reply = "Action #" + std::to_string(id) + " is already done, so there's nothing "
                        "to snooze.";
        return std::move(*no);
    }
    const auto from = f.item->due && *f.item->due > today ? *f.item->due : today;
    transaction tx(s);
    s.set_action_due(id, from + by);
    tx.commit();
    item_change out{item_result::changed,
                    "Snoozed action #" + std::to_string(id) + ": now due " +
                        detail::format_day(from + by) + ".",
                    s.get_action_item(id),
                    f.inc,
                    {}};
    update_post(out, who.user);
    return out;
}

json item_button(std::string_view action, std::int64_t id, std::string_view suffix) {
    const bool done = action == item_done_action;
    json b = {{"type", "button"},
              {"text", {{"type", "plain_text"}, {"text", done ? "Mark done" : "Snooze 7 days"}}},
              {"action_id", std::string(action) + (suffix.empty() ? "" : ":") + std::string(suffix)},
              {"value", std::to_string(id)}};
    if (done) b["style"] = "primary";
    return b;
}

json action_post_blocks(std::string_view line,
                        std::int64_t id,
                        const std::optional<std::string>& closed_by,
                        std::optional<unix_time> closed_at) {
    json blocks = json::array(
        {{{"type", "section"},
          {"text", {{"type", "mrkdwn"}, {"text", detail::truncate_utf8(line, 2900)}}}}});
    if (closed_by) {
        blocks.push_back(
            {{"type", "context"},
             {"elements",
              json::array({{{"type", "mrkdwn"},
                            {"text", ":white_check_mark: Done, closed by <@" + *closed_by + ">" +
                                         (closed_at ? " on " + detail::format_time(*closed_at)
                                                    : std::string())}}})}});
        return blocks;
    }
    blocks.push_back({{"type", "actions"},
                      {"block_id", "action_item:" + std::to_string(id)},
                      {"elements",
                       json::array({item_button(item_done_action, id),
                                    item_button(item_snooze_action, id)})}});
    return blocks;
}

std::string action_post_line(const action_item& a) {
    std::string line = std::string(a.done ? ":white_check_mark:" : ":ballot_box_with_check:") +
                       " Action #" + std::to_string(a.id) + ": " +
                       detail::truncate_utf8(a.text, k_echo_chars);
    if (a.owner) line += " — owner <@" + *a.owner + ">";
    if (a.due) line += (a.owner ? ", due " : " — due ") + detail::format_day(*a.due);
    return detail::quiet_mentions(line);
}

}  // namespace incident_bot

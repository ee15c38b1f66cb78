#include "incident_bot/rules/nudge.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace incident_bot {

namespace {

using json = nlohmann::json;

// Slack caps a section block's text at 3,000 characters (Block Kit reference, "Section"); bytes are
// at least characters, so byte budgets below that are safe.
constexpr std::size_t why_budget = 1'500;
constexpr std::size_t quote_budget = 500;
constexpr std::size_t suggestion_budget = 1'500;
constexpr std::string_view ellipsis = "\xE2\x80\xA6";

std::string string_field(const json& obj, const char* key) {
    if (!obj.is_object()) return {};
    auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string{};
}

std::string string_field(json_view obj, std::string_view key) {
    return std::string(obj.string(key).value_or(""));
}

bool has_field(json_view obj, std::string_view key) {
    const json_view v = obj[key];
    return v.present() && !v.is_null();
}

// Bytes in the UTF-8 sequence that starts with `lead` (1 for stray continuation bytes, so
// malformed input still advances).
std::size_t sequence_length(unsigned char lead) {
    if (lead >= 0xF0) return 4;
    if (lead >= 0xE0) return 3;
    if (lead >= 0xC0) return 2;
    return 1;
}

// Escapes `&`, `<` and `>` as Slack requires in mrkdwn, keeping the result within
// `max_bytes`; a cut lands between characters and ends with an ellipsis.
std::string escape_mrkdwn(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes));
    for (std::size_t i = 0; i < text.size();) {
        std::string_view piece;
        std::size_t used = 1;
        switch (text[i]) {
            case '&':
                piece = "&amp;";
                break;
            case '<':
                piece = "&lt;";
                break;
            case '>':
                piece = "&gt;";
                break;
            default:
                used =
                    std::min(sequence_length(static_cast<unsigned char>(text[i])), text.size() - i);
                piece = text.substr(i, used);
        }
        // Room for the ellipsis is kept only when more text follows this piece.
        const bool last = i + used == text.size();
        const std::size_t reserve = last ? 0 : ellipsis.size();
        if (out.size() + piece.size() + reserve > max_bytes) {
            if (out.size() + ellipsis.size() <= max_bytes) out += ellipsis;
            return out;
        }
        out += piece;
        i += used;
    }
    return out;
}

// What a person sees for one `<...>` markup item (without the brackets).
std::string markup_label(std::string_view inner) {
    const auto bar = inner.find('|');
    std::string_view target = inner.substr(0, bar);
    std::string_view label =
        bar == std::string_view::npos ? std::string_view{} : inner.substr(bar + 1);
    if (target.starts_with('@') || target.starts_with('#'))
        return label.empty() ? std::string(target) : std::string(1, target[0]) + std::string(label);
    if (target.starts_with('!')) {
        if (!label.empty()) return std::string(label);
        // <!here>, <!channel>, <!subteam^S1>: keep the name, drop the id.
        return "@" + std::string(target.substr(1, target.find('^') - 1));
    }
    return std::string(label.empty() ? target : label);
}

// Slack's three entities (everything else is sent literally).
void append_decoded(std::string& out, std::string_view text) {
    constexpr std::pair<std::string_view, char> entities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}};
    for (std::size_t i = 0; i < text.size();) {
        const auto rest = text.substr(i);
        const auto* e = std::find_if(std::begin(entities), std::end(entities), [&](const auto& x) {
            return rest.starts_with(x.first);
        });
        if (e == std::end(entities)) {
            out += text[i++];
        } else {
            out += e->second;
            i += e->first.size();
        }
    }
}

json button(std::string_view label, std::string_view action_id, const std::string& rule_id) {
    return {{"type", "button"},
            {"text", {{"type", "plain_text"}, {"text", label}, {"emoji", true}}},
            {"action_id", action_id},
            {"value", rule_id}};
}

json mrkdwn(std::string text) { return {{"type", "mrkdwn"}, {"text", std::move(text)}}; }

// The vote buttons' block says which message and kind the nudge was about, so a vote can
// keep that message as a labeled example ("nudge_feedback:<category>:<ts>"). Slack returns a
// block's id with every click on it.
constexpr std::string_view feedback_block = "nudge_feedback";

std::string feedback_block_id(std::string_view category, std::string_view ts) {
    if (ts.empty() || ts.size() > 40) return std::string(feedback_block);
    return std::string(feedback_block) + ":" + std::string(category) + ":" + std::string(ts);
}

}  // namespace

std::optional<nudge_message> nudge_candidate(json_view event, std::string_view bot_user) {
    if (!event.is_object() || string_field(event, "type") != "message") return std::nullopt;
    json_view msg = event;
    const std::string subtype = string_field(event, "subtype");
    if (subtype == "message_changed") {
        msg = event["message"];
        if (!msg.is_object()) return std::nullopt;
        // Unfurls and thread bookkeeping arrive as edits with the same text: not a new
        // thing the person wrote. Without the old version we cannot tell, so stay quiet.
        const json_view prev = event["previous_message"];
        if (!prev.is_object() || !prev["text"].present() ||
            string_field(prev, "text") == string_field(msg, "text"))
            return std::nullopt;
        if (!string_field(msg, "subtype").empty()) return std::nullopt;
    } else if (!subtype.empty() && subtype != "thread_broadcast") {
        return std::nullopt;
    }
    // Bot posts, ours included, carry bot_id (message event subtype "bot_message" and app posts).
    if (has_field(event, "bot_id") || has_field(msg, "bot_id")) return std::nullopt;

    nudge_message m;
    m.channel = string_field(event, "channel");
    m.user = string_field(msg, "user");
    m.text = string_field(msg, "text");
    m.ts = string_field(msg, "ts");
    if (m.channel.empty() || m.user.empty() || m.text.empty()) return std::nullopt;
    if (!bot_user.empty() && m.user == bot_user) return std::nullopt;
    // Only replies go to the thread; a thread parent's nudge belongs in the channel.
    const std::string thread_ts = string_field(msg, "thread_ts");
    if (!thread_ts.empty() && thread_ts != string_field(msg, "ts")) m.thread_ts = thread_ts;
    return m;
}

std::optional<finding> decide_nudge(const nudges_config& cfg,
                                    std::vector<finding> findings,
                                    const nudge_context& ctx) {
    if (!cfg.enabled || !ctx.opted_in) return std::nullopt;
    if (cfg.scope == nudge_scope::incident_channels && !ctx.watched) return std::nullopt;
    for (auto& f : findings)
        if (!ctx.throttled.contains(f.category)) return std::move(f);
    return std::nullopt;
}

std::string quote_for_mrkdwn(std::string_view text, std::size_t max_bytes) {
    std::string plain;
    plain.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto close = text[i] == '<' ? text.find('>', i) : std::string_view::npos;
        if (close == std::string_view::npos) {
            const auto next = text.find('<', i + 1);
            append_decoded(plain, text.substr(i, next == std::string_view::npos ? next : next - i));
            i = next == std::string_view::npos ? text.size() : next;
            continue;
        }
        append_decoded(plain, markup_label(text.substr(i + 1, close - i - 1)));
        i = close + 1;
    }
    return escape_mrkdwn(plain, max_bytes);
}

json nudge_blocks(const finding& f, std::string_view opt_out_command, std::string_view message_ts) {
    std::string advice =
        "*You wrote:* \xE2\x80\x9C" + quote_for_mrkdwn(f.matched, quote_budget) + "\xE2\x80\x9D";
    if (!f.suggestion.empty())
        advice += "\n*You could try:* \xE2\x80\x9C" +
                  escape_mrkdwn(f.suggestion, suggestion_budget) + "\xE2\x80\x9D";
    return json::array(
        {{{"type", "section"},
          {"text",
           mrkdwn(":seedling: *A thought on wording*\n" + escape_mrkdwn(f.why, why_budget))}},
         {{"type", "section"}, {"text", mrkdwn(std::move(advice))}},
         {{"type", "actions"},
          {"block_id", feedback_block_id(f.category, message_ts)},
          {"elements",
           {button("Helpful", nudge_vote_helpful_action, f.rule_id),
            button("Not helpful", nudge_vote_not_helpful_action, f.rule_id)}}},
         {{"type", "context"},
          {"elements",
           {mrkdwn("Only you can see this. To stop these tips, type `" +
                   escape_mrkdwn(opt_out_command, 100) + " nudges off`.")}}}});
}

json nudge_ephemeral_args(const nudge_message& m,
                          const finding& f,
                          std::string_view opt_out_command) {
    // The fallback shows in notifications and screen readers, so it says the same in short.
    std::string text = "A thought on wording: " + escape_mrkdwn(f.why, why_budget);
    if (!f.suggestion.empty())
        text += " You could try: \xE2\x80\x9C" + escape_mrkdwn(f.suggestion, suggestion_budget) +
                "\xE2\x80\x9D";
    json args = {{"channel", m.channel},
                 {"user", m.user},
                 {"text", std::move(text)},
                 {"blocks", nudge_blocks(f, opt_out_command, m.ts)}};
    if (m.thread_ts) args["thread_ts"] = *m.thread_ts;
    return args;
}

std::optional<nudge_vote> parse_nudge_vote(const json& payload) {
    if (!payload.is_object() || string_field(payload, "type") != "block_actions")
        return std::nullopt;
    auto actions = payload.find("actions");
    if (actions == payload.end() || !actions->is_array()) return std::nullopt;
    for (const auto& a : *actions) {
        const std::string id = string_field(a, "action_id");
        if (id != nudge_vote_helpful_action && id != nudge_vote_not_helpful_action) continue;
        nudge_vote v;
        v.rule_id = string_field(a, "value");
        v.helpful = id == nudge_vote_helpful_action;
        v.user = string_field(payload.value("user", json::object()), "id");
        // Rule ids are short; anything long was not put there by us.
        if (v.rule_id.empty() || v.rule_id.size() > 255 || v.user.empty()) return std::nullopt;
        v.channel = string_field(payload.value("channel", json::object()), "id");
        if (v.channel.empty())
            v.channel = string_field(payload.value("container", json::object()), "channel_id");
        v.response_url = string_field(payload, "response_url");
        const std::string block = string_field(a, "block_id");
        const auto colon = block.rfind(':');
        if (block.starts_with(std::string(feedback_block) + ":") && colon > feedback_block.size()) {
            v.category = block.substr(feedback_block.size() + 1, colon - feedback_block.size() - 1);
            v.message_ts = block.substr(colon + 1);
        }
        return v;
    }
    return std::nullopt;
}

}  // namespace incident_bot

#include "incident_bot/commands/home.hpp"

#include <algorithm>
#include <map>

#include "incident_bot/commands/action_items.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;
using detail::truncate_utf8;

// Slack's limits (protocol notes §12; Block Kit reference).
constexpr std::size_t k_max_view_blocks = 100;
constexpr std::size_t k_max_message_blocks = 50;
constexpr std::size_t k_section_chars = 3000;
constexpr std::size_t k_header_chars = 150;
constexpr std::size_t k_button_text_chars = 75;
constexpr std::size_t k_button_value_chars = 2000;
constexpr std::size_t k_id_chars = 255;
// What the Home lists before it points at the commands: a view of a few dozen blocks stays
// readable, and far below Slack's size limit with 1,000 open items.
constexpr std::size_t k_mine_items = 10;
constexpr std::size_t k_my_incidents = 10;
constexpr std::size_t k_all_lines = 150;
constexpr std::size_t k_lines_per_group = 20;
// Section text is bounded in bytes here: bytes >= characters, so it is never over.
constexpr std::size_t k_section_budget = k_section_chars - 100;

std::size_t chars(std::string_view s) {
    // UTF-8 code points: every byte that is not a continuation byte.
    return static_cast<std::size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

json mrkdwn(std::string text) { return {{"type", "mrkdwn"}, {"text", std::move(text)}}; }
json plain(std::string text) {
    return {{"type", "plain_text"}, {"text", std::move(text)}, {"emoji", true}};
}
json section(std::string text) {
    return {{"type", "section"}, {"text", mrkdwn(truncate_utf8(text, k_section_budget))}};
}
json context(std::string text) {
    return {{"type", "context"},
            {"elements", json::array({mrkdwn(truncate_utf8(text, k_section_budget))})}};
}
json header(std::string text) {
    return {{"type", "header"}, {"text", plain(truncate_utf8(text, k_header_chars - 10))}};
}

std::string status_word(incident_status s) {
    return s == incident_status::mitigated ? "monitoring" : std::string(to_string(s));
}

bool overdue(const action_item& a, std::chrono::sys_days today) {
    return !a.done && a.due && *a.due < today;
}

// Overdue first, then by due date (none last), then by id.
void sort_items(std::vector<action_item>& items, std::chrono::sys_days today) {
    std::stable_sort(items.begin(), items.end(), [&](const action_item& a, const action_item& b) {
        const bool oa = overdue(a, today), ob = overdue(b, today);
        if (oa != ob) return oa;
        if (a.due.has_value() != b.due.has_value()) return a.due.has_value();
        if (a.due && *a.due != *b.due) return *a.due < *b.due;
        return a.id < b.id;
    });
}

std::string plural(std::size_t n, std::string_view word) {
    return std::to_string(n) + " " + std::string(word) + (n == 1 ? "" : "s");
}

std::string due_text(const action_item& a, std::chrono::sys_days today) {
    if (!a.due) return "no due date";
    return "due " + detail::format_day(*a.due) + (overdue(a, today) ? " *(overdue)*" : "");
}

class home_builder {
  public:
    home_builder(store& s, const commands_config& cfg, const home_request& r)
        : s_(s), cfg_(cfg), r_(r) {}

    json build() {
        load();
        if (!r_.notice.empty()) add(context(":warning: " + r_.notice));
        mine();
        add({{"type", "divider"}});
        my_incidents();
        add({{"type", "divider"}});
        everyone();
        return {{"type", "home"}, {"callback_id", "incident_bot_home"}, {"blocks", blocks_}};
    }

  private:
    void load() {
        for (auto& i : s_.list_incidents()) incidents_.emplace(i.id, std::move(i));
        const auto authored = s_.open_incidents_with_author(r_.user);
        authored_ = {authored.begin(), authored.end()};
        action_filter f;
        f.scope = r_.filter == home_filter::all ? action_scope::all : action_scope::open;
        f.today = r_.today;
        items_ = s_.list_action_items(f);
        // Who is in which incident, from every item (done ones included).
        std::map<std::int64_t, std::vector<action_item>> by_incident;
        for (const auto& a : items_) by_incident[a.incident_id].push_back(a);
        for (const auto& [id, i] : incidents_)
            if (is_in_incident(i, r_.user, authored_, by_incident[id])) in_.insert(id);
    }

    bool visible(std::int64_t incident_id) const {
        const auto it = incidents_.find(incident_id);
        // A private incident (or one whose privacy Slack has not told yet) only to its people.
        return it != incidents_.end() && (it->second.is_private == false || in_.contains(incident_id));
    }

    std::string incident_ref(std::int64_t id) const {
        const auto it = incidents_.find(id);
        if (it == incidents_.end()) return "incident #" + std::to_string(id);
        std::string ref = "incident #" + std::to_string(id);
        if (!it->second.channel.starts_with("pending:")) ref += " in <#" + it->second.channel + ">";
        return ref;
    }

    std::string item_text(const action_item& a) const {
        return truncate_utf8(detail::one_line(a.text), 200);
    }

    void add(json block) { blocks_.push_back(std::move(block)); }

    void mine() {
        std::vector<action_item> mine;
        for (const auto& a : items_)
            if (!a.done && a.owner == r_.user && visible(a.incident_id)) mine.push_back(a);
        sort_items(mine, r_.today);
        const auto late = std::count_if(
            mine.begin(), mine.end(), [&](const action_item& a) { return overdue(a, r_.today); });
        add(header("Your action items (" + std::to_string(mine.size()) + " open" +
                   (late ? ", " + std::to_string(late) + " overdue" : "") + ")"));
        if (mine.empty()) add(context("Nothing open on your plate. :tada:"));
        for (std::size_t k = 0; k < mine.size() && k < k_mine_items; ++k) {
            const auto& a = mine[k];
            add(section(std::string(overdue(a, r_.today) ? ":red_circle: " : "") + "*#" +
                        std::to_string(a.id) + "* " + item_text(a) + "\n" +
                        incident_ref(a.incident_id) + " · " + due_text(a, r_.today)));
            add({{"type", "actions"},
                 {"block_id", "mine:" + std::to_string(a.id)},
                 {"elements",
                  json::array({item_button(item_done_action, a.id, "mine:" + std::to_string(a.id)),
                               item_button(item_snooze_action, a.id, "mine:" + std::to_string(a.id))})}});
        }
        if (mine.size() > k_mine_items)
            add(context("… and " + std::to_string(mine.size() - k_mine_items) +
                        " more of yours. `" + cfg_.command + " actions open <@" + r_.user +
                        ">` lists them all."));
    }

    void my_incidents() {
        std::vector<const incident*> mine;
        for (const auto& [id, i] : incidents_)
            if (i.status != incident_status::resolved && in_.contains(id)) mine.push_back(&i);
        add(header("Incidents you are in (" + std::to_string(mine.size()) + ")"));
        if (mine.empty()) add(context("None open right now."));
        for (std::size_t k = 0; k < mine.size() && k < k_my_incidents; ++k) {
            const auto& i = *mine[k];
            std::string text = "*#" + std::to_string(i.id) + " " +
                               truncate_utf8(detail::quiet_mentions(i.title), 150) + "*\nSEV" +
                               std::to_string(i.severity) + " · " + status_word(i.status);
            if (!i.channel.starts_with("pending:")) text += " · <#" + i.channel + ">";
            if (i.commander == r_.user) text += " · you are the commander";
            else if (i.commander) text += " · commander <@" + *i.commander + ">";
            add(section(std::move(text)));
        }
        if (mine.size() > k_my_incidents)
            add(context("… and " + std::to_string(mine.size() - k_my_incidents) + " more. `" +
                        cfg_.command + " list` shows every open incident."));
    }

    json filter_button(home_filter f, std::string_view label) const {
        json b = {{"type", "button"},
                  {"text", plain(std::string(label))},
                  {"action_id", std::string(home_filter_action) + ":" + std::string(to_string(f))},
                  {"value", std::string(to_string(f))}};
        if (f == r_.filter) b["style"] = "primary";
        return b;
    }

    void everyone() {
        std::vector<action_item> shown;
        for (const auto& a : items_) {
            if (!visible(a.incident_id)) continue;
            if (r_.filter == home_filter::overdue && !overdue(a, r_.today)) continue;
            if (r_.filter == home_filter::mine && a.owner != r_.user) continue;
            shown.push_back(a);
        }
        sort_items(shown, r_.today);
        const auto late = std::count_if(
            shown.begin(), shown.end(), [&](const action_item& a) { return overdue(a, r_.today); });
        static constexpr const char* titles[] = {
            "All open action items", "Overdue action items", "Action items you own",
            "All action items, done ones too"};
        add(header(std::string(titles[static_cast<int>(r_.filter)])));
        const bool by_owner = r_.grouping == home_grouping::owner;
        add({{"type", "actions"},
             {"block_id", "home_filters"},
             {"elements",
              json::array({filter_button(home_filter::open, "Open"),
                           filter_button(home_filter::overdue, "Overdue"),
                           filter_button(home_filter::mine, "Mine"),
                           filter_button(home_filter::all, "All"),
                           {{"type", "button"},
                            {"text", plain(by_owner ? "Group by incident" : "Group by owner")},
                            {"action_id", std::string(home_group_action)},
                            {"value", by_owner ? "incident" : "owner"}}})}});

        // Groups in order of their first (most urgent) item.
        std::vector<std::string> order;
        std::map<std::string, std::vector<const action_item*>> groups;
        for (const auto& a : shown) {
            const auto key = by_owner ? a.owner.value_or("") : std::to_string(a.incident_id);
            auto& g = groups[key];
            if (g.empty()) order.push_back(key);
            g.push_back(&a);
        }
        add(context(plural(shown.size(), "item") + " · " + std::to_string(late) + " overdue · " +
                    plural(groups.size(), by_owner ? "owner" : "incident")));
        if (shown.empty()) add(context("Nothing here. :tada:"));

        std::size_t listed = 0;
        for (const auto& key : order) {
            // Keep one block for the "more" line below.
            if (blocks_.size() + 2 > k_max_view_blocks || listed >= k_all_lines) break;
            const auto& g = groups[key];
            const auto g_late = std::count_if(
                g.begin(), g.end(), [&](const action_item* a) { return overdue(*a, r_.today); });
            std::string text;
            if (by_owner) {
                text = key.empty() ? "*No owner*" : "*<@" + key + ">*";
            } else {
                const auto& i = incidents_.at(g.front()->incident_id);
                text = "*Incident #" + key + ": " +
                       truncate_utf8(detail::quiet_mentions(i.title), 120) + "*";
            }
            text += " — " + std::to_string(g.size()) + (r_.filter == home_filter::all ? "" : " open") +
                    (g_late ? ", " + std::to_string(g_late) + " overdue" : "");
            std::size_t in_group = 0;
            for (const auto* a : g) {
                std::string line = std::string("\n") + (a->done ? "☑ " : "• ") +
                                   (overdue(*a, r_.today) ? ":red_circle: " : "") + "#" +
                                   std::to_string(a->id) + " " + item_text(*a) + " — ";
                line += by_owner ? incident_ref(a->incident_id)
                                 : (a->owner ? "<@" + *a->owner + ">" : std::string("no owner"));
                line += ", " + due_text(*a, r_.today);
                if (text.size() + line.size() > k_section_budget - 80 ||
                    in_group >= k_lines_per_group || listed >= k_all_lines)
                    break;
                text += line;
                ++in_group;
                ++listed;
            }
            if (in_group < g.size())
                text += "\n_… " + std::to_string(g.size() - in_group) + " more in this group_";
            add(section(std::move(text)));
        }
        if (listed < shown.size())
            add(context(std::to_string(shown.size() - listed) +
                        " more not shown here. In Slack: `" + cfg_.command +
                        " actions all` (add @owner or #channel to narrow it); on the server: "
                        "`incident-bot actions --all`."));
    }

    store& s_;
    const commands_config& cfg_;
    const home_request& r_;
    std::map<std::int64_t, incident> incidents_;
    std::set<std::int64_t> authored_;
    std::set<std::int64_t> in_;
    std::vector<action_item> items_;
    json blocks_ = json::array();
};

void check_text(std::vector<std::string>& out,
                const json& obj,
                const char* key,
                std::size_t max,
                const std::string& where) {
    if (!obj.is_object()) return;
    const auto it = obj.find(key);
    if (it == obj.end()) return;
    const json* text = &*it;
    if (text->is_object()) {
        const auto t = text->find("text");
        if (t == text->end()) return;
        text = &*t;
    }
    if (text->is_string() && chars(text->get_ref<const std::string&>()) > max)
        out.push_back(where + " " + key + " is over " + std::to_string(max) + " characters");
}

void check_id(std::vector<std::string>& out,
              std::set<std::string>& seen,
              const json& obj,
              const char* key,
              const std::string& where) {
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return;
    const auto& id = it->get_ref<const std::string&>();
    if (chars(id) > k_id_chars) out.push_back(where + " " + key + " is over 255 characters");
    if (!seen.insert(id).second) out.push_back(where + " " + key + " '" + id + "' is not unique");
}

}  // namespace

json build_home_view(store& s, const commands_config& cfg, const home_request& r) {
    return home_builder(s, cfg, r).build();
}

bool is_in_incident(const incident& i,
                    std::string_view user,
                    const std::set<std::int64_t>& authored,
                    const std::vector<action_item>& items) {
    if (i.commander == user || i.comms == user || i.scribe == user || i.declared_by == user ||
        authored.contains(i.id))
        return true;
    return std::any_of(items.begin(), items.end(), [&](const action_item& a) {
        return a.incident_id == i.id && (a.owner == user || a.created_by == user);
    });
}

std::set<std::string> incident_people(store& s, const incident& i) {
    std::set<std::string> people;
    for (const auto* u : {&i.commander, &i.comms, &i.scribe, &i.declared_by})
        if (*u) people.insert(**u);
    action_filter f;
    f.scope = action_scope::all;
    f.incident_id = i.id;
    for (const auto& a : s.list_action_items(f)) {
        if (a.owner) people.insert(*a.owner);
        if (a.created_by) people.insert(*a.created_by);
    }
    for (auto& u : s.timeline_authors(i.id)) people.insert(std::move(u));
    return people;
}

std::vector<std::string> block_kit_problems(const json& v) {
    std::vector<std::string> out;
    if (!v.is_object()) return {"not a JSON object"};
    const auto blocks = v.find("blocks");
    if (blocks == v.end() || !blocks->is_array()) {
        if (v.contains("type")) out.push_back("a view needs a blocks array");
        return out;
    }
    const bool view = v.contains("type");
    const auto max_blocks = view ? k_max_view_blocks : k_max_message_blocks;
    if (blocks->size() > max_blocks)
        out.push_back(std::to_string(blocks->size()) + " blocks, over " +
                      std::to_string(max_blocks));
    if (view) {
        for (const char* k : {"title", "submit", "close"}) check_text(out, v, k, 24, "view");
        check_text(out, v, "private_metadata", 3000, "view");
    }
    std::set<std::string> action_ids, block_ids;
    for (std::size_t n = 0; n < blocks->size(); ++n) {
        const auto& b = (*blocks)[n];
        const auto where = "block " + std::to_string(n);
        if (!b.is_object() || !b.contains("type")) {
            out.push_back(where + " has no type");
            continue;
        }
        const auto type = b.value("type", "");
        check_id(out, block_ids, b, "block_id", where);
        if (type == "section") check_text(out, b, "text", k_section_chars, where);
        if (type == "header") check_text(out, b, "text", k_header_chars, where);
        if (type == "input") check_text(out, b, "label", 2000, where);
        std::vector<json> elements;
        if (auto e = b.find("elements"); e != b.end() && e->is_array())
            elements.assign(e->begin(), e->end());
        if (auto a = b.find("accessory"); a != b.end()) elements.push_back(*a);
        if (auto a = b.find("element"); a != b.end()) elements.push_back(*a);
        if (type == "actions" && elements.size() > 25)
            out.push_back(where + " has over 25 elements");
        if (type == "context" && elements.size() > 10)
            out.push_back(where + " has over 10 elements");
        for (const auto& e : elements) {
            if (!e.is_object()) continue;
            check_id(out, action_ids, e, "action_id", where);
            if (e.value("type", "") == "button") {
                check_text(out, e, "text", k_button_text_chars, where + " button");
                check_text(out, e, "value", k_button_value_chars, where + " button");
            } else if (type == "context") {
                check_text(out, e, "text", k_section_chars, where + " context");
            }
        }
    }
    return out;
}

}  // namespace incident_bot

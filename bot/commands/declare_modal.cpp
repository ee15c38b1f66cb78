#include "incident_bot/commands/declare_modal.hpp"

#include "incident_bot/postmortem/format.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;

// The text command's limit (incident_commands.cpp), shown in place instead of as a reply.
constexpr std::size_t k_max_title = 200;

json plain(std::string text) { return {{"type", "plain_text"}, {"text", std::move(text)}}; }

json option(std::string text, std::string value) {
    return {{"text", plain(std::move(text))}, {"value", std::move(value)}};
}

// state.values[block].value: the one element of each input block.
const json* element(const json& values, const char* block) {
    const auto b = values.find(block);
    if (b == values.end() || !b->is_object()) return nullptr;
    const auto e = b->find("value");
    return e != b->end() && e->is_object() ? &*e : nullptr;
}

std::string string_at(const json* obj, const char* key) {
    if (!obj) return {};
    const auto it = obj->find(key);
    return it != obj->end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

json declare_modal(const commands_config& cfg, std::string_view channel) {
    const auto new_channel = option("Open a new channel for it", "new");
    json box = {{"type", "checkboxes"}, {"action_id", "value"}, {"options", json::array({new_channel})}};
    if (cfg.create_channel || channel.empty()) box["initial_options"] = json::array({new_channel});
    json severities = json::array();
    for (const auto& [v, t] : {std::pair{"sev1", "SEV1 · critical, customers down"},
                               std::pair{"sev2", "SEV2 · major, many affected"},
                               std::pair{"sev3", "SEV3 · minor, some affected"},
                               std::pair{"sev4", "SEV4 · low, little impact"}})
        severities.push_back(option(t, v));
    return {
        {"type", "modal"},
        {"callback_id", std::string(declare_callback)},
        {"private_metadata", std::string(channel.substr(0, 100))},
        {"title", plain("Declare an incident")},
        {"submit", plain("Declare")},
        {"close", plain("Cancel")},
        {"blocks",
         json::array(
             {{{"type", "input"},
               {"block_id", "title"},
               {"label", plain("What is broken?")},
               {"element",
                {{"type", "plain_text_input"},
                 {"action_id", "value"},
                 {"max_length", k_max_title},
                 {"placeholder", plain("Checkout errors in EU")}}}},
              {{"type", "input"},
               {"block_id", "severity"},
               {"optional", true},
               {"label", plain("Severity")},
               {"element",
                {{"type", "static_select"},
                 {"action_id", "value"},
                 {"placeholder", plain("Not sure yet")},
                 {"options", severities}}}},
              {{"type", "input"},
               {"block_id", "channel"},
               {"optional", true},
               {"label", plain("Channel")},
               {"hint",
                plain(channel.empty() ? "Declared from a shortcut, so it needs its own channel."
                                      : "Unticked, the incident lives in this channel.")},
               {"element", box}},
              {{"type", "input"},
               {"block_id", "summary"},
               {"optional", true},
               {"label", plain("First summary")},
               {"element",
                {{"type", "plain_text_input"},
                 {"action_id", "value"},
                 {"multiline", true},
                 {"max_length", 2000},
                 {"placeholder", plain("What we know so far, in a sentence or two")}}}}})}};
}

std::optional<declare_form> parse_declare_submission(const json& payload) {
    if (!payload.is_object() || payload.value("type", json()) != "view_submission") return std::nullopt;
    const auto view = payload.find("view");
    if (view == payload.end() || !view->is_object() ||
        view->value("callback_id", json()) != std::string(declare_callback))
        return std::nullopt;
    declare_form f;
    f.user = string_at(payload.contains("user") ? &payload["user"] : nullptr, "id");
    if (f.user.empty()) return std::nullopt;
    f.channel = string_at(&*view, "private_metadata");
    const auto state = view->value("state", json::object());
    const auto values = state.is_object() ? state.value("values", json::object()) : json();
    if (!values.is_object()) return f;  // an empty form: the errors say what is missing
    f.title = detail::one_line(string_at(element(values, "title"), "value"));
    f.summary = string_at(element(values, "summary"), "value");
    if (const auto* sev = element(values, "severity")) {
        const auto chosen = sev->find("selected_option");
        const auto v = chosen != sev->end() && chosen->is_object() ? string_at(&*chosen, "value")
                                                                   : std::string();
        if (v.size() == 4 && v.starts_with("sev") && v[3] >= '1' && v[3] <= '4')
            f.severity = v[3] - '0';
    }
    if (const auto* box = element(values, "channel")) {
        const auto chosen = box->find("selected_options");
        if (chosen != box->end() && chosen->is_array())
            for (const auto& o : *chosen)
                if (o.is_object() && string_at(&o, "value") == "new") f.new_channel = true;
    }
    return f;
}

json declare_form_errors(const declare_form& f) {
    json errors = json::object();
    if (f.title.empty())
        errors["title"] = "An incident needs a short title: what is broken, in a few words.";
    else if (f.title.size() > k_max_title)
        errors["title"] = "Keep the title under " + std::to_string(k_max_title) +
                          " characters; put the details in the summary.";
    if (!f.new_channel && f.channel.empty())
        errors["channel"] =
            "From a shortcut there is no channel to use: tick this, or run the declare command "
            "in the incident's channel.";
    return errors;
}

std::string declare_command_text(const declare_form& f) {
    return "declare " + (f.severity ? "sev" + std::to_string(*f.severity) + " " : std::string()) +
           f.title;
}

}  // namespace incident_bot

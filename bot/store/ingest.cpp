#include "incident_bot/store/ingest.hpp"

#include <SQLiteCpp/Exception.h>

#include "store/slack_message.hpp"

namespace incident_bot {

using json = nlohmann::json;

// ---- message mapping ------------------------------------------------------------------------

namespace detail {

std::optional<std::string> get_string(const json& obj, std::string_view key) {
    if (!obj.is_object()) return std::nullopt;
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

std::optional<std::string> get_string(json_view obj, std::string_view key) {
    const auto s = obj.string(key);
    return s ? std::optional<std::string>(*s) : std::nullopt;
}

const json* get_object(const json& obj, std::string_view key) {
    if (!obj.is_object()) return nullptr;
    const auto it = obj.find(key);
    if (it == obj.end() || !it->is_object()) return nullptr;
    return &*it;
}

namespace {

// What map_message reads, for both kinds of document.
bool has_object(const json& obj, std::string_view key) { return get_object(obj, key); }
bool has_object(json_view obj, std::string_view key) { return obj[key].is_object(); }

bool text_is_not_text(const json& msg) {
    const auto text = msg.find("text");
    return text != msg.end() && !text->is_string() && !text->is_null();
}
bool text_is_not_text(json_view msg) {
    const json_view text = msg["text"];
    return text.present() && !text.is_string() && !text.is_null();
}

bool array_holds(const json& obj, std::string_view key, std::string_view value) {
    const auto array = obj.find(key);
    if (array == obj.end() || !array->is_array()) return false;
    for (const auto& item : *array)
        if (item.is_string() && item.get_ref<const std::string&>() == value) return true;
    return false;
}
bool array_holds(json_view obj, std::string_view key, std::string_view value) {
    for (const json_view item : obj[key].items())
        if (item.string() == value) return true;
    return false;
}

}  // namespace

template <class Json>
mapped_message map_message(const Json& msg, std::string_view channel, const capture_config& config) {
    if (!msg.is_object()) return {std::nullopt, "message is not an object"};
    const auto raw_ts = get_string(msg, "ts");
    if (!raw_ts) return {std::nullopt, "message without ts"};
    const auto ts = canonical_ts(*raw_ts);
    if (!ts) return {std::nullopt, "message with malformed ts '" + *raw_ts + "'"};
    const auto subtype = get_string(msg, "subtype");

    if (text_is_not_text(msg)) return {std::nullopt, "message text is not a string"};

    timeline_entry e;
    e.ts = *ts;
    e.kind = subtype.value_or("message");
    e.user = get_string(msg, "user");
    e.text = get_string(msg, "text").value_or("");
    // A thread parent carries thread_ts == ts; only replies keep a parent.
    if (auto thread = get_string(msg, "thread_ts")) {
        auto parent = canonical_ts(*thread);
        if (parent && *parent != e.ts) e.thread_ts = std::move(parent);
    }
    e.edited = has_object(msg, "edited");

    const auto bot_id = get_string(msg, "bot_id");
    if (!subtype || subtype == "thread_broadcast" || subtype == "me_message" ||
        subtype == "file_share") {
        e.source = bot_id ? entry_source::bot : entry_source::message;
    } else if (subtype == "bot_message") {
        e.source = entry_source::bot;
    } else if (subtype == "channel_join" || subtype == "group_join") {
        e.source = entry_source::join;
    } else if (subtype == "tombstone") {
        // Exports keep a deleted thread parent as a tombstone so its replies have a parent.
        e.source = entry_source::deletion;
        e.deleted = true;
        e.text.reset();
    } else {
        return {std::nullopt, "message subtype '" + *subtype + "' is not part of a timeline"};
    }
    if (e.source == entry_source::bot && !e.user) e.user = bot_id;
    e.pinned = array_holds(msg, "pinned_to", channel);
    e.permalink = config.permalink(channel, e.ts, e.thread_ts);
    return {std::move(e), {}};
}

template mapped_message map_message(const json&, std::string_view, const capture_config&);
template mapped_message map_message(const json_view&, std::string_view, const capture_config&);

}  // namespace detail

// ---- capture_config -------------------------------------------------------------------------

reaction_mark capture_config::mark_for(std::string_view reaction) const {
    // Skin tones arrive as "thumbsup::skin-tone-2"; the base emoji is what carries meaning.
    if (auto sep = reaction.find("::"); sep != std::string_view::npos)
        reaction = reaction.substr(0, sep);
    reaction_mark mark;
    mark.key_event = !key_reaction.empty() && reaction == key_reaction;
    if (auto it = stage_reactions.find(reaction); it != stage_reactions.end())
        mark.stage = it->second;
    return mark;
}

std::string capture_config::permalink(std::string_view channel,
                                      std::string_view ts,
                                      const std::optional<std::string>& thread_ts) const {
    // Slack's permalink form: /archives/<channel>/p<ts without the dot>.
    std::string out = workspace_url + "/archives/" + std::string(channel) + "/p";
    for (char c : ts)
        if (c != '.') out += c;
    if (thread_ts) out += "?thread_ts=" + *thread_ts + "&cid=" + std::string(channel);
    return out;
}

// ---- timeline_ingest ------------------------------------------------------------------------

namespace {

ingest_result stored() { return {ingest_status::stored, {}}; }
ingest_result skipped(std::string why) { return {ingest_status::skipped, std::move(why)}; }

}  // namespace

timeline_ingest::timeline_ingest(store& s, capture_config config, const logger& log)
    : store_(s), config_(std::move(config)), log_(log) {}

std::optional<std::int64_t> timeline_ingest::watched(const std::string& channel) {
    if (!incidents_) return store_.open_incident_id(channel);
    // The lookup was ~5% of the ingest CPU; a batch mostly sees one or two channels.
    auto it = incidents_->find(channel);
    if (it == incidents_->end())
        it = incidents_->emplace(channel, store_.open_incident_id(channel)).first;
    return it->second;
}

void timeline_ingest::begin_batch() { incidents_.emplace(); }

void timeline_ingest::end_batch() { incidents_.reset(); }

ingest_result timeline_ingest::apply(const json_document& document) {
    const json_view callback = document.root();
    const auto event_id = detail::get_string(callback, "event_id");
    const json_view event = callback["event"];
    ingest_result result;
    if (!event_id || event_id->empty()) {
        result = skipped("callback without event_id");
    } else if (!event.is_object()) {
        result = skipped("callback without event object");
    } else {
        try {
            // The event id and the event's rows commit together or not at all; a skipped
            // event leaves no trace, so a later redelivery is judged afresh.
            transaction tx(store_);
            if (!store_.mark_processed(*event_id)) {
                result = {ingest_status::duplicate, "event " + *event_id + " already processed"};
            } else {
                result = apply_event(callback, event);
                if (result.status == ingest_status::stored) tx.commit();
            }
        } catch (const SQLite::Exception& e) {
            result = {ingest_status::failed, std::string("database: ") + e.what()};
        }
    }
    if (result.status == ingest_status::failed)
        log_.error("ingest", "event " + event_id.value_or("?") + ": " + result.reason);
    else if (result.status != ingest_status::stored && log_.enabled(log_level::debug))
        log_.debug("ingest", "event " + event_id.value_or("?") + ": " + result.reason);
    return result;
}

ingest_result timeline_ingest::apply_event(json_view callback, json_view event) {
    const auto type = detail::get_string(event, "type");
    if (!type) return skipped("event without type");
    if (*type == "message") return on_message(event);
    if (*type == "pin_added") return on_pin(event, true);
    if (*type == "pin_removed") return on_pin(event, false);
    if (*type == "reaction_added") return on_reaction(event, true);
    if (*type == "reaction_removed") return on_reaction(event, false);
    if (*type == "member_joined_channel") {
        // member_joined_channel has no ts of its own; event_ts when present, else the
        // callback's whole-second event_time.
        auto ts = detail::get_string(event, "event_ts");
        if (!ts) {
            const auto t = callback["event_time"].integer();
            if (!t) return skipped("member_joined_channel without event_ts or event_time");
            ts = std::to_string(*t) + ".000000";
        }
        return on_member_joined(event, *ts);
    }
    return skipped("event type '" + *type + "' is not captured");
}

ingest_result timeline_ingest::on_message(json_view event) {
    const auto channel = detail::get_string(event, "channel");
    if (!channel) return skipped("message without channel");
    const auto incident_id = watched(*channel);
    if (!incident_id) return skipped("channel " + *channel + " has no open incident");

    const auto subtype = detail::get_string(event, "subtype");
    if (subtype == "message_changed") return on_changed(event, *incident_id);
    if (subtype == "message_deleted") return on_deleted(event, *incident_id);

    auto mapped = detail::map_message(event, *channel, config_);
    if (!mapped.entry) return skipped(mapped.reason);
    mapped.entry->incident_id = *incident_id;
    if (!store_.add_entry(*mapped.entry))
        return {ingest_status::duplicate, "message " + mapped.entry->ts + " already recorded"};
    return stored();
}

ingest_result timeline_ingest::on_changed(json_view event, std::int64_t incident_id) {
    const json_view message = event["message"];
    if (!message.is_object()) return skipped("message_changed without message");
    const auto channel = detail::get_string(event, "channel").value_or("");
    const auto raw_ts = detail::get_string(message, "ts");
    const auto ts = raw_ts ? canonical_ts(*raw_ts) : std::nullopt;
    if (!ts) return skipped("message_changed without a valid message.ts");
    if (const json_view text = message["text"]; text.present() && !text.is_string())
        return skipped("message_changed with non-text message.text");
    const auto new_text = detail::get_string(message, "text").value_or("");

    const json_view edited = message["edited"];
    auto edited_ts = detail::get_string(edited, "ts");
    if (!edited_ts) edited_ts = detail::get_string(event, "ts");
    const auto editor = detail::get_string(edited, "user");

    if (auto existing = store_.find_entry(incident_id, *ts)) {
        if (!store_.apply_edit(existing->id, new_text, edited_ts.value_or(""), editor))
            return skipped("edit of " + *ts + " changed no text");
        return stored();
    }
    // The original predates the capture (or was lost): keep what we now know.
    auto mapped = detail::map_message(message, channel, config_);
    if (!mapped.entry) return skipped(mapped.reason);
    mapped.entry->incident_id = incident_id;
    if (mapped.entry->source == entry_source::message) mapped.entry->source = entry_source::edit;
    mapped.entry->edited = true;
    store_.add_entry(*mapped.entry);
    return stored();
}

ingest_result timeline_ingest::on_deleted(json_view event, std::int64_t incident_id) {
    const auto raw_ts = detail::get_string(event, "deleted_ts");
    const auto ts = raw_ts ? canonical_ts(*raw_ts) : std::nullopt;
    if (!ts) return skipped("message_deleted without a valid deleted_ts");
    if (auto existing = store_.find_entry(incident_id, *ts)) {
        if (!store_.mark_deleted(existing->id)) return skipped("message " + *ts + " already deleted");
        return stored();
    }
    // Keep the fact that something was said and removed, never its text.
    timeline_entry e;
    e.incident_id = incident_id;
    e.ts = *ts;
    e.kind = "message_deleted";
    e.source = entry_source::deletion;
    e.deleted = true;
    e.user = detail::get_string(event["previous_message"], "user");
    e.permalink = config_.permalink(detail::get_string(event, "channel").value_or(""), *ts, {});
    store_.add_entry(e);
    return stored();
}

ingest_result timeline_ingest::on_pin(json_view event, bool added) {
    const json_view item = event["item"];
    if (!item.is_object()) return skipped("pin event without item");
    auto channel = detail::get_string(event, "channel_id");
    if (!channel) channel = detail::get_string(item, "channel");
    if (!channel) return skipped("pin event without channel");
    const auto incident_id = watched(*channel);
    if (!incident_id) return skipped("channel " + *channel + " has no open incident");

    // Only message pins matter; files and other items have no timeline entry.
    const json_view message = item["message"];
    if (!message.is_object()) return skipped("pin of something other than a message");
    const auto raw_ts = detail::get_string(message, "ts");
    const auto ts = raw_ts ? canonical_ts(*raw_ts) : std::nullopt;
    if (!ts) return skipped("pinned message without a valid ts");

    if (auto existing = store_.find_entry(*incident_id, *ts)) {
        store_.set_pinned(existing->id, added);
        return stored();
    }
    if (!added) return skipped("unpinned message " + *ts + " is not in the timeline");
    auto mapped = detail::map_message(message, *channel, config_);
    if (!mapped.entry) return skipped(mapped.reason);
    mapped.entry->incident_id = *incident_id;
    if (mapped.entry->source == entry_source::message) mapped.entry->source = entry_source::pin;
    mapped.entry->pinned = true;
    store_.add_entry(*mapped.entry);
    return stored();
}

ingest_result timeline_ingest::on_reaction(json_view event, bool added) {
    const auto reaction = detail::get_string(event, "reaction");
    const auto user = detail::get_string(event, "user");
    const json_view item = event["item"];
    if (!reaction || !user || !item.is_object()) return skipped("reaction event without reaction, user or item");
    if (detail::get_string(item, "type") != "message")
        return skipped("reaction on something other than a message");
    const auto channel = detail::get_string(item, "channel");
    const auto raw_ts = detail::get_string(item, "ts");
    const auto ts = raw_ts ? canonical_ts(*raw_ts) : std::nullopt;
    if (!channel || !ts) return skipped("reaction item without channel or valid ts");

    const reaction_mark mark = config_.mark_for(*reaction);
    if (!mark.key_event && !mark.stage) return skipped("reaction :" + *reaction + ": marks nothing");
    const auto incident_id = watched(*channel);
    if (!incident_id) return skipped("channel " + *channel + " has no open incident");

    auto existing = store_.find_entry(*incident_id, *ts);
    if (!existing) {
        if (!added) return skipped("reaction removed from unknown message " + *ts);
        // Events are not ordered: the message may still be on its way, and then fills in this
        // placeholder. Until then the mark is not lost.
        timeline_entry e;
        e.incident_id = *incident_id;
        e.ts = *ts;
        e.kind = "message";
        e.source = entry_source::reaction;
        e.user = detail::get_string(event, "item_user");
        e.text.reset();
        e.permalink = config_.permalink(*channel, *ts, {});
        const auto id = store_.add_entry(e);
        if (!id) return {ingest_status::failed, "placeholder for " + *ts + " not created"};
        existing = timeline_entry{};
        existing->id = *id;
    }
    const bool was_diagnosis = existing->stage == incident_stage::diagnosis;
    const bool changed = added ? store_.add_reaction(existing->id, *user, *reaction, mark)
                               : store_.remove_reaction(existing->id, *user, *reaction);
    if (!changed) return skipped("reaction :" + *reaction + ": by " + *user + " unchanged");
    auto result = stored();
    if (added && mark.stage == incident_stage::diagnosis && !was_diagnosis && existing->text &&
        !existing->text->empty())
        result.diagnosis =
            diagnosis_mark{*incident_id, *channel, *ts, existing->thread_ts, *existing->text};
    return result;
}

ingest_result timeline_ingest::on_member_joined(json_view event, const std::string& event_ts) {
    const auto channel = detail::get_string(event, "channel");
    const auto user = detail::get_string(event, "user");
    if (!channel || !user) return skipped("member_joined_channel without channel or user");
    const auto incident_id = watched(*channel);
    if (!incident_id) return skipped("channel " + *channel + " has no open incident");
    const auto ts = canonical_ts(event_ts);
    if (!ts) return skipped("member_joined_channel with malformed event_ts");

    timeline_entry e;
    e.incident_id = *incident_id;
    e.ts = *ts;
    e.kind = "member_joined_channel";
    e.source = entry_source::join;
    e.user = user;
    e.text = "<@" + *user + "> joined";
    if (!store_.add_entry(e)) return {ingest_status::duplicate, "join at " + *ts + " already recorded"};
    return stored();
}

}  // namespace incident_bot

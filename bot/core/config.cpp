#include "incident_bot/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "incident_bot/json_parse.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& setting, const std::string& why) {
    throw config_error("setting '" + setting + "': " + why);
}

std::string as_string(const json& v, const std::string& key) {
    if (!v.is_string()) fail(key, "expected a string");
    return v.get<std::string>();
}

long long as_integer(const json& v, const std::string& key, long long lo, long long hi) {
    if (!v.is_number_integer()) fail(key, "expected a whole number");
    const auto n = v.get<long long>();
    if (n < lo || n > hi)
        fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return n;
}

// Environment values are text; accept only a clean integer.
long long parse_integer(const char* text, const std::string& key, long long lo, long long hi) {
    std::size_t used = 0;
    long long n = 0;
    try {
        n = std::stoll(text, &used);
    } catch (const std::exception&) {
        fail(key, "expected a whole number, got '" + std::string(text) + "'");
    }
    if (used != std::string_view(text).size())
        fail(key, "expected a whole number, got '" + std::string(text) + "'");
    return as_integer(json(n), key, lo, hi);
}

void set_duration(milliseconds& field, const json& v, const std::string& key) {
    field = milliseconds(as_integer(v, key, 0, 24LL * 3600 * 1000));
}

void apply_socket_mode(socket_mode_config& s, const json& obj) {
    if (!obj.is_object()) fail("socket_mode", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "socket_mode." + k;
        if (k == "connections") s.connections = static_cast<int>(as_integer(v, key, 1, 10));
        else if (k == "idle_timeout_ms") set_duration(s.idle_timeout, v, key);
        else if (k == "handshake_timeout_ms") set_duration(s.handshake_timeout, v, key);
        else if (k == "hello_timeout_ms") set_duration(s.hello_timeout, v, key);
        else if (k == "ack_deadline_ms") set_duration(s.ack_deadline, v, key);
        else if (k == "close_timeout_ms") set_duration(s.close_timeout, v, key);
        else if (k == "backoff_initial_ms") set_duration(s.backoff_initial, v, key);
        else if (k == "backoff_max_ms") set_duration(s.backoff_max, v, key);
        else if (k == "too_many_websockets_backoff_ms")
            set_duration(s.too_many_websockets_backoff, v, key);
        else if (k == "certificate_backoff_max_ms")
            set_duration(s.certificate_backoff_max, v, key);
        else if (k == "dedupe_ttl_ms") set_duration(s.dedupe_ttl, v, key);
        else if (k == "max_message_bytes")
            s.max_message_bytes = static_cast<std::size_t>(as_integer(v, key, 1024, 64 << 20));
        else fail(key, "unknown setting");
    }
}

void apply_web_api(web_api_config& w, const json& obj) {
    if (!obj.is_object()) fail("web_api", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "web_api." + k;
        if (k == "request_timeout_ms") set_duration(w.request_timeout, v, key);
        else if (k == "max_attempts") w.max_attempts = static_cast<int>(as_integer(v, key, 1, 20));
        else if (k == "retry_initial_ms") set_duration(w.retry_initial, v, key);
        else if (k == "post_message_interval_ms") set_duration(w.post_message_interval, v, key);
        else if (k == "max_connections")
            w.max_connections = static_cast<int>(as_integer(v, key, 1, 64));
        else if (k == "max_pending")
            w.max_pending = static_cast<std::size_t>(as_integer(v, key, 1, 1'000'000));
        else fail(key, "unknown setting");
    }
}

void apply_store(store_config& s, const json& obj) {
    if (!obj.is_object()) fail("store", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "store." + k;
        if (k == "commit_linger_us")
            s.commit_linger = std::chrono::microseconds(as_integer(v, key, 0, 1'000'000));
        else if (k == "max_batch")
            s.max_batch = static_cast<std::size_t>(as_integer(v, key, 1, 100'000));
        else if (k == "max_pending")
            s.max_pending = static_cast<std::size_t>(as_integer(v, key, 1, 1'000'000));
        else if (k == "max_pending_bytes")
            s.max_pending_bytes = static_cast<std::size_t>(as_integer(v, key, 1 << 20, 1LL << 36));
        else fail(key, "unknown setting");
    }
}

std::vector<std::string> as_string_list(const json& v, const std::string& key) {
    if (!v.is_array()) fail(key, "expected a list of Slack user ids");
    std::vector<std::string> out;
    for (const auto& item : v) out.push_back(as_string(item, key));
    return out;
}

void set_minutes(std::chrono::minutes& field, const json& v, const std::string& key) {
    field = std::chrono::minutes(as_integer(v, key, 0, 7 * 24 * 60));
}

// "HH:MM" in UTC.
void set_time_of_day(std::chrono::minutes& field, const json& v, const std::string& key) {
    const auto text = as_string(v, key);
    unsigned h = 0, m = 0;
    char extra = 0;
    if (text.size() != 5 || std::sscanf(text.c_str(), "%2u:%2u%c", &h, &m, &extra) != 2 ||
        h > 23 || m > 59)
        fail(key, "expected a UTC time of day as HH:MM, got '" + text + "'");
    field = std::chrono::hours(h) + std::chrono::minutes(m);
}

void apply_commands(commands_config& c, const json& obj) {
    if (!obj.is_object()) fail("commands", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "commands." + k;
        if (k == "command") {
            c.command = as_string(v, key);
            if (!c.command.starts_with("/") || c.command.size() < 2)
                fail(key, "must start with '/', e.g. \"/incident\"");
        } else if (k == "create_channel") {
            if (!v.is_boolean()) fail(key, "expected true or false");
            c.create_channel = v.get<bool>();
        } else if (k == "admins") c.admins = as_string_list(v, key);
        else if (k == "may_declare") c.may_declare = as_string_list(v, key);
        else if (k == "may_resolve") c.may_resolve = as_string_list(v, key);
        else if (k == "may_set_severity") c.may_set_severity = as_string_list(v, key);
        else if (k == "commander_reminder_minutes") set_minutes(c.commander_reminder, v, key);
        else if (k == "severity_reminder_minutes") set_minutes(c.severity_reminder, v, key);
        else if (k == "status_reminder_minutes") set_minutes(c.status_reminder, v, key);
        else if (k == "idle_reminder_minutes") set_minutes(c.idle_reminder, v, key);
        else if (k == "digest_time") set_time_of_day(c.digest_time, v, key);
        else if (k == "digest_channel") c.digest_channel = as_string(v, key);
        else if (k == "replace_names_with_roles") {
            if (!v.is_boolean()) fail(key, "expected true or false");
            c.replace_names_with_roles = v.get<bool>();
        } else if (k == "suggest_related") {
            if (!v.is_boolean()) fail(key, "expected true or false");
            c.suggest_related = v.get<bool>();
        } else fail(key, "unknown setting");
    }
}

// A channel id ("C0123ABC") or a public channel's name ("#postmortems"), as chat.postMessage
// takes either. Empty turns publishing off.
void set_share_channel(commands_config& c, const std::string& text, const std::string& key) {
    if (text.empty()) return c.share_channel.clear();
    const bool named = text.starts_with('#') && text.size() > 1;
    const bool id = std::all_of(text.begin(), text.end(), [](unsigned char ch) {
        return std::isupper(ch) || std::isdigit(ch);
    });
    if (text.size() > 81 || text.find_first_of(" \t\n") != std::string::npos || !(named || id))
        fail(key, "expected a channel id (C0123ABC) or #channel-name, got '" + text + "'");
    c.share_channel = text;
}

void apply_postmortem(commands_config& c, const json& obj) {
    if (!obj.is_object()) fail("postmortem", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "postmortem." + k;
        if (k == "share_channel") set_share_channel(c, as_string(v, key), key);
        else fail(key, "unknown setting");
    }
}

void apply_nudges(nudges_config& n, const json& obj) {
    if (!obj.is_object()) fail("nudges", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "nudges." + k;
        if (k == "enabled") {
            if (!v.is_boolean()) fail(key, "expected true or false");
            n.enabled = v.get<bool>();
        } else if (k == "scope") {
            const auto scope = as_string(v, key);
            if (scope == "incident_channels") n.scope = nudge_scope::incident_channels;
            else if (scope == "all_channels") n.scope = nudge_scope::all_channels;
            else fail(key, "expected incident_channels or all_channels");
        } else if (k == "throttle_minutes") set_minutes(n.throttle, v, key);
        else if (k == "model") n.model = as_string(v, key);
        else fail(key, "unknown setting");
    }
}

void apply_import(import_config& i, const json& obj) {
    if (!obj.is_object()) fail("import", "expected an object");
    for (const auto& [k, v] : obj.items()) {
        const std::string key = "import." + k;
        if (k == "channel_pattern") {
            i.channel_pattern = as_string(v, key);
            if (auto bad = channel_pattern_error(i.channel_pattern)) fail(key, *bad);
        } else fail(key, "unknown setting");
    }
}

void set_level(config& c, const std::string& text, const std::string& key) {
    if (!parse_log_level(text, c.level)) fail(key, "expected debug, info, warn or error");
}

void set_format(config& c, const std::string& text, const std::string& key) {
    if (text == "text") c.format = log_format::text;
    else if (text == "json") c.format = log_format::json;
    else fail(key, "expected text or json");
}

void apply_file(config& c, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("INCIDENT_BOT_CONFIG", "cannot read config file '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) fail("INCIDENT_BOT_CONFIG", "cannot read config file '" + path + "'");
    apply_config_json(c, text.str(), path);
}

}  // namespace

void apply_config_json(config& c, std::string_view text, const std::string& path) {
    if (nested_deeper_than(text))
        fail("INCIDENT_BOT_CONFIG",
             "'" + path + "' nests deeper than " + std::to_string(max_json_depth) + " levels");
    json doc;
    try {
        doc = json::parse(text);
    } catch (const json::parse_error& e) {
        fail("INCIDENT_BOT_CONFIG", "'" + path + "' is not valid JSON (byte " +
                                        std::to_string(e.byte) + ")");
    } catch (const json::out_of_range&) {
        // Well-formed but unrepresentable numbers (1e999) are not parse errors to nlohmann.
        fail("INCIDENT_BOT_CONFIG", "'" + path + "' has a number too large to read");
    }
    if (!doc.is_object()) fail("INCIDENT_BOT_CONFIG", "'" + path + "' must hold a JSON object");
    for (const auto& [k, v] : doc.items()) {
        if (k == "slack_app_token") c.app_token = secret(as_string(v, k));
        else if (k == "slack_bot_token") c.bot_token = secret(as_string(v, k));
        else if (k == "slack_api_url") c.api_url = as_string(v, k);
        else if (k == "db") c.db_path = as_string(v, k);
        else if (k == "ca_file") c.ca_file = as_string(v, k);
        else if (k == "http") c.http_listen = as_string(v, k);
        else if (k == "log_level") set_level(c, as_string(v, k), k);
        else if (k == "log_format") set_format(c, as_string(v, k), k);
        else if (k == "connections")
            c.socket_mode.connections = static_cast<int>(as_integer(v, k, 1, 10));
        else if (k == "socket_mode") apply_socket_mode(c.socket_mode, v);
        else if (k == "web_api") apply_web_api(c.web_api, v);
        else if (k == "store") apply_store(c.store, v);
        else if (k == "commands") apply_commands(c.commands, v);
        else if (k == "nudges") apply_nudges(c.nudges, v);
        else if (k == "postmortem") apply_postmortem(c.commands, v);
        else if (k == "import") apply_import(c.imports, v);
        else if (k == "rules_file") c.rules_file = as_string(v, k);
        else if (k.starts_with("_")) continue;  // "_comment" and friends
        else fail(k, "unknown setting in '" + path + "'");
    }
    // A file with a token must stay private; `run` warns when it is not.
    if (doc.contains("slack_app_token") || doc.contains("slack_bot_token")) c.token_file = path;
}

config load_config(const env_lookup& env, const std::optional<std::string>& file) {
    config c;
    const char* env_file = env("INCIDENT_BOT_CONFIG");
    if (file) apply_file(c, *file);
    else if (env_file && *env_file) apply_file(c, env_file);

    if (const char* v = env("SLACK_APP_TOKEN"); v && *v) c.app_token = secret(v);
    if (const char* v = env("SLACK_BOT_TOKEN"); v && *v) c.bot_token = secret(v);
    if (const char* v = env("SLACK_API_URL"); v && *v) c.api_url = v;
    if (const char* v = env("INCIDENT_BOT_DB"); v && *v) c.db_path = v;
    if (const char* v = env("INCIDENT_BOT_CA_FILE"); v && *v) c.ca_file = v;
    if (const char* v = env("INCIDENT_BOT_RULES"); v && *v) c.rules_file = v;
    if (const char* v = env("INCIDENT_BOT_HTTP"); v && *v) c.http_listen = v;
    if (const char* v = env("INCIDENT_BOT_SHARE_CHANNEL"); v && *v)
        set_share_channel(c.commands, v, "INCIDENT_BOT_SHARE_CHANNEL");
    if (const char* v = env("INCIDENT_BOT_CONNECTIONS"); v && *v)
        c.socket_mode.connections =
            static_cast<int>(parse_integer(v, "INCIDENT_BOT_CONNECTIONS", 1, 10));
    if (const char* v = env("INCIDENT_BOT_LOG_LEVEL"); v && *v)
        set_level(c, v, "INCIDENT_BOT_LOG_LEVEL");
    if (const char* v = env("INCIDENT_BOT_LOG_FORMAT"); v && *v)
        set_format(c, v, "INCIDENT_BOT_LOG_FORMAT");

    if (!c.api_url.empty() && c.api_url.back() != '/') c.api_url.push_back('/');
    if (!c.api_url.starts_with("https://") && !c.api_url.starts_with("http://"))
        fail("SLACK_API_URL", "must start with https:// (or http:// for local testing)");
    return c;
}

std::optional<std::string> channel_pattern_error(std::string_view pattern) {
    if (pattern.empty()) return "is empty; to import every channel, use `import --all`";
    RE2::Options o;
    o.set_log_errors(false);  // the error goes into our message, not to stderr
    const RE2 re(pattern, o);
    if (re.ok()) return std::nullopt;
    return "'" + std::string(pattern.substr(0, 200)) + "' is not a valid RE2 pattern (" +
           re.error() + ")";
}

void validate_for_run(const config& c) {
    if (c.app_token.empty())
        fail("SLACK_APP_TOKEN", "is required (an app-level xapp- token with connections:write)");
    if (!c.app_token.reveal().starts_with("xapp-"))
        fail("SLACK_APP_TOKEN", "must be an app-level token starting with xapp-");
    if (c.bot_token.empty()) fail("SLACK_BOT_TOKEN", "is required (a bot xoxb- token)");
    if (!c.bot_token.reveal().starts_with("xoxb-"))
        fail("SLACK_BOT_TOKEN", "must be a bot token starting with xoxb-");
    if (c.socket_mode.idle_timeout.count() != 0 &&
        c.socket_mode.idle_timeout < milliseconds(100))
        fail("socket_mode.idle_timeout_ms", "must be 0 (off) or at least 100");
    if (c.socket_mode.backoff_max < c.socket_mode.backoff_initial)
        fail("socket_mode.backoff_max_ms", "must not be below backoff_initial_ms");
}

}  // namespace incident_bot

// Runtime settings: defaults, an optional JSON file, then the environment (which wins).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/log.hpp"

namespace incident_bot {

using std::chrono::milliseconds;

/// Raised for a bad setting; the message names the setting and what is wrong with it.
struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Socket Mode connection tuning. Every interval is configurable so tests can run them at
/// tens of milliseconds.
struct socket_mode_config {
    /// Concurrent Socket Mode connections (1..10, Slack's per-app cap).
    int connections = 1;
    /// No frame at all (data, ping or pong) for this long means the socket is dead; Beast
    /// sends keep-alive pings at half of it.
    milliseconds idle_timeout{30'000};
    /// Bound on TCP connect + TLS + WebSocket upgrade.
    milliseconds handshake_timeout{15'000};
    /// Bound on the wait for `hello` after the upgrade.
    milliseconds hello_timeout{10'000};
    /// A slash command or interaction not answered by then is acked empty and answered
    /// later through its response_url (Slack's limit is 3 s); 0 turns this off. Events are
    /// never acked on a timer, only once stored.
    milliseconds ack_deadline{2'000};
    /// How long our close handshake may take before the socket is destroyed (Slack often
    /// never answers it).
    milliseconds close_timeout{1'000};
    /// First and largest reconnect backoff; jitter is added on top.
    milliseconds backoff_initial{1'000};
    milliseconds backoff_max{60'000};
    /// Pause after `too_many_websockets` before opening again.
    milliseconds too_many_websockets_backoff{15'000};
    /// Largest reconnect backoff after a refused TLS certificate, which only a person can
    /// fix; the waits grow from backoff_initial as for other failures. Below backoff_max it
    /// counts as backoff_max.
    milliseconds certificate_backoff_max{300'000};
    /// How long event ids are remembered to drop redeliveries (Slack retries for ~5 min).
    milliseconds dedupe_ttl{600'000};
    /// Inbound frames larger than this are refused (the connection stays up).
    std::size_t max_message_bytes = 4 * 1024 * 1024;
};

/// The store's writer thread (group commit).
struct store_config {
    /// How long the writer holds a batch open for more events after the first one arrived
    /// (0: commit whatever is queued at once). One commit (one fsync) then covers the
    /// events of the whole window; each event's ack waits for it.
    std::chrono::microseconds commit_linger{5'000};
    /// Events committed together at most; a full batch commits at once.
    std::size_t max_batch = 1'000;
    /// Events waiting at most; beyond it new events are not acked, so Slack redelivers them.
    std::size_t max_pending = 10'000;
    /// Bytes of Socket Mode frames held by waiting events at most (a frame may be 4 MB, so the
    /// event count alone does not bound memory); beyond it new events are refused like
    /// past max_pending. An event is always taken when no other waits, whatever its size.
    std::size_t max_pending_bytes = 32 * 1024 * 1024;
    /// New timeline entries indexed for search per step, between batches: after this many
    /// were committed, or a second after the last step, whichever comes first.
    std::size_t index_step = 1'000;
};

/// Web API client tuning.
struct web_api_config {
    /// Bound on one HTTP exchange (connect, TLS, request, response).
    milliseconds request_timeout{10'000};
    /// Attempts per call for 5xx, network errors and 429 (the first one included).
    int max_attempts = 5;
    /// First retry delay for 5xx/network errors; doubles with jitter.
    milliseconds retry_initial{500};
    /// Minimum spacing of chat.postMessage per channel (Slack: ~1 message/s/channel).
    milliseconds post_message_interval{1'000};
    /// Keep-alive connections kept per host.
    int max_connections = 4;
    /// Calls waiting at most (queued for rate limits); more fail fast with "queue_full".
    std::size_t max_pending = 10'000;
};

/// The `/incident` slash command: authorisation, channel creation, reminders and digest.
/// Interval fields are whole minutes; zero turns that reminder off.
struct commands_config {
    /// Slash command name as configured in the Slack app, with the leading slash.
    std::string command = "/incident";
    /// On declare, create `#inc-YYYYMMDD-slug` instead of using the current channel.
    bool create_channel = false;
    /// Slack user ids of incident admins: they may resolve any incident and close or snooze
    /// any action item, from anywhere (see the README's permissions table).
    std::vector<std::string> admins;
    /// When set, only these people (and admins) may declare, resolve and change severity,
    /// instead of the defaults: anyone declares; the commander or the declarer resolves
    /// (anyone in the channel while there is no commander); anyone in the channel changes
    /// severity.
    std::vector<std::string> may_declare;
    std::vector<std::string> may_resolve;
    std::vector<std::string> may_set_severity;
    /// Remind the channel when no commander is assigned this long after declare.
    std::chrono::minutes commander_reminder{10};
    /// Remind the channel when no severity was chosen this long after declare.
    std::chrono::minutes severity_reminder{15};
    /// Remind a sev1/sev2 channel when no status update came for this long.
    std::chrono::minutes status_reminder{30};
    /// Ask "still open?" when an incident has been idle this long (and again each period).
    std::chrono::minutes idle_reminder{24 * 60};
    /// UTC time of day of the action-item digest and the due-date reminders to owners.
    std::chrono::minutes digest_time{9 * 60};
    /// Channel id for the daily digest of open and overdue action items (empty: no digest).
    std::string digest_channel;
    /// Post-mortem drafts name roles ("the commander") instead of people.
    bool replace_names_with_roles = false;
    /// Post "possibly related past incidents" when an incident is declared or a message is
    /// marked as diagnosis (file key `commands.suggest_related`).
    bool suggest_related = true;
    /// Channel (id, or #name) where `postmortem publish` posts names-free post-mortems for
    /// the whole organisation (file key `postmortem.share_channel`, env
    /// INCIDENT_BOT_SHARE_CHANNEL); empty: publishing is off.
    std::string share_channel;
};

/// Where blameless-language nudges are sent.
enum class nudge_scope {
    incident_channels,  ///< only channels with an open incident
    all_channels        ///< every channel the bot is in
};

/// Private blameless-language nudges (config file key "nudges").
struct nudges_config {
    /// Send nudges at all.
    bool enabled = true;
    /// Which channels' messages are checked.
    nudge_scope scope = nudge_scope::incident_channels;
    /// At most one nudge per person per category within this window (0: no limit).
    std::chrono::minutes throttle{60};
    /// The learned second stage: empty for the model built into the binary, "off" for the
    /// rules alone, or the path of a model file (with its MODEL.json sidecar).
    std::string model;
};

/// `incident-bot import` (config file key "import").
struct import_config {
    /// Which channels of an export are incident channels, imported without --channel or
    /// --all: an RE2 pattern that must match the whole channel name (file key
    /// `import.channel_pattern`). Default: names starting `inc-` or `incident-`.
    std::string channel_pattern{"(inc|incident)-.*"};
};

/// Slack's Web API base. An `api_url` other than this counts as set explicitly (a test or a
/// proxy), which is what lets response_url and ws:// follow it.
inline constexpr std::string_view default_api_url = "https://slack.com/api/";

/// Everything `incident-bot run` needs.
struct config {
    /// xapp- token: only for apps.connections.open.
    secret app_token;
    /// xoxb- token: every other Web API call.
    secret bot_token;
    /// Web API base URL, ending in '/'; http:// only for local tests.
    std::string api_url{default_api_url};
    /// SQLite database path.
    std::string db_path = "incident-bot.db";
    /// Extra PEM CA bundle trusted besides the system store (empty: none).
    std::string ca_file;
    /// ADDRESS:PORT of the health/metrics endpoint (empty: off).
    std::string http_listen;
    /// Log verbosity and format.
    log_level level = log_level::info;
    log_format format = log_format::text;
    socket_mode_config socket_mode;
    web_api_config web_api;
    store_config store;
    /// The `/incident` command (config file key "commands").
    commands_config commands;
    /// Blameless-language nudges (config file key "nudges").
    nudges_config nudges;
    /// `incident-bot import` (config file key "import").
    import_config imports;
    /// Rule file for the detector (file key "rules_file", env INCIDENT_BOT_RULES; empty: the
    /// built-in rules).
    std::string rules_file;
    /// The config file that supplied a Slack token, whose permissions then matter (empty:
    /// none did). Set by loading, not a setting.
    std::string token_file;
};

/// Reads an environment variable; returns nullptr when unset (like std::getenv).
using env_lookup = std::function<const char*(const char* name)>;

/// Builds the configuration: defaults, then the JSON file named by INCIDENT_BOT_CONFIG (or
/// `file` when given), then the environment. Throws config_error naming the bad setting.
config load_config(const env_lookup& env, const std::optional<std::string>& file = {});

/// Applies the JSON text of a config file over `c`, as `load_config` does with the file (no
/// environment); `path` names the file in errors. Throws config_error naming the setting.
void apply_config_json(config& c, std::string_view text, const std::string& path);

/// Why `pattern` cannot be `import.channel_pattern`: empty, or not valid RE2 (the message
/// says where); nullopt when it can.
std::optional<std::string> channel_pattern_error(std::string_view pattern);

/// Checks ranges and required values for `run`; throws config_error naming the setting.
void validate_for_run(const config& c);

}  // namespace incident_bot

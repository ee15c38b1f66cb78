// Leveled, one-line-per-event logging with a text or JSON format, and a token type that
// never prints itself. No globals: a logger is passed to whoever logs.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace incident_bot {

/// Severity of a log line; lines below the logger's level are dropped.
enum class log_level { debug, info, warn, error };

/// How lines are written: human text or one JSON object per line.
enum class log_format { text, json };

/// Parses "debug"/"info"/"warn"/"error"; returns false on anything else.
bool parse_log_level(std::string_view s, log_level& out);

/// A thread-safe logger: a level, a format and a sink that receives finished lines
/// (without the trailing newline). The default sink writes to stderr.
class logger {
public:
    using sink = std::function<void(std::string_view line)>;

    explicit logger(log_level level = log_level::info,
                    log_format format = log_format::text,
                    sink out = {});

    /// Writes one line: `component` names the subsystem ("socket_mode", "web_api"),
    /// `message` is plain text without secrets or message bodies.
    void log(log_level level, std::string_view component, std::string_view message) const;

    void debug(std::string_view c, std::string_view m) const { log(log_level::debug, c, m); }
    void info(std::string_view c, std::string_view m) const { log(log_level::info, c, m); }
    void warn(std::string_view c, std::string_view m) const { log(log_level::warn, c, m); }
    void error(std::string_view c, std::string_view m) const { log(log_level::error, c, m); }

    /// True when lines of this level are written (to skip building costly messages).
    bool enabled(log_level level) const { return level >= level_; }

private:
    log_level level_;
    log_format format_;
    sink sink_;
    std::shared_ptr<std::mutex> mutex_;
};

/// A credential. It has no stream operator or implicit conversion, so it cannot reach a
/// log line by accident; `redacted()` shows only the token kind ("xoxb-…").
class secret {
public:
    secret() = default;
    explicit secret(std::string value) : value_(std::move(value)) {}

    /// The raw value, for the Authorization header only.
    const std::string& reveal() const { return value_; }
    /// The token's kind prefix followed by an ellipsis, or "(unset)".
    std::string redacted() const;
    bool empty() const { return value_.empty(); }

private:
    std::string value_;
};

/// Replaces any Slack token (xoxb-, xoxp-, xapp-, xoxa-, xoxe-, xoxs-) inside `text` with
/// its redacted form; used on text from the outside (error bodies, URLs) before logging.
std::string redact_tokens(std::string_view text);

}  // namespace incident_bot

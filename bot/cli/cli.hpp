// Subcommands of the incident-bot binary. Each lives in its own bot/cli/*.cpp file and
// registers itself with a static `cli::command_registration`, so main.cpp stays a table
// lookup and adding a command touches one file.
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "incident_bot/config.hpp"

namespace incident_bot::cli {

/// What a subcommand gets: its arguments (after the subcommand name), the environment and
/// the output streams (tests capture them).
struct context {
    std::vector<std::string> args;
    env_lookup env;
    std::ostream& out;
    std::ostream& err;
};

/// A subcommand's entry point; returns the process exit status.
using handler = int (*)(context&);

struct command {
    std::string name;
    std::string usage;    ///< e.g. "timeline ID [--format table|json|md]"
    std::string summary;  ///< one line for `incident-bot help`
    handler run;
};

/// Registered commands by name.
std::map<std::string, command>& registry();

/// Registers a command at static-initialisation time.
struct command_registration {
    explicit command_registration(command c);
};

/// Raised for bad command-line input; main prints it with the command's usage, exit 2.
struct usage_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Parsed `--name value` options, `--flag` switches and positional arguments.
/// Unknown options are a usage_error naming them.
class options {
public:
    /// `valued` are options that take a value, `flags` are switches.
    options(const std::vector<std::string>& args,
            const std::set<std::string>& valued,
            const std::set<std::string>& flags);

    std::optional<std::string> value(const std::string& name) const;
    bool flag(const std::string& name) const { return flags_.contains(name); }
    const std::vector<std::string>& positional() const { return positional_; }

    /// The value of `name` if it is one of `allowed`, `fallback` when absent.
    std::string choice(const std::string& name,
                       const std::set<std::string>& allowed,
                       const std::string& fallback) const;

private:
    std::map<std::string, std::string> values_;
    std::set<std::string> flags_;
    std::vector<std::string> positional_;
};

/// Loads the configuration from the environment of `ctx`; `--config PATH` may override the
/// file. Throws config_error.
config load(const context& ctx, const options& opts);

}  // namespace incident_bot::cli

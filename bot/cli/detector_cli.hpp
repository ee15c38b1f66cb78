// How the CLI commands that judge text (lint, rules, train) find the rules and the model:
// the same search as the bot, so a line scores the same everywhere.
#pragma once

#include <memory>

#include "cli/cli.hpp"
#include "incident_bot/rules/detector.hpp"

namespace incident_bot::cli {

/// --rules, then rules_file / INCIDENT_BOT_RULES, then the installed and the checked-out
/// rule files, then the copy compiled into the binary. Throws rules_error.
rule_set load_rules(const context& ctx, const options& opts);

/// --model FILE|off, then `nudges.model` from the configuration, then the built-in model.
/// Null for "off" (or a build without a model). Throws model_error.
std::shared_ptr<const blame_model> load_model(const context& ctx, const options& opts);

/// Both, as one detector; with `--names FILE` (one person's name per line), those names
/// read as people.
blame_detector load_detector(const context& ctx, const options& opts);

}  // namespace incident_bot::cli

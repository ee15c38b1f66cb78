// `incident-bot run`: connect to Slack and serve.
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "incident_bot/app/runtime.hpp"
#include "incident_bot/private_files.hpp"

namespace incident_bot::cli {

namespace {

// The config file in use, when it holds a token (a file without secrets may be world-readable).
std::optional<std::string> config_file_with_tokens(const context& ctx, const options& opts) {
    auto path = opts.value("config");
    if (!path) {
        const char* env = ctx.env("INCIDENT_BOT_CONFIG");
        if (!env || !*env) return std::nullopt;
        path = env;
    }
    std::ifstream in(*path, std::ios::binary);
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    if (!doc.is_object() || !(doc.contains("slack_app_token") || doc.contains("slack_bot_token")))
        return std::nullopt;
    return path;
}

// Warns (never refuses: the operator may know better) when other users can reach the tokens
// or the incident history.
void check_file_permissions(const config& cfg, const std::optional<std::string>& config_file, const logger& log) {
    create_private_file(cfg.db_path);
    if (auto w = exposure_warning(cfg.db_path, "database")) log.warn("security", *w);
    if (config_file)
        if (auto w = exposure_warning(*config_file, "config file with Slack tokens")) log.warn("security", *w);
}

int run_command(context& ctx) {
    options opts(ctx.args, {"config"}, {});
    if (!opts.positional().empty()) throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const config cfg = load(ctx, opts);
    validate_for_run(cfg);
    logger log(cfg.level, cfg.format);
    check_file_permissions(cfg, config_file_with_tokens(ctx, opts), log);
    runtime bot(cfg, log);
    return bot.run();
}

const command_registration reg{{"run",
                                "run [--config FILE]",
                                "connect to Slack over Socket Mode and serve incident channels",
                                &run_command}};

}  // namespace

}  // namespace incident_bot::cli

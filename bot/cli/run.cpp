// `incident-bot run`: connect to Slack and serve.
#include "cli/cli.hpp"
#include "incident_bot/app/runtime.hpp"
#include "incident_bot/private_files.hpp"

namespace incident_bot::cli {

namespace {

// Warns (never refuses: the operator may know better) when other users can reach the tokens
// or the incident history.
void check_file_permissions(const config& cfg, const logger& log) {
    create_private_file(cfg.db_path);
    if (auto w = exposure_warning(cfg.db_path, "database")) log.warn("security", *w);
    if (!cfg.token_file.empty())
        if (auto w = exposure_warning(cfg.token_file, "config file with Slack tokens")) log.warn("security", *w);
}

int run_command(context& ctx) {
    options opts(ctx.args, {"config"}, {});
    if (!opts.positional().empty()) throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const config cfg = load(ctx, opts);
    validate_for_run(cfg);
    logger log(cfg.level, cfg.format);
    check_file_permissions(cfg, log);
    runtime bot(cfg, log);
    return bot.run();
}

const command_registration reg{{"run",
                                "run [--config FILE]",
                                "connect to Slack over Socket Mode and serve incident channels",
                                &run_command}};

}  // namespace

}  // namespace incident_bot::cli

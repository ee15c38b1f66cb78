// `incident-bot run`: connect to Slack and serve.
#include <iostream>

#include "cli/cli.hpp"
#include "incident_bot/app/runtime.hpp"

namespace incident_bot::cli {

namespace {

int run_command(context& ctx) {
    options opts(ctx.args, {"config"}, {});
    if (!opts.positional().empty()) throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const config cfg = load(ctx, opts);
    validate_for_run(cfg);
    logger log(cfg.level, cfg.format);
    runtime bot(cfg, log);
    return bot.run();
}

const command_registration reg{{"run",
                                "run [--config FILE]",
                                "connect to Slack over Socket Mode and serve incident channels",
                                &run_command}};

}  // namespace

}  // namespace incident_bot::cli

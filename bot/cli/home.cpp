// `incident-bot home --user U…`: prints the App Home view the bot would publish for a person,
// from the database (read-only), so its layout can be pasted into Slack's Block Kit Builder
// and reviewed without a workspace (issue 18).
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/commands/home.hpp"

namespace incident_bot::cli {

namespace {

int home_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "user", "filter", "group"}, {});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const auto user = opts.value("user");
    if (!user || user->empty()) throw usage_error("--user is required (a Slack user id, U…)");
    home_request r;
    r.user = *user;
    r.filter = *parse_home_filter(opts.choice("filter", {"open", "overdue", "mine", "all"}, "open"));
    r.grouping = *parse_home_grouping(opts.choice("group", {"incident", "owner"}, "incident"));
    // The configured command name appears in the view's hints; --db alone needs no config.
    const commands_config commands = opts.value("db") ? commands_config{} : load(ctx, opts).commands;
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        r.today = std::chrono::floor<std::chrono::days>(s.now());
        ctx.out << build_home_view(s, commands, r).dump(2) << "\n";
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot home: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"home",
     "home --user U… [--filter open|overdue|mine|all] [--group incident|owner] [--db PATH]",
     "print a person's App Home view as JSON (for Slack's Block Kit Builder)",
     &home_command}};

}  // namespace

}  // namespace incident_bot::cli

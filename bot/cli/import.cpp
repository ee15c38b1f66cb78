// `incident-bot import PATH`: bring a Slack export folder into the database, one incident
// per channel.
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/store/import.hpp"

namespace incident_bot::cli {

namespace {

int import_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "channel"}, {});
    if (opts.positional().size() != 1) throw usage_error("expected one export folder");
    import_options io;
    io.channel = opts.value("channel");
    try {
        store s(database_path(ctx, opts), open_mode::read_write);
        const auto summary = import_slack_export(s, opts.positional()[0], io);
        for (const auto& c : summary.channels) {
            if (c.incident_id)
                ctx.out << "imported " << c.name << " as incident " << *c.incident_id << " ("
                        << c.entries << " timeline entries)\n";
            else
                ctx.out << "skipped " << c.name << ": " << c.skipped << "\n";
        }
        ctx.out << summary.users << " users cached\n";
        return 0;
    } catch (const import_error& e) {
        ctx.err << "incident-bot import: " << e.what() << " (nothing imported)\n";
        return 1;
    } catch (const store_error& e) {
        ctx.err << "incident-bot import: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"import",
                                "import PATH [--channel NAME] [--db PATH]",
                                "import a Slack export folder: one incident per channel",
                                &import_command}};

}  // namespace

}  // namespace incident_bot::cli

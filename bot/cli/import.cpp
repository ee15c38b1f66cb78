// `incident-bot import PATH`: bring a Slack export folder into the database, one incident
// per channel.
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/private_files.hpp"
#include "incident_bot/store/import.hpp"

namespace incident_bot::cli {

namespace {

int import_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "channel", "max-file-mb"}, {});
    if (opts.positional().size() != 1) throw usage_error("expected one export folder");
    import_options io;
    io.channel = opts.value("channel");
    if (auto mb = opts.value("max-file-mb")) {
        if (mb->empty() || mb->size() > 6 ||
            mb->find_first_not_of("0123456789") != std::string::npos || std::stoul(*mb) == 0)
            throw usage_error("--max-file-mb expects a whole number of megabytes, 1 or more");
        io.max_file_bytes = std::uintmax_t{std::stoul(*mb)} << 20;
    }
    try {
        const std::string db = database_path(ctx, opts);
        // Owner-only like `run` makes it: the export's conversations land in this file.
        create_private_file(db);
        if (auto w = exposure_warning(db, "database")) ctx.err << "warning: " << *w << "\n";
        store s(db, open_mode::read_write);
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
                                "import PATH [--channel NAME] [--max-file-mb N] [--db PATH]",
                                "import a Slack export folder: one incident per channel",
                                &import_command}};

}  // namespace

}  // namespace incident_bot::cli

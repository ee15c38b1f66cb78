// `incident-bot import PATH`: bring a Slack export folder into the database, one incident
// per incident channel, resolved when its history says so.
#include <ostream>

#include "cli/detector_cli.hpp"
#include "cli/store_cli.hpp"
#include "incident_bot/private_files.hpp"
#include "incident_bot/store/import.hpp"

namespace incident_bot::cli {

namespace {

// How the import decided the incident's state, for the line about its channel.
std::string resolution_text(const imported_channel& c) {
    const std::string at = c.resolved_at ? format_utc(*c.resolved_at) + " UTC" : "";
    switch (c.resolved_by) {
        case resolution_rule::bot_post: return "resolved by the bot's resolve post at " + at;
        case resolution_rule::message: return "resolved by a resolution message at " + at;
        case resolution_rule::archived:
            return "resolved: channel archived (resolved at its last message, " + at + ")";
        case resolution_rule::none: break;
    }
    return "still open: no resolution found";
}

int import_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "channel", "max-file-mb", "rules"}, {"all"});
    if (opts.positional().size() != 1) throw usage_error("expected one export folder");
    import_options io;
    io.channel = opts.value("channel");
    io.all = opts.flag("all");
    if (io.all && io.channel)
        throw usage_error("--all imports every channel; leave out --channel, or --all");
    if (auto mb = opts.value("max-file-mb")) {
        if (mb->empty() || mb->size() > 6 ||
            mb->find_first_not_of("0123456789") != std::string::npos || std::stoul(*mb) == 0)
            throw usage_error("--max-file-mb expects a whole number of megabytes, 1 or more");
        io.max_file_bytes = std::uintmax_t{std::stoul(*mb)} << 20;
    }
    config cfg;
    try {
        cfg = load(ctx, opts);
    } catch (const config_error& e) {
        // A bad import.channel_pattern among them: say that nothing was touched.
        ctx.err << "incident-bot import: configuration error: " << e.what()
                << " (nothing imported)\n";
        return 2;
    }
    io.channel_pattern = cfg.imports.channel_pattern;
    const auto rules = load_rules(ctx, opts);
    io.rules = &rules;
    try {
        const std::string db = opts.value("db").value_or(cfg.db_path);
        // Owner-only like `run` makes it: the export's conversations land in this file.
        create_private_file(db);
        if (auto w = exposure_warning(db, "database")) ctx.err << "warning: " << *w << "\n";
        store s(db, open_mode::read_write);
        const auto summary = import_slack_export(s, opts.positional()[0], io);
        for (const auto& c : summary.channels) {
            if (!c.incident_id) {
                ctx.out << "skipped " << c.name << ": " << c.skipped << "\n";
                continue;
            }
            ctx.out << "imported " << c.name << " as incident " << *c.incident_id << " ("
                    << c.entries << " timeline entries); " << resolution_text(c);
            // Counted, never sent: the people in an old export get no messages from the bot.
            if (c.findings > 0)
                ctx.out << "; " << c.findings << " blameless-language finding"
                        << (c.findings == 1 ? "" : "s") << " stored (no one was messaged)";
            ctx.out << "\n";
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

const command_registration reg{
    {"import",
     "import PATH [--channel NAME | --all] [--rules FILE] [--max-file-mb N] [--db PATH]",
     "import a Slack export folder: one incident per incident channel (import.channel_pattern)",
     &import_command}};

}  // namespace

}  // namespace incident_bot::cli

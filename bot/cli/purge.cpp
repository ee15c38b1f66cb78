// `incident-bot purge --older-than-days N`: data retention. Drops the message text of
// incidents resolved more than N days ago; incidents, post-mortem drafts, action items and
// metrics stay. Meant for a daily timer or cron job.
#include <charconv>
#include <ostream>

#include "cli/store_cli.hpp"

namespace incident_bot::cli {

namespace {

int purge_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "older-than-days"}, {});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const auto text = opts.value("older-than-days");
    if (!text) throw usage_error("--older-than-days N is required");
    int days = -1;
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), days);
    if (ec != std::errc() || end != text->data() + text->size() || days < 0 || days > 36'500)
        throw usage_error("--older-than-days takes a whole number of days, 0 to 36500");
    try {
        store s(database_path(ctx, opts), open_mode::read_write);
        const auto cutoff =
            std::chrono::floor<std::chrono::seconds>(s.now()) - std::chrono::days(days);
        const auto erased = s.purge_resolved_text(cutoff);
        ctx.out << "erased the text of " << erased.entries << " timeline entries and "
                << erased.edits << " earlier versions in incidents resolved before "
                << format_utc(cutoff) << " UTC\n";
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot purge: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"purge",
                                "purge --older-than-days N [--db PATH]",
                                "retention: drop message text of incidents resolved more than N "
                                "days ago (drafts and metrics stay)",
                                &purge_command}};

}  // namespace

}  // namespace incident_bot::cli

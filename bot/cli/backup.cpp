// `incident-bot backup PATH`: a consistent copy of the live database through SQLite's online
// backup API, safe while the bot runs, checked with `PRAGMA integrity_check` before it is
// put in place.
#include <filesystem>
#include <ostream>

#include "cli/store_cli.hpp"

namespace incident_bot::cli {

namespace {

namespace fs = std::filesystem;

int backup_command(context& ctx) {
    options opts(ctx.args, {"db", "config"}, {"force"});
    if (opts.positional().size() != 1) throw usage_error("expected one backup PATH");
    const std::string target = opts.positional()[0];
    if (fs::exists(target) && !opts.flag("force")) {
        ctx.err << "incident-bot backup: '" << target << "' exists; pass --force to replace it\n";
        return 1;
    }
    // Copy beside the target, check it, then rename: a failed backup never replaces a good
    // one, and the rename is atomic on one file system.
    const std::string partial = target + ".partial";
    fs::remove(partial);
    try {
        const std::string source = database_path(ctx, opts);
        {
            store live(source, open_mode::read_only);
            live.backup_to(partial);
        }
        std::vector<std::string> problems;
        {
            store copy(partial, open_mode::read_only);
            problems = copy.integrity_check();
        }
        if (!problems.empty()) {
            ctx.err << "incident-bot backup: the copy of '" << source
                    << "' failed the integrity check; nothing written:\n";
            for (const auto& p : problems) ctx.err << "  " << p << "\n";
            fs::remove(partial);
            return 1;
        }
        fs::rename(partial, target);
        ctx.out << "backed up " << source << " to " << target << " (" << fs::file_size(target)
                << " bytes, integrity ok)\n";
        return 0;
    } catch (const store_error& e) {
        fs::remove(partial);
        ctx.err << "incident-bot backup: " << e.what() << "\n";
        return 1;
    } catch (...) {
        std::error_code ignored;
        fs::remove(partial, ignored);
        throw;
    }
}

const command_registration reg{{"backup",
                                "backup PATH [--force] [--db PATH]",
                                "copy the database (online, safe while the bot runs) and check "
                                "the copy's integrity",
                                &backup_command}};

}  // namespace

}  // namespace incident_bot::cli

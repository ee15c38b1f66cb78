// `incident-bot backup PATH`: a consistent copy of the live database through SQLite's online
// backup API, safe while the bot runs, checked with `PRAGMA integrity_check` before it is
// put in place.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <ostream>
#include <system_error>

#include "cli/store_cli.hpp"
#include "incident_bot/private_files.hpp"

namespace incident_bot::cli {

namespace {

namespace fs = std::filesystem;

// True when both paths name one file (device and inode, links followed): a backup onto the
// live database, or through a link to it, would replace the file under a running bot.
bool same_file(const std::string& a, const std::string& b) {
    struct stat sa {};
    struct stat sb {};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

// Renames `from` to `to` unless something exists at `to` (checked by the kernel in the same
// step, so a file created meanwhile is never replaced); false then. File systems without
// RENAME_NOREPLACE get link + unlink, which fails the same way on an existing `to`.
bool rename_no_replace(const std::string& from, const std::string& to) {
    if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0)
        return true;
    if (errno == EINVAL || errno == ENOSYS) {
        if (::link(from.c_str(), to.c_str()) == 0) {
            ::unlink(from.c_str());
            return true;
        }
    }
    if (errno == EEXIST) return false;
    throw std::system_error(
        errno, std::generic_category(), "cannot rename '" + from + "' to '" + to + "'");
}

int backup_command(context& ctx) {
    options opts(ctx.args, {"db", "config"}, {"force"});
    if (opts.positional().size() != 1) throw usage_error("expected one backup PATH");
    const std::string target = opts.positional()[0];
    const bool force = opts.flag("force");
    const std::string source = database_path(ctx, opts);
    // Copy beside the target, check it, then rename: a failed backup never replaces a good
    // one, and the rename is atomic on one file system.
    const std::string partial = target + ".partial";
    for (const auto& path : {target, partial}) {
        if (same_file(path, source)) {
            ctx.err << "incident-bot backup: '" << path << "' is the database '" << source
                    << "' itself; choose another PATH\n";
            return 1;
        }
    }
    if (fs::exists(fs::symlink_status(target)) && !force) {
        ctx.err << "incident-bot backup: '" << target << "' exists; pass --force to replace it\n";
        return 1;
    }
    if (fs::exists(fs::symlink_status(partial))) {
        // Another backup writing now, or one that was killed: not ours to delete unasked.
        if (!force) {
            ctx.err << "incident-bot backup: '" << partial << "' exists (a backup running now, "
                    << "or one that was interrupted); remove it or pass --force\n";
            return 1;
        }
        fs::remove(partial);
    }
    if (auto w = exposure_warning(source, "database")) ctx.err << "warning: " << *w << "\n";
    bool created = false;  // only a partial we made is ours to remove
    try {
        {
            store live(source, open_mode::read_only);
            live.backup_to(partial);
            created = true;
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
        if (force) {
            fs::rename(partial, target);
        } else if (!rename_no_replace(partial, target)) {
            ctx.err << "incident-bot backup: '" << target << "' was created meanwhile; left as "
                    << "it is (pass --force to replace it)\n";
            fs::remove(partial);
            return 1;
        }
        ctx.out << "backed up " << source << " to " << target << " (" << fs::file_size(target)
                << " bytes, integrity ok)\n";
        return 0;
    } catch (const store_error& e) {
        if (created) fs::remove(partial);
        ctx.err << "incident-bot backup: " << e.what() << "\n";
        return 1;
    } catch (...) {
        std::error_code ignored;
        if (created) fs::remove(partial, ignored);
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

// The database holds incident conversations and the config file may hold tokens: both
// belong to the bot's user alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace incident_bot {

/// A warning when group or other users may read or write `path` ("database 'x.db' is
/// readable by other users (mode 0644): chmod 600 'x.db'"); nullopt when private or absent.
std::optional<std::string> exposure_warning(const std::string& path, std::string_view what);

/// Creates `path` empty with mode 0600 when it does not exist yet. SQLite treats an empty
/// file as a new database and gives its -wal and -shm files the main file's mode, so the
/// whole database stays private whatever the umask. Throws std::system_error on failure.
void create_private_file(const std::string& path);

/// Creates `path` empty with mode 0600, only if nothing is there yet, not even a dangling
/// symbolic link (O_EXCL); false when something is, and then nothing is touched. Throws
/// std::system_error on other failures.
bool create_new_private_file(const std::string& path);

}  // namespace incident_bot

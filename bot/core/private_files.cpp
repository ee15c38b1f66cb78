#include "incident_bot/private_files.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace incident_bot {

std::optional<std::string> exposure_warning(const std::string& path, std::string_view what) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    const auto mode = st.st_mode & 0777;
    if ((mode & 077) == 0) return std::nullopt;
    const bool others_read = (mode & 044) != 0;
    char octal[8];
    std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(mode));
    return std::string(what) + " '" + path + "' is " +
           (others_read ? "readable" : "writable") + " by other users (mode " + octal +
           "): chmod 600 '" + path + "'";
}

bool create_new_private_file(const std::string& path) {
    // O_EXCL also fails on a symbolic link, dangling or not: nothing is created through one.
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::close(fd);
        return true;
    }
    if (errno != EEXIST) throw std::system_error(errno, std::generic_category(), "cannot create '" + path + "'");
    return false;
}

void create_private_file(const std::string& path) { (void)create_new_private_file(path); }

}  // namespace incident_bot

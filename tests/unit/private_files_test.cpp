#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "incident_bot/private_files.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

namespace fs = std::filesystem;
using testing::temp_dir;

TEST(PrivateFiles, NewDatabaseFileIsOwnerOnlyWhateverTheUmask) {
    temp_dir t;
    const auto path = t.file("bot.db");
    const mode_t old = ::umask(022);
    create_private_file(path);
    ::umask(old);
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(fs::file_size(path), 0u);
    EXPECT_FALSE(exposure_warning(path, "database"));
}

TEST(PrivateFiles, ExistingFileIsLeftAsItIs) {
    temp_dir t;
    const auto path = t.file("bot.db");
    std::ofstream(path) << "data";
    create_private_file(path);
    EXPECT_EQ(fs::file_size(path), 4u);
}

TEST(PrivateFiles, WarnsWhenOthersCanReadOrWrite) {
    temp_dir t;
    const auto path = t.file("config.json");
    std::ofstream(path) << "{}";
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    const auto readable = exposure_warning(path, "config file");
    ASSERT_TRUE(readable);
    EXPECT_NE(readable->find("readable by other users (mode 0644)"), std::string::npos) << *readable;
    EXPECT_NE(readable->find("chmod 600"), std::string::npos);

    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_write);
    const auto writable = exposure_warning(path, "config file");
    ASSERT_TRUE(writable);
    EXPECT_NE(writable->find("writable by other users (mode 0620)"), std::string::npos) << *writable;
}

TEST(PrivateFiles, MissingFileHasNothingToWarnAbout) {
    EXPECT_FALSE(exposure_warning("/nonexistent/ib/bot.db", "database"));
}

}  // namespace
}  // namespace incident_bot

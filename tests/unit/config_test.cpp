// The runtime contract's configuration: defaults, then the config file, then the
// environment, with errors that name the setting.
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "incident_bot/config.hpp"
#include "store_fixtures.hpp"

namespace incident_bot {
namespace {

using testing::temp_dir;

// An environment made of a map, as load_config reads it.
struct fake_env {
    std::map<std::string, std::string> vars;
    env_lookup lookup() const {
        return [this](const char* name) -> const char* {
            auto it = vars.find(name);
            return it == vars.end() ? nullptr : it->second.c_str();
        };
    }
};

std::string write_file(const temp_dir& t, const std::string& text, const std::string& name = "config.json") {
    const auto path = t.file(name);
    std::ofstream(path) << text;
    return path;
}

// The config_error message of loading, or "" when it loads.
std::string load_error(const fake_env& env, const std::optional<std::string>& file = {}) {
    try {
        load_config(env.lookup(), file);
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

TEST(Config, DefaultsFollowTheRuntimeContract) {
    const auto c = load_config(fake_env{}.lookup());
    EXPECT_EQ(c.api_url, "https://slack.com/api/");
    EXPECT_EQ(c.db_path, "incident-bot.db");
    EXPECT_TRUE(c.http_listen.empty());
    EXPECT_EQ(c.socket_mode.connections, 1);
    EXPECT_TRUE(c.token_file.empty());
}

TEST(Config, EnvironmentWinsOverTheFile) {
    temp_dir t;
    fake_env env;
    env.vars["INCIDENT_BOT_CONFIG"] = write_file(
        t, R"({"db": "from-file.db", "connections": 3, "http": "127.0.0.1:9100",
               "slack_bot_token": "xoxb-from-file"})");
    env.vars["INCIDENT_BOT_DB"] = "from-env.db";
    env.vars["SLACK_BOT_TOKEN"] = "xoxb-from-env";
    env.vars["SLACK_API_URL"] = "http://127.0.0.1:8080/api";
    const auto c = load_config(env.lookup());
    EXPECT_EQ(c.db_path, "from-env.db");
    EXPECT_EQ(c.bot_token.reveal(), "xoxb-from-env");
    EXPECT_EQ(c.socket_mode.connections, 3);       // only the file set it
    EXPECT_EQ(c.http_listen, "127.0.0.1:9100");
    EXPECT_EQ(c.api_url, "http://127.0.0.1:8080/api/");  // a missing final slash is added
}

TEST(Config, RemembersWhichFileHeldATokenSoRunCanCheckItsPermissions) {
    temp_dir t;
    const auto with_token = write_file(t, R"({"slack_app_token": "xapp-1-x"})");
    EXPECT_EQ(load_config(fake_env{}.lookup(), with_token).token_file, with_token);
    const auto without = write_file(t, R"({"db": "x.db"})", "no-token.json");
    EXPECT_TRUE(load_config(fake_env{}.lookup(), without).token_file.empty());
}

TEST(Config, BadValuesNameTheSetting) {
    fake_env env;
    for (const char* bad : {"0", "11", "two", "3x"}) {
        env.vars["INCIDENT_BOT_CONNECTIONS"] = bad;
        EXPECT_NE(load_error(env).find("INCIDENT_BOT_CONNECTIONS"), std::string::npos) << bad;
    }
    env.vars.erase("INCIDENT_BOT_CONNECTIONS");
    env.vars["SLACK_API_URL"] = "ftp://slack.com/api/";
    EXPECT_NE(load_error(env).find("SLACK_API_URL"), std::string::npos);
}

TEST(Config, FileErrorsNameTheFileAndTheKey) {
    temp_dir t;
    const fake_env env;
    EXPECT_NE(load_error(env, t.file("missing.json")).find("cannot read config file"), std::string::npos);
    const auto typo = write_file(t, R"({"conections": 2})");
    EXPECT_NE(load_error(env, typo).find("conections"), std::string::npos);
    const auto broken = write_file(t, R"({"db": )");
    EXPECT_NE(load_error(env, broken).find("not valid JSON"), std::string::npos);
    const auto out_of_range = write_file(t, R"({"connections": 0})");
    EXPECT_NE(load_error(env, out_of_range).find("connections"), std::string::npos);
}

TEST(Config, ShareChannelFromFileOrEnvironment) {
    temp_dir t;
    fake_env env;
    EXPECT_TRUE(load_config(env.lookup()).commands.share_channel.empty());
    const auto file = write_file(t, R"({"postmortem": {"share_channel": "#post-mortems"}})");
    EXPECT_EQ(load_config(env.lookup(), file).commands.share_channel, "#post-mortems");
    env.vars["INCIDENT_BOT_SHARE_CHANNEL"] = "C0SHARE1";
    EXPECT_EQ(load_config(env.lookup(), file).commands.share_channel, "C0SHARE1");
    for (const char* bad : {"post mortems", "#", "c0lower", "general"}) {
        env.vars["INCIDENT_BOT_SHARE_CHANNEL"] = bad;
        EXPECT_NE(load_error(env).find("INCIDENT_BOT_SHARE_CHANNEL"), std::string::npos) << bad;
    }
    const auto typo = write_file(t, R"({"postmortem": {"share": "C1"}})", "typo.json");
    EXPECT_NE(load_error(fake_env{}, typo).find("postmortem.share"), std::string::npos);
}

TEST(Config, StoreSectionTunesTheGroupCommit) {
    temp_dir t;
    const fake_env env;
    const auto file = write_file(t, R"({"store": {"commit_linger_us": 0, "max_batch": 50,
                                                   "max_pending": 500,
                                                   "max_pending_bytes": 2097152}})");
    const auto c = load_config(env.lookup(), file);
    EXPECT_EQ(c.store.commit_linger.count(), 0);
    EXPECT_EQ(c.store.max_batch, 50u);
    EXPECT_EQ(c.store.max_pending, 500u);
    EXPECT_EQ(c.store.max_pending_bytes, 2u << 20);
    EXPECT_EQ(load_config(env.lookup()).store.max_pending_bytes, 32u << 20);
    EXPECT_EQ(load_config(env.lookup()).store.commit_linger, std::chrono::milliseconds(5));
    const auto typo = write_file(t, R"({"store": {"linger": 5}})", "typo.json");
    EXPECT_NE(load_error(env, typo).find("store.linger"), std::string::npos);
    const auto zero_batch = write_file(t, R"({"store": {"max_batch": 0}})", "zero.json");
    EXPECT_NE(load_error(env, zero_batch).find("store.max_batch"), std::string::npos);
}

TEST(Config, RunNeedsBothTokensOfTheRightKind) {
    fake_env env;
    auto run_error = [&] {
        try {
            validate_for_run(load_config(env.lookup()));
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(run_error().find("SLACK_APP_TOKEN"), std::string::npos);
    env.vars["SLACK_APP_TOKEN"] = "xoxb-wrong-kind";
    EXPECT_NE(run_error().find("SLACK_APP_TOKEN"), std::string::npos);
    env.vars["SLACK_APP_TOKEN"] = "xapp-1-A1-ok";
    EXPECT_NE(run_error().find("SLACK_BOT_TOKEN"), std::string::npos);
    env.vars["SLACK_BOT_TOKEN"] = "xoxb-ok";
    EXPECT_EQ(run_error(), "");
}

}  // namespace
}  // namespace incident_bot

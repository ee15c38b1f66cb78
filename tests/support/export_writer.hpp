// Writes a Slack workspace export folder the way Slack lays it out (channels.json,
// users.json, one folder per channel with a file per day), for the import tests.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace incident_bot::testing {

class export_writer {
  public:
    explicit export_writer(std::filesystem::path root) : root_(std::move(root)) {
        std::filesystem::create_directories(root_);
        users_ = nlohmann::json::array(
            {{{"id", "U0ANA01"}, {"name", "ana"}, {"profile", {{"display_name", "Ana Ruiz"}}}},
             {{"id", "U0BEN02"}, {"name", "ben"}, {"profile", {{"display_name", "Ben Okafor"}}}},
             {{"id", "U0BOT"},
              {"name", "incident-bot"},
              {"is_bot", true},
              {"profile", {{"bot_id", "B0INCBOT"}}}}});
        flush();
    }

    /// Adds a channel with its messages (one day file; `messages` is a JSON array).
    export_writer& channel(const std::string& id,
                           const std::string& name,
                           nlohmann::json messages,
                           bool archived = false) {
        channels_.push_back({{"id", id},
                             {"name", name},
                             {"created", 1793628000},
                             {"is_archived", archived},
                             {"purpose", {{"value", "SEV2: " + name}}}});
        std::filesystem::create_directories(root_ / name);
        std::ofstream(root_ / name / "2026-11-02.json") << messages.dump(2);
        flush();
        return *this;
    }

    /// A person's message.
    static nlohmann::json said(const std::string& ts,
                               const std::string& user,
                               const std::string& text) {
        return {{"type", "message"}, {"user", user}, {"text", text}, {"ts", ts}};
    }

    /// A message posted by the bot (as the export shows a bot: bot_id, subtype bot_message).
    static nlohmann::json bot_said(const std::string& ts, const std::string& text) {
        return {{"type", "message"},
                {"subtype", "bot_message"},
                {"bot_id", "B0INCBOT"},
                {"user", "U0BOT"},
                {"text", text},
                {"ts", ts}};
    }

    const std::filesystem::path& root() const { return root_; }

  private:
    void flush() {
        std::ofstream(root_ / "channels.json") << channels_.dump(2);
        std::ofstream(root_ / "users.json") << users_.dump(2);
    }

    std::filesystem::path root_;
    nlohmann::json channels_ = nlohmann::json::array();
    nlohmann::json users_;
};

}  // namespace incident_bot::testing

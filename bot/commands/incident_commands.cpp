// The `/incident` command's public face: running one (detail::command_runner holds the
// sub-commands), the name of a created channel, and the post-mortem's posts.
#include "incident_bot/commands/incident_commands.hpp"

#include <algorithm>
#include <cctype>

#include "commands/command_runner.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

command_outcome run_incident_command(store& s,
                                     const slash_command& cmd,
                                     const commands_config& cfg,
                                     const rule_set* rules,
                                     std::chrono::system_clock::time_point now) {
    return detail::command_runner(s, cmd, cfg, rules, now).run();
}

std::string incident_channel_name(std::chrono::sys_days day, std::string_view title) {
    std::string name = "inc-" + detail::format_day(day);
    name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
    name.insert(3, "-");
    name += '-';
    for (char c : title) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) && u < 0x80)
            name += static_cast<char>(std::tolower(u));
        else if (name.back() != '-')
            name += '-';
        if (name.size() >= 80) break;
    }
    while (name.back() == '-') name.pop_back();
    return name.substr(0, 80);
}

std::vector<api_call> postmortem_posts(const postmortem_draft& d,
                                       const incident& i,
                                       std::string_view channel) {
    std::vector<api_call> calls;
    const std::string title = "Post-mortem draft v" + std::to_string(d.version) +
                              " for incident #" + std::to_string(i.id) + ": " +
                              detail::quiet_mentions(i.title);
    for (auto& m : to_block_kit_messages(d.markdown, channel, title))
        calls.push_back({"chat.postMessage", std::move(m), "postmortem"});
    return calls;
}

}  // namespace incident_bot

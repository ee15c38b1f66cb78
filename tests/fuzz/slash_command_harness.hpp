// `/incident` command text through the sans-io command engine on an in-memory store whose
// channel C111 has an open incident. Each input line is one command, run in order, so
// sequences (declare, role, action, resolve, postmortem) are reachable. A few lines are
// directives for the harness instead of commands:
//   @U2         act as user U2 from now on (default U111; only U111 may declare or resolve)
//   #C2         type the following commands in channel C2 (default C111)
//   !create     turn config `create_channel` on (`!roles`: replace_names_with_roles on)
// Every reply and follow-up must serialise as strict JSON when the input is valid UTF-8.
#pragma once

#include "fuzz_support.hpp"
#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot::fuzz {

namespace slash_command_detail {

inline constexpr std::size_t max_commands = 24;

inline void check(const nlohmann::json& j, bool strict) {
    if (strict) (void)j.dump();  // throws on a split UTF-8 sequence: reported as a crash
    else (void)j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace slash_command_detail

inline void run_slash_command(std::string_view input) {
    static const rule_set rules = rule_set::load_default();
    store& s = shared_store();
    const bool strict = valid_utf8(input);

    commands_config cfg;
    cfg.may_declare = {"U111"};
    cfg.may_resolve = {"U111"};
    slash_command cmd{"/incident", {}, "U111", "C111", "https://hooks.slack.com/commands/1", ""};
    auto& now = store_now();
    now = fixed_now();

    transaction scratch(s);  // never committed: rolled back when the input is done
    std::size_t begin = 0, commands = 0;
    while (begin <= input.size() && commands < slash_command_detail::max_commands) {
        auto end = input.find('\n', begin);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view line = input.substr(begin, end - begin);
        begin = end + 1;
        if (line.starts_with('@') && line.size() > 1) {
            cmd.user_id = line.substr(1);
        } else if (line.starts_with('#') && line.size() > 1) {
            cmd.channel_id = line.substr(1);
        } else if (line == "!create") {
            cfg.create_channel = true;
        } else if (line == "!roles") {
            cfg.replace_names_with_roles = true;
        } else {
            cmd.text = line;
            const auto out = run_incident_command(s, cmd, cfg, &rules, now);
            slash_command_detail::check(out.reply, strict);
            for (const auto& call : out.follow_ups)
                slash_command_detail::check(call.args, strict);
            if (out.new_channel) {
                const auto& name = out.new_channel->name;
                require(!name.empty() && name.size() <= 80, "channel name within Slack's limits");
                slash_command_detail::check(out.new_channel->header, strict);
            }
            ++commands;
            now += std::chrono::minutes(7);
        }
    }
}

}  // namespace incident_bot::fuzz

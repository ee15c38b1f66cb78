// `incident-bot forget-user U…`: erase what one or more people wrote (timeline text, earlier
// versions of edited messages, summaries, impacts and action items they wrote, their cached
// names, the search index) while keeping the incident facts; then rewrite the generated
// post-mortem drafts of the incidents they took part in, which quoted them.
#include <algorithm>
#include <cctype>
#include <ostream>

#include "cli/detector_cli.hpp"
#include "cli/store_cli.hpp"
#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/postmortem/publish.hpp"

namespace incident_bot::cli {

namespace {

// Slack user ids: U… for workspace members, W… for Enterprise Grid org users.
bool looks_like_user_id(const std::string& id) {
    return id.size() >= 3 && (id[0] == 'U' || id[0] == 'W') &&
           std::all_of(id.begin(), id.end(), [](unsigned char c) {
               return std::isupper(c) || std::isdigit(c);
           });
}

int forget_user_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "rules"}, {});
    if (opts.positional().empty()) throw usage_error("expected at least one Slack user id");
    for (const auto& id : opts.positional())
        if (!looks_like_user_id(id))
            throw usage_error("'" + id + "' is not a Slack user id (U… or W…)");
    try {
        store s(database_path(ctx, opts), open_mode::read_write);
        // The drafts are written again the way the bot writes them.
        const auto rules = load_rules(ctx, opts);
        draft_options style;
        style.replace_names_with_roles = load(ctx, opts).commands.replace_names_with_roles;
        for (const auto& id : opts.positional()) {
            const auto erased = s.forget_user(id, [&](std::int64_t incident, draft_audience a) {
                if (a == draft_audience::organisation)
                    return write_organisation_draft(s, incident, nullptr)->markdown;
                return generate_draft(s, incident, &rules, style)->markdown;
            });
            ctx.out << id << ": erased the text of " << erased.entries << " timeline entries, "
                    << erased.edits << " earlier versions and " << erased.other
                    << " summaries, impacts or action items; rewrote the drafts of "
                    << erased.drafts << " incidents\n";
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot forget-user: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"forget-user",
                                "forget-user U… [U…] [--db PATH] [--rules FILE]",
                                "erase a person's message text from every timeline, keeping the "
                                "facts",
                                &forget_user_command}};

}  // namespace

}  // namespace incident_bot::cli

// `incident-bot learnings`: the lessons recorded with `/incident learned` across incidents,
// as a digest a team can share. Without authors: lessons belong to everyone.
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

int learnings_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "format", "since"}, {});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const auto format = opts.choice("format", {"md", "json"}, "md");
    const auto since = since_option(opts);
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        const auto lessons = s.list_learnings(since);
        std::map<std::int64_t, incident> incidents;
        for (const auto& l : lessons)
            if (!incidents.contains(l.incident_id))
                if (auto i = s.get_incident(l.incident_id)) incidents.emplace(i->id, *i);
        if (format == "json") {
            json out = json::array();
            for (const auto& l : lessons)
                out.push_back({{"id", l.id},
                               {"incident_id", l.incident_id},
                               {"incident_title", incidents.at(l.incident_id).title},
                               {"text", l.text},
                               {"created_at", format_utc(l.created_at, true)}});
            ctx.out << out.dump(2) << "\n";
            return 0;
        }
        ctx.out << "# What we learned\n\n";
        if (lessons.empty()) {
            ctx.out << "No learnings recorded" << (since ? " since then" : "")
                    << ". In an incident channel: `/incident learned TEXT`.\n";
            return 0;
        }
        // Grouped by incident, newest incident first.
        std::map<std::int64_t, std::vector<const learning*>, std::greater<>> by_incident;
        for (const auto& l : lessons) by_incident[l.incident_id].push_back(&l);
        for (const auto& [id, list] : by_incident) {
            const auto& i = incidents.at(id);
            ctx.out << "## Incident #" << id << ": " << detail::one_line(i.title) << " ("
                    << format_utc(i.declared_at).substr(0, 10) << ", SEV" << i.severity << ")\n\n";
            // Shared outside the team: people mentioned in a lesson are not named.
            for (const auto* l : list)
                ctx.out << "- "
                        << detail::one_line(detail::quiet_mentions(
                               l->text, [](std::string_view) { return "a responder"; }))
                        << "\n";
            ctx.out << "\n";
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot learnings: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"learnings",
                                "learnings [--since DATE] [--format md|json] [--db PATH]",
                                "lessons recorded across incidents, as a digest to share",
                                &learnings_command}};

}  // namespace

}  // namespace incident_bot::cli

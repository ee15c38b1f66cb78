// `incident-bot postmortem ID [--version N]`: print the latest stored post-mortem draft of an
// incident (generating and storing the first version when there is none yet), or any stored
// version, published ones included.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/detector_cli.hpp"
#include "cli/store_cli.hpp"
#include "incident_bot/commands/incident_commands.hpp"
#include "incident_bot/postmortem/draft.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

// Where a version went org-wide, or null for a draft never published.
json published_json(const std::optional<publication>& p) {
    if (!p) return nullptr;
    return {{"channel", p->channel},
            {"published_by", p->published_by ? json(*p->published_by) : json(nullptr)},
            {"published_at", format_utc(p->published_at, true)},
            {"forced", p->forced}};
}

int postmortem_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "format", "rules", "version"}, {});
    if (opts.positional().size() != 1) throw usage_error("expected one incident ID");
    const auto id = parse_id(opts.positional()[0]);
    if (!id)
        throw usage_error("incident ID must be a positive number, got '" + opts.positional()[0] +
                          "'");
    const auto format = opts.choice("format", {"md", "json"}, "md");
    std::optional<int> version;
    if (auto v = opts.value("version")) {
        const auto n = parse_id(*v);
        if (!n || *v != std::to_string(*n) || *n > 1'000'000)
            throw usage_error("--version expects a version number (1, 2, …), got '" + *v + "'");
        version = static_cast<int>(*n);
    }
    const auto path = database_path(ctx, opts);
    try {
        // Read-only unless a first draft must be written; never create a missing file.
        std::optional<draft> d;
        std::optional<publication> published;
        {
            store reader(path, open_mode::read_only);
            if (!reader.get_incident(*id)) {
                ctx.err << "incident-bot postmortem: no incident " << *id << " in '" << path
                        << "'\n";
                return 1;
            }
            if (version) {
                d = reader.draft_version(*id, *version);
                if (!d) {
                    const auto latest = reader.latest_draft(*id);
                    ctx.err << "incident-bot postmortem: incident " << *id << " has no version "
                            << *version
                            << (latest ? " (the latest is " + std::to_string(latest->version) + ")"
                                       : std::string(" (no draft yet)"))
                            << "\n";
                    return 1;
                }
                published = reader.publication_of(*id, *version);
            } else {
                d = reader.latest_draft(*id);
                if (d) published = reader.publication_of(*id, d->version);
            }
        }
        if (!d) {
            const auto cfg = load(ctx, opts);
            store writer(path);
            draft_options o;
            o.replace_names_with_roles = cfg.commands.replace_names_with_roles;
            const auto rules = load_rules(ctx, opts);
            save_draft(writer, *id, &rules, o);
            d = writer.latest_draft(*id);
        }
        if (format == "json") {
            // The blameless check over the incident's messages: when and which rule, no words.
            json review = json::array();
            {
                store reader(path, open_mode::read_only);
                for (const auto& f : review_messages(reader, *id, load_rules(ctx, opts)))
                    review.push_back(
                        {{"ts", f.ts}, {"rule", f.rule_id}, {"category", f.category}});
            }
            ctx.out << json{{"incident_id", d->incident_id},
                            {"version", d->version},
                            {"created_at", format_utc(d->created_at, true)},
                            {"markdown", d->markdown},
                            {"review", std::move(review)},
                            {"published", published_json(published)}}
                           .dump(2)
                    << "\n";
        } else {
            ctx.out << d->markdown;
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot postmortem: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"postmortem",
     "postmortem ID [--version N] [--format md|json] [--rules FILE] [--db PATH]",
     "print the latest post-mortem draft of an incident (writes the first one if none yet), or "
     "version N (published versions are the names-free text that was shared)",
     &postmortem_command}};

}  // namespace

}  // namespace incident_bot::cli

// `incident-bot incidents`: list incidents from the database (read-only, safe while the bot
// runs thanks to WAL).
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

json time_or_null(const std::optional<unix_time>& t) {
    return t ? json(format_utc(*t, true)) : json(nullptr);
}

json text_or_null(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

json to_json(const incident& i) {
    return {{"id", i.id},
            {"title", i.title},
            {"severity", i.severity},
            {"status", to_string(i.status)},
            {"channel", i.channel},
            {"declared_at", format_utc(i.declared_at, true)},
            {"identified_at", time_or_null(i.identified_at)},
            {"mitigated_at", time_or_null(i.mitigated_at)},
            {"resolved_at", time_or_null(i.resolved_at)},
            {"summary", text_or_null(i.summary)},
            {"impact", text_or_null(i.impact)},
            {"commander", text_or_null(i.commander)},
            {"comms", text_or_null(i.comms)},
            {"scribe", text_or_null(i.scribe)}};
}

void print_table(std::ostream& out, const std::vector<incident>& list) {
    if (list.empty()) {
        out << "no incidents\n";
        return;
    }
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-5s %-14s %-20s %-12s %s\n", "ID", "SEV", "STATUS",
                  "DECLARED (UTC)", "CHANNEL", "TITLE");
    out << line;
    for (const auto& i : list) {
        std::snprintf(line, sizeof line, "%-5lld SEV%-2d %-14s %-20s %-12s ",
                      static_cast<long long>(i.id), i.severity,
                      std::string(to_string(i.status)).c_str(),
                      format_utc(i.declared_at).c_str(), i.channel.c_str());
        out << line << i.title << "\n";
    }
}

int incidents_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "format"}, {"open"});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const auto format = opts.choice("format", {"table", "json"}, "table");
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        const auto list = s.list_incidents(opts.flag("open"));
        if (format == "json") {
            json out = json::array();
            for (const auto& i : list) out.push_back(to_json(i));
            ctx.out << out.dump(2) << "\n";
        } else {
            print_table(ctx.out, list);
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot incidents: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"incidents",
                                "incidents [--open] [--format table|json] [--db PATH]",
                                "list incidents from the database (--open: unresolved only)",
                                &incidents_command}};

}  // namespace

}  // namespace incident_bot::cli

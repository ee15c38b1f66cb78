// `incident-bot rules`: the detector's rules, and with --stats how often each one nudged
// someone and how people rated it, so a team can tune its rule file and ignore lists.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

// The same search as the bot and lint: --rules, then rules_file / INCIDENT_BOT_RULES, then
// the installed and the checked-out rule files, then the copy compiled into the binary.
rule_set load_rules(const context& ctx, const options& opts) {
    if (auto path = opts.value("rules")) return rule_set::load_file(*path);
    if (auto configured = load(ctx, opts).rules_file; !configured.empty())
        return rule_set::load_file(configured);
    for (const char* path : {"/etc/incident-bot/rules.json", "config/rules.json"}) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return rule_set::load_file(path);
    }
    return rule_set::load_default();
}

struct rule_row {
    const rule* r;
    std::int64_t sent = 0;
    nudge_votes votes;
};

void print_table(std::ostream& out, const std::vector<rule_row>& rows, bool stats) {
    char line[256];
    if (stats)
        std::snprintf(line,
                      sizeof line,
                      "%-24s %-20s %6s %8s %12s  %s\n",
                      "ID",
                      "CATEGORY",
                      "SENT",
                      "HELPFUL",
                      "NOT HELPFUL",
                      "WHY");
    else
        std::snprintf(line, sizeof line, "%-24s %-20s %s\n", "ID", "CATEGORY", "WHY");
    out << line;
    for (const auto& row : rows) {
        if (stats)
            std::snprintf(line,
                          sizeof line,
                          "%-24s %-20s %6lld %8lld %12lld  ",
                          row.r->id.c_str(),
                          row.r->category.c_str(),
                          static_cast<long long>(row.sent),
                          static_cast<long long>(row.votes.helpful),
                          static_cast<long long>(row.votes.not_helpful));
        else
            std::snprintf(
                line, sizeof line, "%-24s %-20s ", row.r->id.c_str(), row.r->category.c_str());
        out << line << row.r->why << "\n";
    }
}

int rules_command(context& ctx) {
    options opts(ctx.args, {"rules", "format", "db", "config"}, {"stats"});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const auto format = opts.choice("format", {"table", "json"}, "table");
    const bool stats = opts.flag("stats");
    try {
        const rule_set rules = load_rules(ctx, opts);
        std::vector<rule_row> rows;
        for (const auto& r : rules.rules()) rows.push_back({&r, 0, {}});
        if (stats) {
            // Read-only: safe while the bot runs (WAL), and a missing file is an error
            // rather than a new empty database.
            store s(database_path(ctx, opts), open_mode::read_only);
            for (auto& row : rows) {
                row.sent = s.count_rule_nudges(row.r->id);
                row.votes = s.votes_for(row.r->id);
            }
        }
        if (format == "json") {
            json out = json::array();
            for (const auto& row : rows) {
                json item = {{"id", row.r->id}, {"category", row.r->category}, {"why", row.r->why}};
                if (stats) {
                    item["nudges"] = row.sent;
                    item["helpful"] = row.votes.helpful;
                    item["not_helpful"] = row.votes.not_helpful;
                }
                out.push_back(std::move(item));
            }
            ctx.out << out.dump(2) << "\n";
        } else {
            print_table(ctx.out, rows, stats);
        }
        return 0;
    } catch (const std::runtime_error& e) {
        // rules_error, store_error and config_error all name the file or setting.
        ctx.err << "incident-bot rules: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"rules",
     "rules [--stats] [--format table|json] [--rules FILE] [--db PATH]",
     "list the blameless-language rules (--stats: nudges sent and feedback per rule)",
     &rules_command}};

}  // namespace

}  // namespace incident_bot::cli

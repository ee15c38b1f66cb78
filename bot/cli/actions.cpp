// `incident-bot actions`: action items across incidents for managers, from the same
// database the bot writes (read-only).
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

json to_json(const action_item& a, std::chrono::sys_days today) {
    return {{"id", a.id},
            {"incident_id", a.incident_id},
            {"text", a.text},
            {"owner", a.owner ? json(*a.owner) : json(nullptr)},
            {"due", a.due ? json(detail::format_day(*a.due)) : json(nullptr)},
            {"done", a.done},
            {"overdue", !a.done && a.due && *a.due < today},
            {"created_at", format_utc(a.created_at, true)},
            {"done_at", a.done_at ? json(format_utc(*a.done_at, true)) : json(nullptr)}};
}

// RFC 4180: quote every field, double the quotes inside.
std::string csv_field(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

void print_csv(std::ostream& out,
               const std::vector<action_item>& items,
               std::chrono::sys_days today) {
    out << "id,incident_id,status,owner,due,text,created_at\n";
    for (const auto& a : items) {
        const bool overdue = !a.done && a.due && *a.due < today;
        out << a.id << ',' << a.incident_id << ','
            << (a.done    ? "done"
                : overdue ? "overdue"
                          : "open")
            << ',' << csv_field(a.owner.value_or("")) << ','
            << (a.due ? detail::format_day(*a.due) : std::string()) << ',' << csv_field(a.text)
            << ',' << format_utc(a.created_at, true) << "\n";
    }
}

void print_table(std::ostream& out,
                 const std::vector<action_item>& items,
                 std::chrono::sys_days today) {
    if (items.empty()) {
        out << "no action items\n";
        return;
    }
    char line[256];
    std::snprintf(line,
                  sizeof line,
                  "%-5s %-8s %-8s %-12s %-10s %s\n",
                  "ID",
                  "INCIDENT",
                  "STATUS",
                  "OWNER",
                  "DUE",
                  "TEXT");
    out << line;
    for (const auto& a : items) {
        const bool overdue = !a.done && a.due && *a.due < today;
        std::snprintf(line,
                      sizeof line,
                      "%-5lld %-8lld %-8s %-12s %-10s ",
                      static_cast<long long>(a.id),
                      static_cast<long long>(a.incident_id),
                      a.done    ? "done"
                      : overdue ? "overdue"
                                : "open",
                      a.owner.value_or("-").c_str(),
                      a.due ? detail::format_day(*a.due).c_str() : "-");
        out << line << a.text << "\n";
    }
}

int actions_command(context& ctx) {
    options opts(
        ctx.args, {"db", "config", "format", "owner", "since"}, {"open", "overdue", "all"});
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    if (opts.flag("open") + opts.flag("overdue") + opts.flag("all") > 1)
        throw usage_error("choose one of --open, --overdue and --all");
    const auto format = opts.choice("format", {"table", "json", "csv"}, "table");
    action_filter f;
    f.scope = opts.flag("all")       ? action_scope::all
              : opts.flag("overdue") ? action_scope::overdue
                                     : action_scope::open;
    f.owner = opts.value("owner");
    f.since = since_option(opts);
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        const auto today = std::chrono::floor<std::chrono::days>(s.now());
        f.today = today;
        const auto items = s.list_action_items(f);
        if (format == "json") {
            json out = json::array();
            for (const auto& a : items) out.push_back(to_json(a, today));
            ctx.out << out.dump(2) << "\n";
        } else if (format == "csv") {
            print_csv(ctx.out, items, today);
        } else {
            print_table(ctx.out, items, today);
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot actions: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"actions",
     "actions [--open|--overdue|--all] [--owner U…] [--since DATE] [--format table|json|csv] "
     "[--db PATH]",
     "list action items across incidents (default: open ones)",
     &actions_command}};

}  // namespace

}  // namespace incident_bot::cli

// `incident-bot timeline ID`: print one incident's stored timeline as a table, JSON or
// Markdown (read-only, safe while the bot runs thanks to WAL).
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

// Marks shown next to an entry: key event, stage, pinned, edited, deleted, thread reply.
std::string marks(const timeline_entry& e) {
    std::string out;
    auto add = [&](std::string_view m) {
        if (!out.empty()) out += ',';
        out += m;
    };
    if (e.key_event) add("key");
    if (e.stage) add(to_string(*e.stage));
    if (e.edited) add("edited");
    if (e.deleted) add("deleted");
    if (e.thread_ts) add("reply");
    return out;
}

std::string one_line(const timeline_entry& e) {
    if (e.deleted) return "(deleted)";
    std::string t = e.text.value_or("");
    for (char& c : t)
        if (c == '\n' || c == '\r') c = ' ';
    return t;
}

// Display names from the user cache, falling back to the raw id.
class authors {
public:
    explicit authors(store& s) : store_(s) {}
    std::string operator()(const std::optional<std::string>& id) {
        if (!id) return "-";
        auto [it, added] = names_.try_emplace(*id);
        if (added) {
            const auto u = store_.get_user(*id);
            it->second = u ? u->display_name : *id;
        }
        return it->second;
    }

private:
    store& store_;
    std::map<std::string, std::string> names_;
};

void print_table_header(std::ostream& out) {
    char line[256];
    std::snprintf(line, sizeof line, "%-20s %-16s %-18s %-24s %s\n", "TIME (UTC)", "AUTHOR",
                  "KIND", "MARKS", "TEXT");
    out << line;
}

void print_table_row(std::ostream& out, const timeline_entry& e, authors& name) {
    char line[256];
    std::snprintf(line, sizeof line, "%-20s %-16s %-18s %-24s ",
                  format_utc(ts_time(e.ts)).c_str(), name(e.user).c_str(), e.kind.c_str(),
                  marks(e).c_str());
    out << line << one_line(e) << "\n";
}

void print_markdown_header(std::ostream& out, const incident& i) {
    out << "# Incident " << i.id << ": " << i.title << "\n\n"
        << "SEV" << i.severity << ", " << to_string(i.status) << ", declared "
        << format_utc(i.declared_at) << " UTC\n\n## Timeline (UTC)\n\n";
}

void print_markdown_row(std::ostream& out, const timeline_entry& e, authors& name) {
    out << "- " << format_utc(ts_time(e.ts)) << " **" << name(e.user) << "**";
    if (e.kind != "message") out << " (" << e.kind << ")";
    if (const auto m = marks(e); !m.empty()) out << " `" << m << "`";
    out << ": " << (e.deleted ? "_(deleted)_" : one_line(e)) << "\n";
}

// One element of a JSON array printed a piece at a time, laid out as dump(2) lays out the
// whole array, so a long timeline never sits in memory as one document.
void print_json_element(std::ostream& out, const json& element, bool first) {
    out << (first ? "[\n  " : ",\n  ");
    for (const char c : element.dump(2)) {
        out << c;
        if (c == '\n') out << "  ";
    }
}

json to_json(const timeline_entry& e, authors& name) {
    auto opt = [](const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); };
    return {{"id", e.id},
            {"ts", e.ts},
            {"time", format_utc(ts_time(e.ts), true)},
            {"thread_ts", opt(e.thread_ts)},
            {"user", opt(e.user)},
            {"author", e.user ? json(name(e.user)) : json(nullptr)},
            {"kind", e.kind},
            {"source", to_string(e.source)},
            {"text", opt(e.text)},
            {"key_event", e.key_event},
            {"pinned", e.pinned},
            {"stage", e.stage ? json(to_string(*e.stage)) : json(nullptr)},
            {"edited", e.edited},
            {"deleted", e.deleted},
            {"permalink", opt(e.permalink)}};
}

int timeline_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "format"}, {});
    if (opts.positional().size() != 1) throw usage_error("expected one incident ID");
    const std::string& arg = opts.positional()[0];
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), id);
    if (ec != std::errc() || end != arg.data() + arg.size() || id <= 0)
        throw usage_error("incident ID must be a positive number, got '" + arg + "'");
    const auto format = opts.choice("format", {"table", "json", "md"}, "table");
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        const auto inc = s.get_incident(id);
        if (!inc) {
            ctx.err << "incident-bot timeline: no incident " << id << " in '" << s.path()
                    << "'\n";
            return 1;
        }
        // Printed as the rows are read: 100,000 entries need no more memory than one.
        authors name(s);
        std::size_t rows = 0;
        if (format == "table") print_table_header(ctx.out);
        if (format == "md") print_markdown_header(ctx.out, *inc);
        s.scan_timeline(id, timeline_view::all, [&](const timeline_entry& e) {
            if (format == "json") print_json_element(ctx.out, to_json(e, name), rows == 0);
            else if (format == "md") print_markdown_row(ctx.out, e, name);
            else print_table_row(ctx.out, e, name);
            ++rows;
        });
        if (format == "json") ctx.out << (rows == 0 ? "[]\n" : "\n]\n");
        if (format == "md" && rows == 0) ctx.out << "_No entries._\n";
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot timeline: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{{"timeline",
                                "timeline ID [--format table|json|md] [--db PATH]",
                                "print an incident's timeline with authors, marks and edits",
                                &timeline_command}};

}  // namespace

}  // namespace incident_bot::cli

// `incident-bot search WORDS`: past incidents whose timelines, notes, summaries, impact,
// drafts or learnings match, best first (bm25). Read-only; sees every incident, private
// ones included, as the other CLI readers do.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

// "sev2", "SEV2" or "2".
int parse_severity_option(const std::string& v) {
    std::string digits = v;
    if (digits.size() > 3 && (digits.starts_with("sev") || digits.starts_with("SEV")))
        digits = digits.substr(3);
    if (digits.size() != 1 || digits[0] < '1' || digits[0] > '5')
        throw usage_error("--severity expects sev1 to sev5, got '" + v + "'");
    return digits[0] - '0';
}

std::size_t parse_limit(const std::string& v) {
    std::size_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9' || n > 100'000) throw usage_error("--limit expects a number, got '" + v + "'");
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    if (v.empty() || n == 0) throw usage_error("--limit expects a positive number, got '" + v + "'");
    return n;
}

json to_json(const search_hit& h) {
    return {{"incident_id", h.inc.id},
            {"title", h.inc.title},
            {"score", h.score},
            {"snippet", h.snippet},
            {"ts", h.ts ? json(*h.ts) : json(nullptr)}};
}

void print_table(std::ostream& out, const std::vector<search_hit>& hits) {
    if (hits.empty()) {
        out << "no matching incidents\n";
        return;
    }
    char line[256];
    std::snprintf(line, sizeof line, "%-5s %-5s %-10s %-14s %7s %s\n", "ID", "SEV", "DECLARED",
                  "STATUS", "SCORE", "TITLE");
    out << line;
    for (const auto& h : hits) {
        std::snprintf(line, sizeof line, "%-5lld SEV%-2d %-10s %-14s %7.2f ",
                      static_cast<long long>(h.inc.id), h.inc.severity,
                      format_utc(h.inc.declared_at).substr(0, 10).c_str(),
                      std::string(to_string(h.inc.status)).c_str(), h.score);
        out << line << h.inc.title << "\n      " << detail::one_line(h.snippet) << "\n";
    }
}

int search_command(context& ctx) {
    options opts(ctx.args, {"db", "config", "format", "since", "severity", "limit"}, {});
    std::string words;
    for (const auto& w : opts.positional()) words += (words.empty() ? "" : " ") + w;
    if (detail::one_line(words).empty()) throw usage_error("give the words to search for");
    const auto format = opts.choice("format", {"table", "json"}, "table");
    search_filter f;
    f.since = since_option(opts);
    if (auto sev = opts.value("severity")) f.severity = parse_severity_option(*sev);
    f.limit = opts.value("limit") ? parse_limit(*opts.value("limit")) : 10;
    f.mark_open = "**";
    f.mark_close = "**";
    try {
        store s(database_path(ctx, opts), open_mode::read_only);
        const auto hits = s.search_hits(words, f);
        if (format == "json") {
            json out = json::array();
            for (const auto& h : hits) out.push_back(to_json(h));
            ctx.out << out.dump(2) << "\n";
        } else {
            print_table(ctx.out, hits);
        }
        return 0;
    } catch (const store_error& e) {
        ctx.err << "incident-bot search: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"search",
     "search WORDS... [--since DATE] [--severity sevN] [--limit N] [--format table|json] "
     "[--db PATH]",
     "past incidents matching all the words, best first (timelines, notes, summaries, drafts, "
     "learnings)",
     &search_command}};

}  // namespace

}  // namespace incident_bot::cli

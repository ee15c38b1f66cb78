// `incident-bot rules`: the detector's rules, and with --stats how often each one nudged
// someone and how people rated it, so a team can tune its rule file and ignore lists.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/store_cli.hpp"
#include "cli/detector_cli.hpp"

namespace incident_bot::cli {

namespace {

using json = nlohmann::json;

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

double share(std::size_t part, std::size_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

json stage_json(const stage_score& s) {
    return {{"precision", s.precision()},
            {"recall", s.recall()},
            {"f1", s.f1()},
            {"true_positives", s.true_positives},
            {"false_positives", s.false_positives}};
}

// For blame kinds the share flagged is recall; for ok kinds it is the false-positive rate.
void print_evaluation(std::ostream& out, const evaluation& e, bool with_model) {
    char line[256];
    std::snprintf(line, sizeof line, "%-32s %6s %7s %7s %8s\n", "KIND", "LINES", "RULES",
                  with_model ? "MODEL" : "-", "FLAGGED");
    out << line;
    for (const auto& k : e.kinds) {
        const std::string name = (k.blame ? "blame/" : "ok/") + k.kind;
        std::snprintf(line, sizeof line, "%-32s %6zu %6.1f%% %6.1f%% %7.1f%%\n", name.c_str(),
                      k.lines, 100 * share(k.by_rules, k.lines), 100 * share(k.by_model, k.lines),
                      100 * share(k.flagged, k.lines));
        out << line;
    }
    auto overall = [&](const char* name, const stage_score& s) {
        std::snprintf(line, sizeof line, "%-9s precision %.3f  recall %.3f  F1 %.3f\n", name,
                      s.precision(), s.recall(), s.f1());
        out << line;
    };
    overall("rules", e.rules);
    if (with_model) overall("model", e.model);
    overall("combined", e.combined);
}

// The lines the detector got wrong, for whoever tunes rules or labels: blaming lines it let
// through and fine lines it flagged, with the model's score. Read them for train and dev
// only: choosing anything from the test split's misses is tuning on it.
void print_misses(std::ostream& out,
                  const blame_detector& detector,
                  const std::vector<labeled_line>& lines) {
    for (const auto& l : lines) {
        const auto v = detector.judge(l.text);
        if ((v.by_rules || v.by_model) == l.blame) continue;
        char head[96];
        std::snprintf(head, sizeof head, "%s %s %.4f%s ", l.blame ? "MISS" : "FALSE",
                      l.kind.c_str(), v.score, v.by_rules ? " rules" : "");
        std::string text = l.text;
        std::replace(text.begin(), text.end(), '\n', ' ');
        out << head << l.source << "\t" << text << "\n";
    }
}

// `rules --eval CORPUS...`: the detector as configured, measured on labeled lines.
int eval_command(context& ctx, const options& opts, const std::string& format) {
    const blame_detector detector = load_detector(ctx, opts);
    const auto lines = read_corpus(opts.positional());
    const auto e = evaluate(detector, lines);
    if (format == "json") {
        json kinds = json::array();
        for (const auto& k : e.kinds)
            kinds.push_back({{"label", k.blame ? "blame" : "ok"},
                             {"kind", k.kind},
                             {"lines", k.lines},
                             {"by_rules", k.by_rules},
                             {"by_model", k.by_model},
                             {"flagged", k.flagged}});
        ctx.out << json{{"kinds", kinds},
                        {"rules", stage_json(e.rules)},
                        {"model", stage_json(e.model)},
                        {"combined", stage_json(e.combined)},
                        {"model_loaded", detector.model() != nullptr}}
                       .dump(2)
                << "\n";
    } else {
        print_evaluation(ctx.out, e, detector.model() != nullptr);
        if (opts.flag("misses")) print_misses(ctx.out, detector, lines);
    }
    return 0;
}

int rules_command(context& ctx) {
    options opts(ctx.args,
                 {"rules", "model", "names", "format", "db", "config"},
                 {"stats", "eval", "misses"});
    const auto format = opts.choice("format", {"table", "json"}, "table");
    if (opts.flag("eval")) {
        if (opts.positional().empty()) throw usage_error("--eval needs corpus files or folders");
        try {
            return eval_command(ctx, opts, format);
        } catch (const std::runtime_error& e) {
            ctx.err << "incident-bot rules: " << e.what() << "\n";
            return 1;
        }
    }
    if (!opts.positional().empty())
        throw usage_error("unexpected argument '" + opts.positional()[0] + "'");
    const bool stats = opts.flag("stats");
    try {
        const rule_set rules = load_rules(ctx, opts);
        std::vector<rule_row> rows;
        for (const auto& r : rules.rules()) rows.push_back({&r, 0, {}});
        // The model's nudges and votes are kept under its own id, beside the rules'.
        const rule model_row{.id = std::string(model_rule_id),
                             .category = "(any)",
                             .trigger = {},
                             .patterns = {},
                             .ignore = {},
                             .why = "the learned second stage, for messages no rule matched",
                             .suggestions = {}};
        if (stats && load_model(ctx, opts)) rows.push_back({&model_row, 0, {}});
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
     "rules [--stats] [--format table|json] [--rules FILE] [--db PATH]\n"
     "       rules --eval CORPUS... [--model FILE|off] [--names FILE] [--format table|json]\n"
     "             [--misses]",
     "list the blameless-language rules (--stats: nudges and feedback per rule; --eval: "
     "precision and recall per kind on labeled lines; --misses: the lines it got wrong)",
     &rules_command}};

}  // namespace

}  // namespace incident_bot::cli

// `incident-bot lint`: the blameless-language detector over post-mortems or any text, for CI.
// Exit status: 0 clean, 1 findings, 2 usage, I/O or rule-file errors.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot::cli {
namespace {

// --rules, then INCIDENT_BOT_RULES, then the installed and the checked-out rule files, then
// the copy compiled into the binary, so lint works from any directory.
rule_set load_rules(const context& ctx, const options& opts) {
    if (auto path = opts.value("rules")) return rule_set::load_file(*path);
    if (const char* env = ctx.env("INCIDENT_BOT_RULES"); env && *env)
        return rule_set::load_file(env);
    for (const char* path : {"/etc/incident-bot/rules.json", "config/rules.json"}) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return rule_set::load_file(path);
    }
    return rule_set::load_default();
}

struct input {
    std::string name;
    std::string text;
};

std::vector<input> read_inputs(const std::vector<std::string>& files) {
    std::vector<input> out;
    if (files.empty()) {
        std::ostringstream text;
        text << std::cin.rdbuf();
        out.push_back({"-", text.str()});
        return out;
    }
    for (const auto& f : files) {
        if (f == "-") {
            std::ostringstream text;
            text << std::cin.rdbuf();
            out.push_back({"-", text.str()});
            continue;
        }
        std::ifstream in(f, std::ios::binary);
        if (!in) throw std::runtime_error(f + ": cannot open");
        std::ostringstream text;
        text << in.rdbuf();
        if (in.bad()) throw std::runtime_error(f + ": read error");
        out.push_back({f, text.str()});
    }
    return out;
}

// Findings show the triggering words on one line even when they span a soft wrap.
std::string one_line(const std::string& s) {
    std::string out;
    for (char c : s) {
        const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (!space) out.push_back(c);
        else if (!out.empty() && out.back() != ' ') out.push_back(' ');
    }
    return out;
}

int run_lint(context& ctx) {
    options opts(ctx.args, {"rules", "format"}, {});
    const std::string format = opts.choice("format", {"text", "json"}, "text");
    std::optional<rule_set> rules;
    std::vector<input> inputs;
    try {
        rules = load_rules(ctx, opts);
        inputs = read_inputs(opts.positional());
    } catch (const std::runtime_error& e) {
        ctx.err << "incident-bot lint: " << e.what() << "\n";
        return 2;
    }

    nlohmann::json report = nlohmann::json::array();
    std::size_t count = 0;
    for (const auto& in : inputs) {
        for (const auto& f : scan_document(*rules, in.text)) {
            ++count;
            const std::string words = one_line(f.hit.matched);
            if (format == "json") {
                report.push_back({{"file", in.name},
                                  {"line", f.line},
                                  {"column", f.column},
                                  {"category", f.hit.category},
                                  {"rule", f.hit.rule_id},
                                  {"matched", words},
                                  {"message", f.hit.why},
                                  {"suggestion", f.hit.suggestion}});
            } else {
                ctx.out << in.name << ":" << f.line << ":" << f.column << ": " << f.hit.category
                        << ": \"" << words << "\": " << f.hit.why << " (try: " << f.hit.suggestion
                        << ")\n";
            }
        }
    }
    if (format == "json") ctx.out << report.dump(2) << "\n";
    return count > 0 ? 1 : 0;
}

const command_registration registration{{
    "lint",
    "lint [--rules FILE] [--format text|json] [FILE...|-]",
    "check post-mortems or any text for blaming language (exit 1 when found)",
    run_lint,
}};

}  // namespace
}  // namespace incident_bot::cli

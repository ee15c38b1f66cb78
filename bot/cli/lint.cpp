// `incident-bot lint`: the blameless-language detector over post-mortems or any text, for CI.
// Exit status: 0 clean, 1 findings, 2 usage, I/O, rule-file or model errors.
// Input is streamed (scan_stream), so memory stays bounded whatever the file size, and
// findings are printed as they are found.
#include <fstream>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/cli.hpp"
#include "cli/detector_cli.hpp"

namespace incident_bot::cli {
namespace {

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

struct reporter {
    std::ostream& out;
    bool json;
    std::size_t count = 0;

    void report(const std::string& name, const document_finding& f) {
        const std::string words = one_line(f.hit.matched);
        const std::size_t line = f.line;
        if (json) {
            const nlohmann::json item = {{"file", name},
                                         {"line", line},
                                         {"column", f.column},
                                         {"category", f.hit.category},
                                         {"rule", f.hit.rule_id},
                                         {"matched", words},
                                         {"message", f.hit.why},
                                         {"suggestion", f.hit.suggestion}};
            out << (count == 0 ? "[\n" : ",\n") << item.dump(2);
        } else {
            out << name << ":" << line << ":" << f.column << ": " << f.hit.category << ": \""
                << words << "\": " << f.hit.why << " (try: " << f.hit.suggestion << ")\n";
        }
        ++count;
    }

    void finish() {
        if (json) out << (count == 0 ? "[]\n" : "\n]\n");
    }
};

int run_lint(context& ctx) {
    options opts(ctx.args, {"rules", "model", "names", "format", "config"}, {});
    const std::string format = opts.choice("format", {"text", "json"}, "text");
    std::optional<blame_detector> detector;
    try {
        detector = load_detector(ctx, opts);
    } catch (const std::runtime_error& e) {
        ctx.err << "incident-bot lint: " << e.what() << "\n";
        return 2;
    }
    std::vector<std::string> files = opts.positional();
    if (files.empty()) files.push_back("-");

    reporter rep{ctx.out, format == "json"};
    for (const auto& name : files) {
        std::ifstream file;
        if (name != "-") {
            file.open(name, std::ios::binary);
            if (!file) {
                rep.finish();
                ctx.err << "incident-bot lint: " << name << ": cannot open\n";
                return 2;
            }
        }
        std::istream& in = name == "-" ? std::cin : file;
        try {
            scan_stream(*detector, in, [&](const document_finding& f) { rep.report(name, f); });
        } catch (const std::runtime_error& e) {
            rep.finish();
            ctx.err << "incident-bot lint: " << name << ": " << e.what() << "\n";
            return 2;
        }
    }
    rep.finish();
    return rep.count > 0 ? 1 : 0;
}

const command_registration registration{{
    "lint",
    "lint [--rules FILE] [--model FILE|off] [--names FILE] [--format text|json] [FILE...|-]",
    "check post-mortems or any text for blaming language (exit 1 when found)",
    run_lint,
}};

}  // namespace
}  // namespace incident_bot::cli

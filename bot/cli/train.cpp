// `incident-bot train`: trains the nudge model from labeled corpus files, deterministically
// (same lines, same bytes), and picks its threshold on a dev split so that the detector as
// shipped (rules or model) keeps its precision there.
#include <cstdio>
#include <filesystem>
#include <ostream>

#include "cli/detector_cli.hpp"
#include "cli/store_cli.hpp"

namespace incident_bot::cli {
namespace {

using json = nlohmann::json;

std::string percent(double v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
    return buf;
}

double number(const options& opts, const std::string& name, double fallback, double lo, double hi) {
    const auto v = opts.value(name);
    if (!v) return fallback;
    double out = lo - 1;
    try {
        out = std::stod(*v);
    } catch (const std::exception&) {
    }
    if (!(out >= lo && out <= hi))
        throw usage_error("--" + name + " must be a number from " + std::to_string(lo) + " to " +
                          std::to_string(hi));
    return out;
}

// The defaults are the shipped model's; the options exist for a team tuning on its dev split.
model_params read_params(const options& opts) {
    model_params p;
    auto integer = [&](const char* name, int& field, int lo, int hi) {
        field = static_cast<int>(number(opts, name, field, lo, hi));
    };
    integer("dim", p.dim, 2, 300);
    integer("epoch", p.epoch, 1, 1000);
    p.lr = number(opts, "lr", p.lr, 0.001, 5);
    integer("word-ngrams", p.word_ngrams, 1, 5);
    integer("minn", p.minn, 0, 10);
    integer("maxn", p.maxn, 0, 10);
    integer("bucket", p.bucket, 0, 10000000);
    integer("cutoff", p.cutoff, 0, 10000000);
    integer("seed", p.seed, 0, 1000000);
    integer("rare-below", p.rare_below, 0, 1000);
    p.fine_kinds =
        opts.choice("fine-labels", {"one", "kinds"}, p.fine_kinds ? "kinds" : "one") == "kinds";
    return p;
}

int train_command(context& ctx) {
    // `-o` is the spelling people know from compilers and fastText itself.
    for (auto& a : ctx.args)
        if (a == "-o") a = "--output";
    options opts(ctx.args,
                 {"output", "dev", "precision", "rules", "config", "db", "dim", "epoch", "lr",
                  "word-ngrams", "minn", "maxn", "bucket", "cutoff", "seed", "fine-labels", "rare-below"},
                 {"with-feedback"});
    const auto output = opts.value("output");
    if (!output) throw usage_error("--output MODEL is required");
    if (opts.positional().empty()) throw usage_error("name at least one corpus file or folder");
    // Above the 0.95: the rules were written against dev misses too, so dev precision
    // flatters the detector, and the margin keeps the model's share of false alarms small.
    const double target = number(opts, "precision", 0.97, 0.5, 1);
    try {
        auto train = read_corpus(opts.positional());
        std::size_t feedback = 0;
        if (opts.flag("with-feedback")) {
            // Votes on nudges: "helpful" keeps the message as blame of the nudge's kind,
            // "not helpful" as a fine message. Read-only, so it works while the bot runs.
            store s(database_path(ctx, opts), open_mode::read_only);
            for (auto& e : s.nudge_examples()) {
                train.push_back({e.helpful, e.helpful ? e.category : "none", std::move(e.text),
                                 "feedback"});
                ++feedback;
            }
        }
        const model_params params = read_params(opts);
        train_model(train, params, *output);
        json meta = {{"format", 1},
                     {"corpus_sha256", corpus_digest(train)},
                     {"corpus_lines", train.size()},
                     {"threshold", 0.5},
                     {"params",
                      {{"dim", params.dim},
                       {"epoch", params.epoch},
                       {"lr", params.lr},
                       {"word_ngrams", params.word_ngrams},
                       {"minn", params.minn},
                       {"maxn", params.maxn},
                       {"bucket", params.bucket},
                       {"cutoff", params.cutoff},
                       {"seed", params.seed},
                       {"fine_labels", params.fine_kinds ? "kinds" : "one"},
                       {"rare_below", params.rare_below}}}};
        write_sidecar(*output, meta);
        if (opts.flag("with-feedback"))
            ctx.out << feedback << " lines from nudge feedback in the store\n";
        ctx.out << "trained on " << train.size() << " lines: " << *output << " ("
                << std::filesystem::file_size(*output) / 1024 << " KiB)\n";
        if (auto dev_path = opts.value("dev")) {
            // The model is loaded once, at the provisional threshold; the dev figures at the
            // chosen one follow from its scores.
            const auto dev = read_corpus({*dev_path});
            const blame_detector detector(load_rules(ctx, opts), blame_model::load_file(*output));
            std::vector<double> scores;
            std::vector<bool> by_rules;
            for (const auto& l : dev) {
                const auto v = detector.judge(l.text);
                scores.push_back(v.score);
                by_rules.push_back(v.by_rules);
            }
            const double threshold = choose_threshold(dev, scores, by_rules, target);
            stage_score rules_alone;
            stage_score combined;
            for (std::size_t i = 0; i < dev.size(); ++i) {
                rules_alone.add(dev[i], by_rules[i]);
                combined.add(dev[i], by_rules[i] || scores[i] >= threshold);
            }
            meta["threshold"] = threshold;
            meta["dev"] = {{"corpus_sha256", corpus_digest(dev)},
                           {"lines", dev.size()},
                           {"target_precision", target},
                           {"precision", combined.precision()},
                           {"recall", combined.recall()}};
            write_sidecar(*output, meta);
            ctx.out << "threshold " << threshold << " on " << dev.size()
                    << " dev lines: precision " << percent(combined.precision()) << ", recall "
                    << percent(combined.recall()) << " (rules alone "
                    << percent(rules_alone.recall()) << ")\n";
        }
        return 0;
    } catch (const std::runtime_error& e) {
        ctx.err << "incident-bot train: " << e.what() << "\n";
        return 1;
    }
}

const command_registration reg{
    {"train",
     "train CORPUS... -o MODEL [--dev CORPUS] [--precision 0.97] [--rules FILE]\n"
     "       [--with-feedback [--db PATH]]\n"
     "       [--dim N] [--epoch N] [--lr X] [--word-ngrams N] [--minn N] [--maxn N]\n"
     "       [--bucket N] [--cutoff N] [--seed N] [--fine-labels kinds|one]",
     "train the nudge model from labeled corpus files (config/corpus/LABELING.md)",
     &train_command}};

}  // namespace
}  // namespace incident_bot::cli

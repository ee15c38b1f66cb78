// fastText behind a small facade: fastText trains and loads models; messages are scored by
// model_scorer from tables read out of the loaded model. The library reads everything
// through std::istream, so a model already in memory (the built-in one) is wrapped in a
// streambuf over its bytes rather than copied into a stringstream.
#include "incident_bot/rules/model.hpp"

#include <fasttext/densematrix.h>
#include <fasttext/fasttext.h>
#include <fasttext/quantmatrix.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "incident_bot/rules/engine.hpp"
#include "rules/model_scorer.hpp"
#include "rules/normalize.hpp"
#include "rules/read_file.hpp"

// The model and its sidecar as built into the binary (bot/rules/builtin_model.S); both
// empty when the build had no model.
extern "C" const char incident_bot_model_begin[];
extern "C" const char incident_bot_model_end[];
extern "C" const char incident_bot_model_meta_begin[];
extern "C" const char incident_bot_model_meta_end[];

namespace incident_bot {
namespace {

using json = nlohmann::json;

constexpr std::string_view ok_label = "__label__ok";
constexpr std::string_view label_prefix = "__label__";
// Longer messages are scored on their first part: the cost per message stays bounded.
constexpr std::size_t max_model_input = 4096;
// Shorter messages are not scored: a few words are too little to judge, and the model read
// "thanks @dana" as sarcasm. Short blame ("who did this") is the rules' to catch.
constexpr std::size_t min_model_words = 4;

std::size_t word_count(std::string_view tokens) {
    std::size_t n = 0;
    bool in_word = false;
    for (char c : tokens) {
        const bool word = c != ' ' && (std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                                       static_cast<unsigned char>(c) >= 0x80 || c == '@');
        if (word && !in_word) ++n;
        in_word = c != ' ' && (in_word || word);
    }
    return n;
}

struct view_buf : std::streambuf {
    explicit view_buf(std::string_view s) {
        char* p = const_cast<char*>(s.data());
        setg(p, p, p + s.size());
    }
};

// A quantized model stores its input rows as product-quantized codes, eight centroid
// look-ups and a norm each to decode. The scorer sums those rows for every message, so they
// are decoded once here, into a dense matrix of cutoff x dim floats (under 4 MB for the
// shipped model); each decoded value is the product fastText would add. A model that is
// not quantized is dense already.
std::shared_ptr<const fasttext::DenseMatrix> dense_input(const fasttext::FastText& ft,
                                                         std::string_view model) {
    if (!ft.isQuant()) return ft.getInputMatrix();
    view_buf buf(model);
    std::istream in(&buf);
    in.ignore(2 * sizeof(std::int32_t));  // magic and version, checked by the caller
    auto args = std::make_shared<fasttext::Args>();
    args->load(in);
    const fasttext::Dictionary skipped(args, in);
    bool quantized = false;
    in.read(reinterpret_cast<char*>(&quantized), sizeof quantized);
    fasttext::QuantMatrix quant;
    if (in) quant.load(in);
    if (!in || !quantized || args->qout) throw std::runtime_error("unsupported quantization");
    auto dense = std::make_shared<fasttext::DenseMatrix>(quant.size(0), quant.size(1));
    fasttext::Vector row(quant.size(1));
    for (std::int64_t i = 0; i < quant.size(0); ++i) {
        row.zero();
        quant.addRowToVector(row, static_cast<std::int32_t>(i));
        for (std::int64_t j = 0; j < row.size(); ++j) dense->at(i, j) = row[j];
    }
    return dense;
}

constexpr std::string_view rare_token = "<rare>";

// Calls `f` with each token of `line` (model_input's output: tokens separated by one space).
template <class F>
void for_each_token(std::string_view line, F&& f) {
    while (!line.empty()) {
        const std::size_t end = std::min(line.find(' '), line.size());
        f(line.substr(0, end));
        line.remove_prefix(std::min(end + 1, line.size()));
    }
}

// `line` with each token `known` rejects replaced by rare_token.
template <class Known>
std::string mark_rare(std::string_view line, const Known& known) {
    std::string out;
    out.reserve(line.size());
    for_each_token(line, [&](std::string_view token) {
        if (!out.empty()) out.push_back(' ');
        out += known(token) ? token : rare_token;
    });
    return out;
}

bool is_word_byte(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '@' || c == '#' ||
           c == '_' || c == '-' || c >= 0x80;
}

// Whether the 's' at `at` in the raw text follows an apostrophe: "carla's", "carla’s".
bool after_apostrophe(std::string_view text, std::size_t at) {
    if (at > text.size()) return false;
    if (at >= 1 && text[at - 1] == '\'') return true;
    return at >= 3 && text.substr(at - 3, 3) == "\xE2\x80\x99";
}

}  // namespace

struct blame_model::impl {
    std::optional<detail::model_scorer> scorer;
    json meta;
    double threshold = 0.5;
    // Label id → blame category, pointing into rule_categories (empty for fine kinds).
    std::vector<std::string_view> kinds;
    // Trained with rare words as rare_token (model_params::rare_below).
    bool rare_words = false;
};

blame_model::blame_model(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
blame_model::~blame_model() = default;

std::string model_input(std::string_view text) {
    thread_local normalized_text scratch;
    const std::size_t n = detail::normalize_into(text, scratch);
    const std::string_view norm(scratch.text.data(), std::min(n, max_model_input));
    std::string out;
    out.reserve(norm.size() + 16);
    for (std::size_t k = 0; k < norm.size(); ++k) {
        const char ch = norm[k];
        const auto c = static_cast<unsigned char>(ch);
        // The normaliser drops apostrophes, so "carla's change" would read "carlas change",
        // one more rare word. A possessive is how people name a culprit ("X's change is
        // why"), so it becomes a token of its own: "<rare> 's change".
        if (ch == 's' && k > 0 && is_word_byte(static_cast<unsigned char>(norm[k - 1])) &&
            (k + 1 == norm.size() || !is_word_byte(static_cast<unsigned char>(norm[k + 1]))) &&
            after_apostrophe(text, scratch.source_begin[k])) {
            out += " 's";
            continue;
        }
        if (is_word_byte(c)) {
            out.push_back(ch);
            continue;
        }
        if (!out.empty() && out.back() != ' ') out.push_back(' ');
        // A line break would end fastText's line; it reads as a sentence end instead.
        if (c == '\n') out += ". ";
        else if (c > ' ' && c < 0x7f) (out += ch) += ' ';
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::shared_ptr<const blame_model> blame_model::load(std::string_view model,
                                                     std::string_view sidecar,
                                                     std::string_view name) {
    const std::string where(name);
    auto p = std::make_unique<impl>();
    try {
        p->meta = json::parse(sidecar.begin(), sidecar.end());
    } catch (const json::exception& e) {
        throw model_error(where + ".json: not valid JSON: " + e.what());
    }
    const auto digest = p->meta.find("model_sha256");
    const auto threshold = p->meta.find("threshold");
    if (!p->meta.is_object() || digest == p->meta.end() || !digest->is_string() ||
        threshold == p->meta.end() || !threshold->is_number())
        throw model_error(where + ".json: needs \"model_sha256\" and \"threshold\"");
    // fastText trusts its input; a truncated or foreign file is refused before it reads it.
    if (digest->get<std::string>() != sha256_hex(model))
        throw model_error(where + ": does not match its sidecar (retrain, or copy both files)");
    p->threshold = threshold->get<double>();
    if (const auto params = p->meta.find("params"); params != p->meta.end() && params->is_object()) {
        const auto rare = params->find("rare_below");
        if (rare != params->end() && !rare->is_number_integer())
            throw model_error(where + ".json: params.rare_below must be a whole number");
        p->rare_words = rare != params->end() && rare->get<std::int64_t>() > 0;
    }
    fasttext::FastText ft;
    try {
        view_buf buf(model);
        std::istream in(&buf);
        std::int32_t magic = 0;
        std::int32_t version = 0;
        in.read(reinterpret_cast<char*>(&magic), sizeof magic);
        in.read(reinterpret_cast<char*>(&version), sizeof version);
        if (!in || magic != 793712314 || version > 12)
            throw model_error(where + ": not a fastText model");
        ft.loadModel(in);
        p->scorer.emplace(ft, dense_input(ft, model));
    } catch (const model_error&) {
        throw;
    } catch (const std::exception& e) {
        throw model_error(where + ": unreadable model: " + e.what());
    }
    const auto dict = ft.getDictionary();
    for (std::int32_t i = 0; i < dict->nlabels(); ++i) {
        const std::string label = dict->getLabel(i);
        const std::string_view kind = std::string_view(label).substr(label_prefix.size());
        const auto known = std::find(rule_categories.begin(), rule_categories.end(), kind);
        // Fine lines are one label, or one per fine kind ("__label__ok_self_report").
        const bool fine = label == ok_label || label.starts_with(std::string(ok_label) + "_");
        if (!fine && known == rule_categories.end())
            throw model_error(where + ": unknown label " + label);
        p->kinds.push_back(fine ? std::string_view{} : *known);
    }
    if (std::find(p->kinds.begin(), p->kinds.end(), std::string_view{}) == p->kinds.end())
        throw model_error(where + ": the model has no ok label");
    return std::shared_ptr<const blame_model>(new blame_model(std::move(p)));
}

std::shared_ptr<const blame_model> blame_model::load_file(const std::string& path) {
    const std::string model = detail::read_file<model_error>(path, "model");
    const std::string sidecar = detail::read_file<model_error>(path + ".json", "model sidecar");
    return load(model, sidecar, path);
}

std::shared_ptr<const blame_model> blame_model::load_builtin() {
    const std::string_view model(incident_bot_model_begin,
                                 static_cast<std::size_t>(incident_bot_model_end -
                                                          incident_bot_model_begin));
    const std::string_view meta(incident_bot_model_meta_begin,
                                static_cast<std::size_t>(incident_bot_model_meta_end -
                                                         incident_bot_model_meta_begin));
    if (model.empty()) return nullptr;
    return load(model, meta, "built-in model");
}

std::shared_ptr<const blame_model> open_model(const std::string& setting) {
    if (setting == "off") return nullptr;
    if (setting.empty()) return blame_model::load_builtin();
    return blame_model::load_file(setting);
}

std::string blame_model::input_line(std::string_view text) const {
    return known_words(model_input(text));
}

std::string blame_model::known_words(std::string line) const {
    if (!impl_->rare_words) return line;
    return mark_rare(line, [this](std::string_view w) { return impl_->scorer->knows(w); });
}

model_prediction blame_model::predict(std::string_view text) const {
    model_prediction out;
    std::string line = model_input(text);
    if (word_count(line) < min_model_words) return out;
    const std::vector<float>& scores = impl_->scorer->score(known_words(std::move(line)));
    double best = -1;
    for (std::size_t id = 0; id < scores.size(); ++id) {
        const std::string_view kind = impl_->kinds[id];
        if (kind.empty()) continue;
        out.blame += scores[id];
        if (scores[id] > best) {
            best = scores[id];
            out.kind = kind;
        }
    }
    out.blame = std::min(out.blame, 1.0);
    return out;
}

double blame_model::threshold() const {
    return impl_->threshold;
}

const nlohmann::json& blame_model::metadata() const {
    return impl_->meta;
}

double choose_threshold(const std::vector<labeled_line>& dev,
                        const std::vector<double>& scores,
                        const std::vector<bool>& flagged_by_rules,
                        double target) {
    // Candidate thresholds are the scores themselves; from the highest down, the flagged set
    // only grows, so the lowest one meeting the target is kept.
    std::vector<std::size_t> order(dev.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return scores[a] > scores[b];
    });
    std::size_t tp = 0;
    std::size_t fp = 0;
    for (std::size_t i = 0; i < dev.size(); ++i) {
        if (!flagged_by_rules[i]) continue;
        (dev[i].blame ? tp : fp) += 1;
    }
    double best = 1.0;
    for (std::size_t k = 0; k < order.size(); ++k) {
        const std::size_t i = order[k];
        if (!flagged_by_rules[i]) (dev[i].blame ? tp : fp) += 1;
        // Ties are taken together: a threshold cannot split equal scores.
        if (k + 1 < order.size() && scores[order[k + 1]] == scores[i]) continue;
        if (tp + fp > 0 && static_cast<double>(tp) >= target * static_cast<double>(tp + fp))
            best = scores[i];
    }
    return best;
}

void train_model(const std::vector<labeled_line>& train,
                 const model_params& params,
                 const std::string& path) {
    if (train.empty()) throw model_error("no training lines");
    // fastText reads its input from a file: one "__label__kind words" line per message, in
    // an order shuffled with a fixed seed (the corpus is grouped by batch and kind, and SGD
    // on sorted input learns the last group best).
    std::vector<std::string> lines;
    std::vector<std::string> labels;
    lines.reserve(train.size());
    for (const auto& l : train) {
        std::string label = l.blame ? std::string(label_prefix) + l.kind : std::string(ok_label);
        if (!l.blame && params.fine_kinds && l.kind != "none") label += "_" + l.kind;
        lines.push_back(model_input(l.text));
        labels.push_back(std::move(label));
    }
    if (params.rare_below > 1) {
        std::unordered_map<std::string_view, int> seen;
        for (const auto& l : lines) for_each_token(l, [&](std::string_view w) { ++seen[w]; });
        std::unordered_set<std::string> common;
        for (const auto& [word, n] : seen)
            if (n >= params.rare_below) common.emplace(word);
        for (auto& l : lines)
            l = mark_rare(l, [&](std::string_view w) { return common.contains(std::string(w)); });
    }
    for (std::size_t i = 0; i < lines.size(); ++i) lines[i] = labels[i] + " " + lines[i] + "\n";
    std::mt19937 rng(static_cast<std::mt19937::result_type>(params.seed));
    for (std::size_t i = lines.size(); i > 1; --i)
        std::swap(lines[i - 1], lines[rng() % i]);  // Fisher-Yates: std::shuffle is not portable

    const std::string input = path + ".train.txt";
    {
        std::ofstream out(input, std::ios::binary | std::ios::trunc);
        for (const auto& l : lines) out << l;
        if (!out.flush()) throw model_error(input + ": cannot write");
    }
    fasttext::Args a;
    a.input = input;
    a.model = fasttext::model_name::sup;
    a.loss = fasttext::loss_name::softmax;
    a.dim = params.dim;
    a.epoch = params.epoch;
    a.lr = params.lr;
    a.wordNgrams = params.word_ngrams;
    a.minn = params.minn;
    a.maxn = params.maxn;
    a.bucket = params.bucket;
    a.minCount = 1;
    a.thread = 1;
    a.seed = params.seed;
    a.verbose = 0;
    try {
        fasttext::FastText ft;
        ft.train(a);
        fasttext::Args q = a;
        q.qnorm = true;
        q.retrain = params.cutoff > 0;
        q.cutoff = static_cast<std::size_t>(params.cutoff);
        q.dsub = 2;
        ft.quantize(q);
        ft.saveModel(path);
    } catch (const std::exception& e) {
        std::remove(input.c_str());
        throw model_error(path + ": training failed: " + e.what());
    }
    std::remove(input.c_str());
}

void write_sidecar(const std::string& path, json meta) {
    meta["model_sha256"] = sha256_hex(detail::read_file<model_error>(path, "model"));
    std::ofstream out(path + ".json", std::ios::binary | std::ios::trunc);
    out << meta.dump(2) << "\n";
    if (!out.flush()) throw model_error(path + ".json: cannot write");
}

}  // namespace incident_bot

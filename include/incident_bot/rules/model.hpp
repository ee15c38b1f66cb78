// The learned second stage of the blameless-language detector: a fastText classifier over
// the normalised message (subword n-grams cope with typos and unseen inflections), trained
// here from config/corpus/ only. A model is two files: the quantized fastText model and a
// JSON sidecar (MODEL.json) holding its threshold and the digest of the corpus it came from.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/rules/corpus.hpp"

namespace incident_bot {

/// Raised when a model cannot be loaded or trained; the message names the file.
struct model_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// What the model says about one message.
struct model_prediction {
    /// Probability that the message blames someone (the sum over the blame kinds).
    double blame = 0;
    /// The likeliest blame category (one of rule_categories).
    std::string_view kind;
};

/// Training settings; the defaults are the ones the shipped model uses.
struct model_params {
    int dim = 16;
    int epoch = 60;
    double lr = 0.5;
    int word_ngrams = 2;
    int minn = 3;
    int maxn = 6;
    int bucket = 200000;
    /// Words kept after quantization (0: all); bounds the model's size.
    int cutoff = 60000;
    /// Fixed, with one thread, so that training is deterministic.
    int seed = 7;
    /// One label per fine kind (self_report, system_cause, ...) instead of one "ok": the hard
    /// negatives become classes of their own rather than one mixed bag, which lifted dev
    /// recall at the same precision beyond the seed scatter (config/README.md).
    bool fine_kinds = true;
    /// Words seen fewer times than this in training are read as one token, `<rare>`, in
    /// training and when scoring (where it stands for every word the model does not know);
    /// 0 keeps every word. Names are mostly rare: "<rare> should've", "<rare>s change" are
    /// what the model then learns, not one name at a time. 3 lifted dev recall at the same
    /// precision over five seeds (config/README.md).
    int rare_below = 3;
};

/// A loaded model; immutable and safe to share between threads.
class blame_model {
public:
    /// Loads MODEL and MODEL.json; throws model_error when either is missing, unreadable, or
    /// the sidecar's digest does not match the model's bytes.
    static std::shared_ptr<const blame_model> load_file(const std::string& path);

    /// The line the model scores for `text`: model_input, with the words it does not know
    /// as `<rare>` when it was trained that way.
    std::string input_line(std::string_view text) const;

    /// Loads from bytes: the model and its sidecar's JSON text. `name` is used in errors.
    static std::shared_ptr<const blame_model> load(std::string_view model,
                                                   std::string_view sidecar,
                                                   std::string_view name);

    /// The model compiled into the binary (config/nudge-model.ftz at build time), or null
    /// when the build had none.
    static std::shared_ptr<const blame_model> load_builtin();

    ~blame_model();
    blame_model(const blame_model&) = delete;
    blame_model& operator=(const blame_model&) = delete;

    /// Scores a raw Slack message (mrkdwn); messages of fewer than four words score 0.
    /// Thread-safe.
    model_prediction predict(std::string_view text) const;

    /// Messages whose blame probability reaches this are flagged.
    double threshold() const;

    /// The sidecar: threshold, corpus digest, line count, parameters, dev figures.
    const nlohmann::json& metadata() const;

private:
    // `line` (model_input's output) with the words the model does not know as `<rare>`
    // when it was trained that way.
    std::string known_words(std::string line) const;
    struct impl;
    explicit blame_model(std::unique_ptr<impl> p);
    std::unique_ptr<impl> impl_;
};

/// The model a `nudges.model` setting names: empty for the built-in one, "off" for none
/// (rules only), else a model file with its sidecar. Throws model_error.
std::shared_ptr<const blame_model> open_model(const std::string& setting);

/// The words the model sees for a message: the rule engine's normalised text with
/// punctuation and possessive "'s" split into tokens of their own, on one line.
std::string model_input(std::string_view text);

/// Picks the lowest threshold at which `flagged_by_rules || blame >= threshold` keeps
/// precision at `target` or better on `dev` (the model's scores, in `dev` order, and the
/// rules' verdicts); 1.0 when none does.
double choose_threshold(const std::vector<labeled_line>& dev,
                        const std::vector<double>& scores,
                        const std::vector<bool>& flagged_by_rules,
                        double target);

/// Trains and quantizes a model on `train` and writes it to `path` (no sidecar: the caller
/// chooses the threshold with the model and then writes it with write_sidecar). Same lines
/// and params, same bytes. Throws model_error.
void train_model(const std::vector<labeled_line>& train,
                 const model_params& params,
                 const std::string& path);

/// Writes MODEL.json beside `path`: `meta` plus the model's own digest.
void write_sidecar(const std::string& path, nlohmann::json meta);

}  // namespace incident_bot

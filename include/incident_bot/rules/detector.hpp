// The blameless-language detector as the bot, lint and eval use it: the rules first (they
// point at the words and offer a rewrite for that phrase), then, when no rule fires, the
// learned model over the whole message.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/rules/corpus.hpp"
#include "incident_bot/rules/engine.hpp"
#include "incident_bot/rules/model.hpp"
#include "incident_bot/rules/people.hpp"

namespace incident_bot {

/// `rule_id` of findings that come from the model.
inline constexpr std::string_view model_rule_id = "model";

/// How each stage judged one message (for evaluation and `lint --explain`).
struct detector_verdict {
    bool by_rules = false;
    bool by_model = false;
    /// The model's blame probability (0 without a model).
    double score = 0;
};

/// Rules plus an optional model and the names of the workspace's people; thread-safe.
/// Copies share the names, so names learned later reach every copy.
class blame_detector {
public:
    explicit blame_detector(rule_set rules, std::shared_ptr<const blame_model> model = nullptr);

    /// From now on, read these names as people (null: none). Any thread.
    void set_names(std::shared_ptr<const name_set> names);

    /// The names in use (may be null).
    std::shared_ptr<const name_set> names() const;

    /// The rules' findings; when there are none and the model's score reaches its threshold,
    /// one finding spanning the message, with the model's kind and that kind's explanation.
    std::vector<finding> scan(std::string_view text) const;

    /// The model's finding for `text`, spanning it without surrounding blanks; nullopt
    /// without a model or below its threshold. Names are not marked here: pass text that
    /// went through names()->mark() when they should count.
    std::optional<finding> model_finding(std::string_view text) const;

    /// Both stages' verdicts, each computed even when the other fired.
    detector_verdict judge(std::string_view text) const;

    const rule_set& rules() const { return rules_; }
    /// Null when running on the rules alone.
    const blame_model* model() const { return model_.get(); }

private:
    struct names_slot;
    // `text` with known names marked as people, or nullopt when no names are known.
    std::optional<std::string> marked(std::string_view text) const;

    rule_set rules_;
    std::shared_ptr<const blame_model> model_;
    std::shared_ptr<names_slot> names_;
};

/// The explanation and rewrite shown for a model finding of `category`.
struct kind_text {
    std::string_view why;
    std::string_view suggestion;
};
kind_text text_for_kind(std::string_view category);

/// How one kind of labeled line fared: how many lines, and how many each stage flagged.
struct kind_score {
    std::string kind;
    bool blame = false;
    std::size_t lines = 0;
    std::size_t by_rules = 0;
    std::size_t by_model = 0;
    /// Flagged by the detector as shipped (rules or model).
    std::size_t flagged = 0;
};

/// Precision and recall of one stage over a set of lines.
struct stage_score {
    std::size_t true_positives = 0;
    std::size_t false_positives = 0;
    std::size_t blame_lines = 0;
    /// Counts one labeled line that this stage did or did not flag.
    void add(const labeled_line& line, bool flagged);
    double precision() const;
    double recall() const;
    double f1() const;
};

/// A detector measured on labeled lines: per kind (blame kinds first, in rule_categories
/// order, then ok kinds), and overall for the rules, the model and both together.
struct evaluation {
    std::vector<kind_score> kinds;
    stage_score rules;
    stage_score model;
    stage_score combined;
};

evaluation evaluate(const blame_detector& detector, const std::vector<labeled_line>& lines);

/// scan_document with the model: the rules over the document, then the model over each
/// prose line no rule flagged.
std::vector<document_finding> scan_document(const blame_detector& detector,
                                            std::string_view text);

/// scan_document over a stream of any size, in memory bounded by about a megabyte: the text
/// is read in pieces that end at a line break outside code fences (a line longer than the
/// bound is cut). Findings carry line numbers in the whole stream, their offsets are into
/// their piece. Throws std::runtime_error on a read error.
void scan_stream(const blame_detector& detector,
                 std::istream& in,
                 const std::function<void(const document_finding&)>& on_finding);

}  // namespace incident_bot

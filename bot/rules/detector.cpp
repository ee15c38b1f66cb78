#include "incident_bot/rules/detector.hpp"

#include <algorithm>
#include <mutex>

namespace incident_bot {
namespace {

struct kind_entry {
    std::string_view category;
    kind_text text;
};

// One explanation per kind for messages no rule matched: the model knows the kind, not the
// phrase, so the rewrite shows the systems-focused shape rather than editing the words.
constexpr kind_entry kind_texts[] = {
    {"person_attribution",
     {"Naming a person as the cause ends the search at them; the conditions that let the "
      "change through stay hidden.",
      "Name the change and its effect instead: \"the 14:02 config change removed the pool "
      "limit\"."}},
    {"whose_fault",
     {"Asking who did it makes people defensive, and the answer rarely explains the outage.",
      "What changed just before this started, and what made it easy to miss?"}},
    {"hindsight",
     {"\"Should have\" judges someone with knowledge they did not have at the time.",
      "What did the person know then, and what would have made the risk visible?"}},
    {"character",
     {"Judging someone's care or skill teaches people to hide the next mistake.",
      "Describe the gap in the process or tooling: \"nothing checked the change before it "
      "reached prod\"."}},
    {"human_error",
     {"\"Human error\" is where an investigation starts, not where it ends.",
      "Which conditions made this action easy to take and hard to notice?"}},
    {"punishment",
     {"Talk of consequences for people makes the next incident harder to report.",
      "What would make this safer for the next person: a guard, an alert, a review step?"}},
    {"sarcasm",
     {"Sarcasm aimed at people reads as blame, even as a joke, and more so at 3 a.m.",
      "Say plainly what hurt, about the system: \"Friday deploys keep biting us; can we move "
      "the window?\""}},
};

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

}  // namespace

kind_text text_for_kind(std::string_view category) {
    for (const auto& k : kind_texts)
        if (k.category == category) return k.text;
    return kind_texts[0].text;
}

struct blame_detector::names_slot {
    mutable std::mutex mutex;
    std::shared_ptr<const name_set> names;
};

blame_detector::blame_detector(rule_set rules, std::shared_ptr<const blame_model> model)
    : rules_(std::move(rules)), model_(std::move(model)), names_(std::make_shared<names_slot>()) {}

void blame_detector::set_names(std::shared_ptr<const name_set> names) {
    std::lock_guard lock(names_->mutex);
    names_->names = std::move(names);
}

std::shared_ptr<const name_set> blame_detector::names() const {
    std::lock_guard lock(names_->mutex);
    return names_->names;
}

std::optional<std::string> blame_detector::marked(std::string_view text) const {
    const auto names = this->names();
    if (!names || names->size() == 0) return std::nullopt;
    return names->mark(text);
}

std::vector<finding> blame_detector::scan(std::string_view text) const {
    const auto m = marked(text);
    const std::string_view seen = m ? std::string_view(*m) : text;
    auto out = rules_.scan(seen);
    if (out.empty())
        if (auto f = model_finding(seen)) out.push_back(std::move(*f));
    // Marked names read "@arta": the finding shows what the person wrote.
    if (m)
        for (auto& f : out) f.matched = std::string(text.substr(f.offset, f.length));
    return out;
}

std::optional<finding> blame_detector::model_finding(std::string_view text) const {
    if (!model_) return std::nullopt;
    const auto p = model_->predict(text);
    if (p.blame < model_->threshold()) return std::nullopt;
    std::size_t b = 0;
    std::size_t e = text.size();
    while (b < e && is_space(text[b])) ++b;
    while (e > b && is_space(text[e - 1])) --e;
    const kind_text t = text_for_kind(p.kind);
    return finding{.rule_id = std::string(model_rule_id),
                   .category = std::string(p.kind),
                   .offset = b,
                   .length = e - b,
                   .matched = std::string(text.substr(b, e - b)),
                   .why = std::string(t.why),
                   .suggestion = std::string(t.suggestion)};
}

detector_verdict blame_detector::judge(std::string_view text) const {
    const auto m = marked(text);
    if (m) text = *m;
    detector_verdict v;
    v.by_rules = rules_.flags(text);
    if (model_) {
        v.score = model_->predict(text).blame;
        v.by_model = v.score >= model_->threshold();
    }
    return v;
}

void stage_score::add(const labeled_line& line, bool flagged) {
    if (flagged) (line.blame ? true_positives : false_positives) += 1;
    if (line.blame) ++blame_lines;
}

double stage_score::precision() const {
    const auto flagged = true_positives + false_positives;
    return flagged == 0 ? 1.0 : static_cast<double>(true_positives) / static_cast<double>(flagged);
}

double stage_score::recall() const {
    return blame_lines == 0 ? 1.0
                            : static_cast<double>(true_positives) / static_cast<double>(blame_lines);
}

double stage_score::f1() const {
    const double p = precision();
    const double r = recall();
    return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
}

evaluation evaluate(const blame_detector& detector, const std::vector<labeled_line>& lines) {
    evaluation out;
    for (auto k : rule_categories) out.kinds.push_back({std::string(k), true});
    for (auto k : ok_kinds) out.kinds.push_back({std::string(k), false});
    for (const auto& l : lines) {
        const auto v = detector.judge(l.text);
        auto k = std::find_if(out.kinds.begin(), out.kinds.end(), [&](const kind_score& s) {
            return s.blame == l.blame && s.kind == l.kind;
        });
        if (k == out.kinds.end()) k = out.kinds.insert(k, kind_score{l.kind, l.blame});
        ++k->lines;
        k->by_rules += v.by_rules ? 1 : 0;
        k->by_model += v.by_model ? 1 : 0;
        k->flagged += v.by_rules || v.by_model ? 1 : 0;
        out.rules.add(l, v.by_rules);
        out.model.add(l, v.by_model);
        out.combined.add(l, v.by_rules || v.by_model);
    }
    std::erase_if(out.kinds, [](const kind_score& k) { return k.lines == 0; });
    return out;
}

}  // namespace incident_bot

// `incident-bot lint` input: a Markdown document through scan_document with the built-in
// rules and model. Findings must point inside the document with a sane line and column.
#pragma once

#include "fuzz_support.hpp"
#include "incident_bot/rules/detector.hpp"

namespace incident_bot::fuzz {

inline void run_lint(std::string_view input) {
    static const blame_detector detector(rule_set::load_default(), blame_model::load_builtin());
    for (const auto& d : scan_document(detector, input)) {
        require(d.hit.offset + d.hit.length <= input.size(), "finding inside the document");
        require(d.line > 0 && d.column > 0 && d.column <= d.hit.offset + 1, "line and column");
    }
}

}  // namespace incident_bot::fuzz

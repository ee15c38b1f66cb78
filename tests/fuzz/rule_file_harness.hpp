// Rule files: JSON parse, validation, {define} expansion and RE2 compilation, then a scan of
// a few messages with whatever compiled. Bad files must come back as rules_error only.
#pragma once

#include "fuzz_support.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot::fuzz {

namespace rule_file_detail {

inline constexpr std::string_view messages[] = {
    "<@U0ANA01> broke prod again, who pushed this??",
    "Human error. Dave should have checked the config before the deploy.",
    "> quoted\n```code block```\nThe *deploy* lacked a canary; &lt;see&gt; <https://x.y|link>",
};

}  // namespace rule_file_detail

inline void run_rule_file(std::string_view input) {
    try {
        const rule_set rules = rule_set::parse(input, "fuzz.json");
        for (const auto text : rule_file_detail::messages) {
            for (const auto& f : rules.scan(text))
                require(f.offset + f.length <= text.size(), "finding inside the text");
            (void)scan_document(rules, text);
        }
    } catch (const rules_error&) {
    }
}

}  // namespace incident_bot::fuzz

// Rule files: JSON parse, validation, {define} expansion and RE2 compilation, then a scan of
// a few messages with whatever compiled. Bad files must come back as rules_error only.
#include "fuzz_support.hpp"
#include "incident_bot/rules/engine.hpp"

using namespace incident_bot;

namespace {

constexpr std::string_view messages[] = {
    "<@U0ANA01> broke prod again, who pushed this??",
    "Human error. Dave should have checked the config before the deploy.",
    "> quoted\n```code block```\nThe *deploy* pipeline lacked a canary step; &lt;see&gt; <https://x.y|link>",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const rule_set rules = rule_set::parse(fuzz::as_text(data, size), "fuzz.json");
        for (const auto text : messages) {
            for (const auto& f : rules.scan(text))
                if (f.offset + f.length > text.size()) __builtin_trap();
            (void)scan_document(rules, text);
        }
    } catch (const rules_error&) {
    }
    return 0;
}

// `incident-bot lint` input: a Markdown document through scan_document with the built-in
// rules. Findings must point inside the document with a sane line and column.
#include "fuzz_support.hpp"
#include "incident_bot/rules/engine.hpp"

using namespace incident_bot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const rule_set rules = rule_set::load_default();
    const std::string_view text = fuzz::as_text(data, size);
    for (const auto& d : scan_document(rules, text)) {
        if (d.hit.offset + d.hit.length > text.size()) __builtin_trap();
        if (d.line == 0 || d.column == 0 || d.column > d.hit.offset + 1) __builtin_trap();
    }
    return 0;
}

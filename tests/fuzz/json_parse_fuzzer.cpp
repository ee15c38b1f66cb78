// libFuzzer entry point; the harness is shared with tests/unit/fuzz_regressions_test.cpp.
#include "json_parse_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    incident_bot::fuzz::run_json_parse(incident_bot::fuzz::as_text(data, size));
    return 0;
}

// libFuzzer entry point; the harness is shared with tests/unit/fuzz_regressions_test.cpp.
#include "socket_mode_envelope_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    incident_bot::fuzz::run_socket_mode_envelope(incident_bot::fuzz::as_text(data, size));
    return 0;
}

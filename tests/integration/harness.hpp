// Shared by the integration tests: the transport harness plus the Slack fixtures.
#pragma once

#include "bot_harness.hpp"

namespace incident_bot::testing {

/// Reads a fixture shipped with the tests (tests/data/fixtures/NAME).
nlohmann::json fixture(const std::string& name);

}  // namespace incident_bot::testing

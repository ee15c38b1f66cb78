// The JSON config file: parse and apply over the defaults, then the checks `run` makes. A
// bad file must come back as config_error (naming the setting), nothing else.
#pragma once

#include "fuzz_support.hpp"
#include "incident_bot/config.hpp"

namespace incident_bot::fuzz {

inline void run_config_file(std::string_view input) {
    try {
        config c;
        // Tokens usually come from the environment; preset them so validation goes on.
        c.app_token = secret("xapp-1-fuzz");
        c.bot_token = secret("xoxb-fuzz");
        apply_config_json(c, input, "fuzz.json");
        validate_for_run(c);
    } catch (const config_error&) {
    }
}

}  // namespace incident_bot::fuzz

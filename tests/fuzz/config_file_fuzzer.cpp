// The JSON config file: parse and apply over the defaults, then the checks `run` makes. A
// bad file must come back as config_error (naming the setting), nothing else.
#include "fuzz_support.hpp"
#include "incident_bot/config.hpp"

using namespace incident_bot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        config c;
        // Tokens usually come from the environment; preset them so validation goes on.
        c.app_token = secret("xapp-1-fuzz");
        c.bot_token = secret("xoxb-fuzz");
        apply_config_json(c, fuzz::as_text(data, size), "fuzz.json");
        validate_for_run(c);
    } catch (const config_error&) {
    }
    return 0;
}

// incident-bot: a blameless incident bot for Slack. Dispatches to the subcommands that
// register themselves in bot/cli/.
#include <cstdlib>
#include <iostream>
#include <malloc.h>

#include "cli/cli.hpp"

namespace {

void print_help(std::ostream& out) {
    out << "usage: incident-bot COMMAND [ARGS]\n\ncommands:\n";
    for (const auto& [name, c] : incident_bot::cli::registry())
        out << "  " << c.usage << "\n      " << c.summary << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace incident_bot;
    // No glibc fastbins. Each event frees ~100 small JSON nodes; past the per-thread cache they
    // sit in fastbins, and the next request of 1 KiB or more (a frame's text, a TLS record)
    // first consolidates all of them: 10-15% of the network thread (perf,
    // bench_net_bot_load). The per-thread cache (tcache) still serves small sizes at once.
    mallopt(M_MXFAST, 0);
    if (argc < 2) {
        print_help(std::cerr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "help" || name == "--help" || name == "-h") {
        print_help(std::cout);
        return 0;
    }
    auto& commands = cli::registry();
    auto it = commands.find(name);
    if (it == commands.end()) {
        std::cerr << "incident-bot: unknown command '" << name << "'\n";
        print_help(std::cerr);
        return 2;
    }
    cli::context ctx{std::vector<std::string>(argv + 2, argv + argc),
                     [](const char* n) { return std::getenv(n); },
                     std::cout,
                     std::cerr};
    try {
        return it->second.run(ctx);
    } catch (const cli::usage_error& e) {
        std::cerr << "incident-bot " << name << ": " << e.what() << "\nusage: incident-bot "
                  << it->second.usage << "\n";
        return 2;
    } catch (const config_error& e) {
        std::cerr << "incident-bot " << name << ": configuration error: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "incident-bot " << name << ": " << e.what() << "\n";
        return 1;
    }
}

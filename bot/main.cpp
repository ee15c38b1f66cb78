// incident-bot: a blameless incident bot for Slack. Dispatches to the subcommands that
// register themselves in bot/cli/.
#include <cstdlib>
#include <iostream>

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

#include "cli/detector_cli.hpp"

#include <filesystem>

namespace incident_bot::cli {

rule_set load_rules(const context& ctx, const options& opts) {
    if (auto path = opts.value("rules")) return rule_set::load_file(*path);
    if (auto configured = load(ctx, opts).rules_file; !configured.empty())
        return rule_set::load_file(configured);
    for (const char* path : {"/etc/incident-bot/rules.json", "config/rules.json"}) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return rule_set::load_file(path);
    }
    return rule_set::load_default();
}

std::shared_ptr<const blame_model> load_model(const context& ctx, const options& opts) {
    const std::string choice = opts.value("model").value_or(load(ctx, opts).nudges.model);
    return open_model(choice);
}

blame_detector load_detector(const context& ctx, const options& opts) {
    blame_detector detector(load_rules(ctx, opts), load_model(ctx, opts));
    if (auto names = opts.value("names")) detector.set_names(name_set::load_file(*names));
    return detector;
}

}  // namespace incident_bot::cli

#include "cli/cli.hpp"

namespace incident_bot::cli {

std::map<std::string, command>& registry() {
    static std::map<std::string, command> commands;
    return commands;
}

command_registration::command_registration(command c) {
    registry().emplace(c.name, std::move(c));
}

options::options(const std::vector<std::string>& args,
                 const std::set<std::string>& valued,
                 const std::set<std::string>& flags) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            positional_.insert(positional_.end(), args.begin() + i + 1, args.end());
            break;
        }
        if (!a.starts_with("--")) {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::optional<std::string> inline_value;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name.resize(eq);
        }
        if (valued.contains(name)) {
            if (inline_value) values_[name] = *inline_value;
            else if (i + 1 < args.size()) values_[name] = args[++i];
            else throw usage_error("option --" + name + " needs a value");
        } else if (flags.contains(name) && !inline_value) {
            flags_.insert(name);
        } else {
            throw usage_error("unknown option --" + name);
        }
    }
}

std::optional<std::string> options::value(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string options::choice(const std::string& name,
                            const std::set<std::string>& allowed,
                            const std::string& fallback) const {
    auto v = value(name);
    if (!v) return fallback;
    if (!allowed.contains(*v)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        throw usage_error("--" + name + " must be one of " + list + " (got '" + *v + "')");
    }
    return *v;
}

config load(const context& ctx, const options& opts) {
    return load_config(ctx.env, opts.value("config"));
}

}  // namespace incident_bot::cli

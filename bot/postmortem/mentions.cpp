#include "postmortem/mentions.hpp"

namespace incident_bot::detail {

namespace {

// The plain text for a `<!…>` special mention, or nullopt for the ones that notify nobody
// (dates, links to a URL).
std::optional<std::string> broadcast_text(std::string_view inner) {
    const auto bar = inner.find('|');
    const auto name = inner.substr(0, bar);
    const auto label = bar == std::string_view::npos ? std::string_view() : inner.substr(bar + 1);
    if (name == "here" || name == "channel" || name == "everyone") return "@" + std::string(name);
    if (name.starts_with("subteam^")) {
        if (label.empty()) return std::string("@group");
        return label.starts_with("@") ? std::string(label) : "@" + std::string(label);
    }
    return std::nullopt;
}

}  // namespace

std::string quiet_mentions(std::string_view text, const person_namer& namer) {
    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        // The innermost `<…>`: in "<<!here>" Slack reads "<" and then a broadcast.
        const auto end = text.find('>', pos);
        if (end == std::string_view::npos) break;
        const auto start = text.rfind('<', end);
        if (start == std::string_view::npos || start < pos) {
            out.append(text.substr(pos, end + 1 - pos));
            pos = end + 1;
            continue;
        }
        out.append(text.substr(pos, start - pos));
        const auto whole = text.substr(start, end - start + 1);
        const auto inner = whole.substr(1, whole.size() - 2);
        std::optional<std::string> plain;
        if (inner.starts_with("!")) {
            plain = broadcast_text(inner.substr(1));
        } else if (inner.starts_with("@") && namer) {
            const auto user = inner.substr(1, inner.find('|') - 1);
            plain = namer(user);
        }
        out += plain ? *plain : std::string(whole);
        pos = end + 1;
    }
    out.append(text.substr(pos));
    return out;
}

name_book::name_book(const std::vector<person_names>& people) {
    for (const auto& p : people)
        if (!p.names.empty()) names_.emplace(p.user, p.names.front());
}

std::optional<std::string> name_book::name(std::string_view user) const {
    const auto it = names_.find(user);
    if (it == names_.end()) return std::nullopt;
    return "@" + it->second;
}

}  // namespace incident_bot::detail

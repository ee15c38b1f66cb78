#include "incident_bot/postmortem/mentions.hpp"

#include <algorithm>
#include <cctype>

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

bool is_word_byte(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

char ascii_lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

// Whether `text` at `pos` starts with `name`, ignoring ASCII case.
bool matches_at(std::string_view text, std::size_t pos, std::string_view name) {
    if (text.size() - pos < name.size()) return false;
    for (std::size_t i = 0; i < name.size(); ++i)
        if (ascii_lower(text[pos + i]) != ascii_lower(name[i])) return false;
    return true;
}

// Where a sentence starts: the text's start, a new line, or after ". ", "! ", "? ".
bool starts_sentence(std::string_view done) {
    auto end = done.find_last_not_of(' ');
    if (end == std::string_view::npos) return true;
    const char c = done[end];
    return c == '\n' || ((c == '.' || c == '!' || c == '?') && end + 1 < done.size());
}

}  // namespace

std::string role_in(const incident& i, std::string_view user) {
    if (i.commander == user) return "the commander";
    if (i.comms == user) return "the comms lead";
    if (i.scribe == user) return "the scribe";
    return "a responder";
}

std::string replace_known_names(std::string_view text,
                                const std::vector<person_names>& people,
                                const std::function<std::string(std::string_view user)>& role) {
    // Candidates by first letter, longest first.
    std::map<char, std::vector<std::pair<std::string, std::string_view>>> by_first;
    for (const auto& p : people)
        for (const auto& n : p.names)
            if (n.size() > 1) by_first[ascii_lower(n.front())].emplace_back(n, p.user);
    for (auto& [first, names] : by_first)
        std::stable_sort(names.begin(), names.end(),
                         [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });

    std::string out;
    out.reserve(text.size());
    std::size_t pos = 0;
    while (pos < text.size()) {
        const bool at_word_start = pos == 0 || !is_word_byte(static_cast<unsigned char>(text[pos - 1]));
        const auto it = at_word_start ? by_first.find(ascii_lower(text[pos])) : by_first.end();
        std::optional<std::pair<std::size_t, std::string_view>> hit;  // length, user
        if (it != by_first.end())
            for (const auto& [name, user] : it->second) {
                const auto end = pos + name.size();
                if (matches_at(text, pos, name) &&
                    (end == text.size() || !is_word_byte(static_cast<unsigned char>(text[end])))) {
                    hit.emplace(name.size(), user);
                    break;
                }
            }
        if (!hit) {
            out += text[pos++];
            continue;
        }
        if (!out.empty() && out.back() == '@') out.pop_back();
        auto replacement = role(hit->second);
        if (!replacement.empty() && starts_sentence(out))
            replacement.front() = static_cast<char>(
                std::toupper(static_cast<unsigned char>(replacement.front())));
        out += replacement;
        pos += hit->first;
    }
    return out;
}

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

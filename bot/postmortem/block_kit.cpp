// Markdown to Block Kit messages within Slack's limits (protocol §12): headers ≤ 150,
// sections ≤ 3,000, ≤ 50 blocks per message, and a plain `text` fallback ≤ 4,000.
// Lengths are counted in bytes, which is never less than Slack's character count.
#include "incident_bot/postmortem/draft.hpp"
#include "incident_bot/postmortem/format.hpp"

namespace incident_bot {

namespace {

using json = nlohmann::json;

// Slack mrkdwn differs from Markdown: *bold*, no '#' headings, no task-list syntax.
std::string to_mrkdwn(std::string_view line) {
    std::string out;
    if (line.starts_with("- [ ] ")) {
        out = "☐ ";
        line.remove_prefix(6);
    } else if (line.starts_with("- [x] ")) {
        out = "☑ ";
        line.remove_prefix(6);
    } else if (line.starts_with("- ")) {
        out = "• ";
        line.remove_prefix(2);
    }
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '*' && i + 1 < line.size() && line[i + 1] == '*') {
            out += '*';
            ++i;
        } else {
            out += line[i];
        }
    }
    return out;
}

// Cuts `text` into pieces of at most `max` bytes, preferring line breaks, then spaces, and
// never splitting a UTF-8 character.
std::vector<std::string> chunk(std::string_view text, std::size_t max) {
    std::vector<std::string> out;
    while (text.size() > max) {
        std::size_t cut = text.rfind('\n', max);
        if (cut == std::string_view::npos || cut == 0) cut = text.rfind(' ', max);
        if (cut == std::string_view::npos || cut == 0) {
            cut = max;
            while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        }
        out.emplace_back(text.substr(0, cut));
        text.remove_prefix(cut);
        while (!text.empty() && (text.front() == '\n' || text.front() == ' '))
            text.remove_prefix(1);
    }
    if (!text.empty()) out.emplace_back(text);
    return out;
}

struct block {
    bool header = false;
    std::string text;
};

std::vector<block> to_blocks(std::string_view markdown, const block_kit_limits& limits) {
    std::vector<block> blocks;
    std::string section;
    const auto flush = [&] {
        while (!section.empty() && section.back() == '\n') section.pop_back();
        if (!section.empty())
            for (auto& piece : chunk(section, limits.section_chars))
                blocks.push_back({false, std::move(piece)});
        section.clear();
    };
    while (!markdown.empty()) {
        const auto nl = markdown.find('\n');
        const auto line = markdown.substr(0, nl);
        markdown.remove_prefix(nl == std::string_view::npos ? markdown.size() : nl + 1);
        if (line.starts_with("#")) {
            flush();
            const auto title = line.substr(std::min(line.find_first_not_of('#'), line.size()));
            auto text = detail::truncate_utf8(detail::one_line(title), limits.header_chars);
            // Slack refuses empty header text.
            if (!text.empty()) blocks.push_back({true, std::move(text)});
            continue;
        }
        if (line.empty() && section.empty()) continue;
        section += to_mrkdwn(line);
        section += '\n';
    }
    flush();
    return blocks;
}

json to_json(const block& b) {
    if (b.header)
        return {{"type", "header"},
                {"text", {{"type", "plain_text"}, {"text", b.text}, {"emoji", true}}}};
    return {{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", b.text}}}};
}

}  // namespace

std::vector<json> to_block_kit_messages(std::string_view markdown,
                                        std::string_view channel,
                                        std::string_view title,
                                        const block_kit_limits& limits) {
    const auto blocks = to_blocks(markdown, limits);
    // Group into messages, closing one at the block cap or the per-message text budget.
    std::vector<std::vector<const block*>> groups(1);
    std::size_t chars = 0;
    for (const auto& b : blocks) {
        if (!groups.back().empty() && (groups.back().size() >= limits.blocks_per_message ||
                                       chars + b.text.size() > limits.message_chars)) {
            groups.emplace_back();
            chars = 0;
        }
        groups.back().push_back(&b);
        chars += b.text.size();
    }
    if (groups.back().empty()) groups.pop_back();

    std::vector<json> messages;
    for (std::size_t i = 0; i < groups.size(); ++i) {
        std::string fallback(title);
        if (groups.size() > 1)
            fallback +=
                " (part " + std::to_string(i + 1) + " of " + std::to_string(groups.size()) + ")";
        json arr = json::array();
        std::string body;
        for (const auto* b : groups[i]) {
            arr.push_back(to_json(*b));
            if (body.size() < limits.fallback_chars) body += "\n" + b->text;
        }
        // The fallback is what notifications and screen readers show.
        fallback = detail::truncate_utf8(fallback + body, limits.fallback_chars);
        messages.push_back({{"channel", std::string(channel)},
                            {"text", fallback},
                            {"blocks", std::move(arr)},
                            {"unfurl_links", false}});
    }
    return messages;
}

}  // namespace incident_bot

// Markdown documents for `incident-bot lint`. Rather than parse Markdown, the text is masked
// in place: code blocks become spaces and paragraph soft-wraps become spaces, so the result
// has the same length and every offset the engine reports is also an offset into the file.
#include <algorithm>

#include "incident_bot/rules/engine.hpp"

namespace incident_bot {
namespace {

struct line_span {
    std::size_t begin;
    std::size_t end;  // exclusive, at the '\n' or the end of the text
};

std::vector<line_span> split_lines(std::string_view text) {
    std::vector<line_span> lines;
    std::size_t b = 0;
    while (b <= text.size()) {
        auto nl = text.find('\n', b);
        std::size_t e = nl == std::string_view::npos ? text.size() : nl;
        lines.push_back({b, e});
        if (nl == std::string_view::npos) break;
        b = nl + 1;
    }
    return lines;
}

std::string_view trim_left(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    return s;
}

bool is_blank(std::string_view s) {
    return trim_left(s).empty() || s == "\r";
}

// Lines that start a block of their own, so the previous line must not be joined to them.
bool starts_block(std::string_view line) {
    std::string_view t = trim_left(line);
    if (t.empty()) return true;
    const char c = t.front();
    if (c == '#' || c == '>' || c == '|' || c == '`' || c == '~') return true;
    if ((c == '-' || c == '*' || c == '+') && (t.size() == 1 || t[1] == ' ')) return true;
    std::size_t d = 0;
    while (d < t.size() && t[d] >= '0' && t[d] <= '9') ++d;
    return d > 0 && d < t.size() && (t[d] == '.' || t[d] == ')');
}

bool is_fence(std::string_view line, char& fence_char) {
    std::string_view t = trim_left(line);
    if (t.starts_with("```") || t.starts_with("~~~")) {
        fence_char = t.front();
        return true;
    }
    return false;
}

bool is_indented_code(std::string_view line) {
    return line.starts_with("    ") || line.starts_with("\t");
}

}  // namespace

std::vector<document_finding> scan_document(const rule_set& rules, std::string_view text) {
    std::string masked(text);
    const auto lines = split_lines(text);
    auto blank_out = [&](const line_span& l) {
        std::fill(masked.begin() + static_cast<std::ptrdiff_t>(l.begin),
                  masked.begin() + static_cast<std::ptrdiff_t>(l.end), ' ');
    };

    // Pass 1: fenced blocks (``` or ~~~, closed by the same character) and indented code
    // blocks, which in Markdown need a blank line (or another code line) before them.
    bool in_fence = false;
    char fence_char = 0;
    bool prev_blank_or_code = true;
    std::vector<bool> code(lines.size(), false);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view l = text.substr(lines[i].begin, lines[i].end - lines[i].begin);
        char fc = 0;
        if (in_fence) {
            code[i] = true;
            if (is_fence(l, fc) && fc == fence_char) in_fence = false;
        } else if (is_fence(l, fc)) {
            code[i] = true;
            in_fence = true;
            fence_char = fc;
        } else if (prev_blank_or_code && !is_blank(l) && is_indented_code(l)) {
            code[i] = true;
        }
        if (code[i]) blank_out(lines[i]);
        prev_blank_or_code = code[i] || is_blank(l);
    }

    // Pass 2: a paragraph's soft-wrapped lines read as one sentence.
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        std::string_view l = std::string_view(masked).substr(lines[i].begin,
                                                             lines[i].end - lines[i].begin);
        std::string_view next = std::string_view(masked).substr(
            lines[i + 1].begin, lines[i + 1].end - lines[i + 1].begin);
        if (code[i] || code[i + 1] || is_blank(l) || is_blank(next) || starts_block(next))
            continue;
        const std::string_view t = trim_left(l);
        if (t.front() == '#' || t.front() == '|') continue;
        masked[lines[i].end] = ' ';
    }

    std::vector<document_finding> out;
    for (auto& f : rules.scan(masked)) {
        document_finding d;
        auto it = std::upper_bound(lines.begin(), lines.end(), f.offset,
                                   [](std::size_t off, const line_span& l) {
                                       return off < l.begin;
                                   });
        const line_span& l = *(it - 1);
        d.line = static_cast<std::size_t>(it - lines.begin());
        // Columns count characters, not bytes: UTF-8 continuation bytes are skipped.
        d.column = 1;
        for (std::size_t k = l.begin; k < f.offset; ++k)
            if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++d.column;
        f.matched = std::string(text.substr(f.offset, f.length));
        d.hit = std::move(f);
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace incident_bot

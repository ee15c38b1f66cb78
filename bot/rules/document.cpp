// Markdown documents for `incident-bot lint`. Rather than parse Markdown, the text is masked
// in place: code blocks become spaces and paragraph soft-wraps become spaces, so the result
// has the same length and every offset the engine reports is also an offset into the file.
#include <algorithm>

#include <istream>
#include <stdexcept>

#include "incident_bot/rules/detector.hpp"

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


// The document with code blanked out and soft wraps joined, and where its lines are.
struct masked_document {
    std::string masked;
    std::vector<line_span> lines;
    std::vector<bool> code;
};

masked_document mask(std::string_view text) {
    masked_document d{std::string(text), split_lines(text), {}};
    std::string& masked = d.masked;
    const auto& lines = d.lines;
    auto blank_out = [&](const line_span& l) {
        std::fill(masked.begin() + static_cast<std::ptrdiff_t>(l.begin),
                  masked.begin() + static_cast<std::ptrdiff_t>(l.end), ' ');
    };

    // Pass 1: fenced blocks (``` or ~~~, closed by the same character) and indented code
    // blocks, which in Markdown need a blank line (or another code line) before them.
    bool in_fence = false;
    char fence_char = 0;
    bool prev_blank_or_code = true;
    std::vector<bool>& code = d.code;
    code.assign(lines.size(), false);
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
    return d;
}

// 1-based line of `offset`, and its column in characters (UTF-8 continuation bytes skipped).
document_finding locate(const std::vector<line_span>& lines, std::string_view text, finding f) {
    document_finding d;
    auto it = std::upper_bound(lines.begin(), lines.end(), f.offset,
                               [](std::size_t off, const line_span& l) { return off < l.begin; });
    const line_span& l = *(it - 1);
    d.line = static_cast<std::size_t>(it - lines.begin());
    d.column = 1;
    for (std::size_t k = l.begin; k < f.offset; ++k)
        if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++d.column;
    f.matched = std::string(text.substr(f.offset, f.length));
    d.hit = std::move(f);
    return d;
}

// Line by line of the masked text (a paragraph's soft wraps are already joined): every
// sentence ends at a line break anyway, and RE2's set automaton, run over a whole long
// document at once, visits far more states than its memory budget holds and falls back to a
// slow search (a 31 MB chat log took six times longer).
std::vector<document_finding> scan_rules(const rule_set& rules,
                                         std::string_view text,
                                         const masked_document& doc) {
    std::vector<document_finding> out;
    const std::string_view masked = doc.masked;
    for (std::size_t b = 0; b < masked.size();) {
        const std::size_t e = std::min(masked.find('\n', b), masked.size());
        for (auto& f : rules.scan(masked.substr(b, e - b))) {
            f.offset += b;
            out.push_back(locate(doc.lines, text, std::move(f)));
        }
        b = e + 1;
    }
    return out;
}

// A piece is checked once it holds this much text and ends outside a fence...
constexpr std::size_t piece_target = 256 * 1024;
// ...or at this size in any case (then a line may be cut: a 30 MB line is still read).
constexpr std::size_t piece_limit = 1024 * 1024;
constexpr std::size_t read_block = 64 * 1024;

bool is_fence_line(std::string_view line, char& fence) {
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.starts_with("```") && !line.starts_with("~~~")) return false;
    fence = line.front();
    return true;
}

// Calls `fn` with consecutive pieces of `in` and the line number each starts at.
template <typename Handler>
void for_each_piece(std::istream& in, const Handler& fn) {
    std::string pending;
    std::size_t scanned = 0;   // bytes of `pending` whose lines were fence-checked
    std::size_t safe_cut = 0;  // end of the last whole line outside a fence
    std::size_t line = 1;
    char fence = 0;            // the open fence's character, 0 outside
    auto emit = [&](std::size_t cut) {
        const std::string_view piece(pending.data(), cut);
        fn(piece, line);
        for (char c : piece) line += c == '\n' ? 1 : 0;
        pending.erase(0, cut);
        scanned = scanned > cut ? scanned - cut : 0;  // lines past the cut keep their fence state
        safe_cut = 0;
    };
    std::string block(read_block, '\0');
    while (in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        pending.append(block.data(), static_cast<std::size_t>(in.gcount()));
        for (auto nl = pending.find('\n', scanned); nl != std::string::npos;
             nl = pending.find('\n', scanned)) {
            char c = 0;
            if (is_fence_line(std::string_view(pending).substr(scanned, nl - scanned), c))
                fence = fence == 0 ? c : (fence == c ? 0 : fence);
            scanned = nl + 1;
            if (fence == 0) safe_cut = scanned;
        }
        if (pending.size() >= piece_target && safe_cut > 0) {
            emit(safe_cut);
        } else if (pending.size() >= piece_limit) {
            const auto nl = pending.rfind('\n');
            std::size_t cut = nl == std::string::npos ? pending.size() : nl + 1;
            // Never between the bytes of one UTF-8 character.
            while (cut > 0 && cut < pending.size() &&
                   (static_cast<unsigned char>(pending[cut]) & 0xC0) == 0x80)
                --cut;
            emit(cut == 0 ? pending.size() : cut);
        }
    }
    if (in.bad()) throw std::runtime_error("read error");  // lint names the file
    if (!pending.empty()) emit(pending.size());
}

}  // namespace

std::vector<document_finding> scan_document(const rule_set& rules, std::string_view text) {
    return scan_rules(rules, text, mask(text));
}

std::vector<document_finding> scan_document(const blame_detector& detector,
                                            std::string_view text) {
    // Known names are marked before masking; findings quote the document as written.
    const auto names = detector.names();
    const std::string marked = names ? names->mark(text) : std::string();
    const masked_document doc = mask(names ? std::string_view(marked) : text);
    auto out = scan_rules(detector.rules(), text, doc);
    if (!detector.model()) return out;
    // The model reads each prose line as one message (a document of chat lines, or a
    // paragraph's lines), skipping lines the rules already flagged.
    std::size_t next_rule = 0;
    const std::size_t rule_findings = out.size();
    for (std::size_t i = 0; i < doc.lines.size(); ++i) {
        const line_span& l = doc.lines[i];
        bool flagged = false;
        while (next_rule < rule_findings && out[next_rule].line <= i + 1) {
            flagged = flagged || out[next_rule].line == i + 1;
            ++next_rule;
        }
        const std::string_view line = text.substr(l.begin, l.end - l.begin);
        if (flagged || doc.code[i] || is_blank(line)) continue;
        const std::string_view seen =
            names ? std::string_view(marked).substr(l.begin, l.end - l.begin) : line;
        if (auto f = detector.model_finding(seen)) {
            f->offset += l.begin;
            out.push_back(locate(doc.lines, text, std::move(*f)));
        }
    }
    std::sort(out.begin(), out.end(), [](const document_finding& a, const document_finding& b) {
        return a.hit.offset < b.hit.offset;
    });
    return out;
}

}  // namespace incident_bot

namespace incident_bot {

void scan_stream(const blame_detector& detector,
                 std::istream& in,
                 const std::function<void(const document_finding&)>& on_finding) {
    for_each_piece(in, [&](std::string_view piece, std::size_t first_line) {
        for (auto& f : scan_document(detector, piece)) {
            f.line += first_line - 1;
            on_finding(f);
        }
    });
}

}  // namespace incident_bot

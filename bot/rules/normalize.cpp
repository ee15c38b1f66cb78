// Slack mrkdwn → plain lower-case text for the rule patterns, in one pass, keeping for every
// output byte the original byte range it came from so findings point at what people wrote.
// Slack's message format: https://api.slack.com/reference/surfaces/formatting
#include <algorithm>
#include <array>
#include <cstring>

#include "rules/normalize.hpp"

namespace incident_bot {
namespace {

// Misspellings and contractions seen in incident channels, keyed by the normalised word
// (lower-case, apostrophes already dropped, stretched letters collapsed).
struct typo {
    std::string_view from;
    std::string_view to;
};
constexpr std::array<typo, 62> typos{{
    {"teh", "the"},           {"prdo", "prod"},          {"prd", "prod"},
    {"porduction", "production"}, {"prodcution", "production"}, {"producton", "production"},
    {"borke", "broke"},       {"brok", "broke"},         {"breaked", "broke"},
    {"broek", "broke"},       {"somone", "someone"},     {"soemone", "someone"},
    {"someon", "someone"},    {"sombody", "somebody"},   {"somebdy", "somebody"},
    {"shoudl", "should"},     {"shuold", "should"},      {"shoud", "should"},
    {"sould", "should"},      {"shld", "should"},        {"shouldve", "should have"},
    {"shoulda", "should have"}, {"couldve", "could have"}, {"coulda", "could have"},
    {"wouldve", "would have"}, {"woulda", "would have"}, {"dint", "didnt"},
    {"didint", "didnt"},      {"dident", "didnt"},       {"didn", "didnt"},
    {"u", "you"},             {"ur", "your"},            {"ya", "you"},
    {"y", "why"},             {"wat", "what"},           {"wut", "what"},
    {"whoo", "who"},          {"pushd", "pushed"},       {"pusehd", "pushed"},
    {"mergd", "merged"},      {"deployd", "deployed"},   {"accountible", "accountable"},
    {"carless", "careless"},  {"incompetant", "incompetent"}, {"incompitent", "incompetent"},
    {"responsable", "responsible"}, {"fualt", "fault"},  {"falut", "fault"},
    {"fautl", "fault"},       {"ppl", "people"},         {"becuase", "because"},
    {"becasue", "because"},   {"cuz", "because"},        {"bc", "because"},
    {"hes", "he is"},         {"shes", "she is"},        {"theyre", "they are"},
    {"youre", "you are"},     {"whos", "who is"},        {"its", "it is"},
    {"thats", "that is"},     {"whats", "what is"},
}};

// Words are looked up by key: first letter and second letter or end of word. A bit per word
// length that occurs under a key lets most words skip the table; the rest are compared only
// with the entries under their key (the table in key order, with where each key starts).
constexpr std::size_t typo_key(char first, char second) {
    return static_cast<std::size_t>(first - 'a') * 27 +
           (second >= 'a' && second <= 'z' ? static_cast<std::size_t>(second - 'a') + 1 : 0);
}
constexpr std::size_t typo_key(std::string_view word) {
    return typo_key(word[0], word.size() > 1 ? word[1] : 0);
}
struct typo_buckets {
    std::array<std::uint32_t, 26 * 27> lengths;
    std::array<typo, typos.size()> sorted;
    std::array<std::uint8_t, 26 * 27 + 1> begin;  // sorted[begin[k], begin[k + 1]) has key k
};
constexpr typo_buckets typo_index = [] {
    typo_buckets t{};
    for (const auto& ty : typos) t.lengths[typo_key(ty.from)] |= 1u << ty.from.size();
    for (const auto& ty : typos) ++t.begin[typo_key(ty.from) + 1];
    for (std::size_t k = 1; k < t.begin.size(); ++k) t.begin[k] += t.begin[k - 1];
    std::array<std::uint8_t, 26 * 27> next{};
    for (std::size_t k = 0; k < next.size(); ++k) next[k] = t.begin[k];
    for (const auto& ty : typos) t.sorted[next[typo_key(ty.from)]++] = ty;
    return t;
}();

constexpr bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
// For each byte: its lower case when it is an ASCII letter or digit, else 0. One lookup per
// byte in the word loop, which sees most of every message.
constexpr std::array<char, 256> word_chars = [] {
    std::array<char, 256> a{};
    for (int c = 0; c < 256; ++c)
        if (is_alpha(static_cast<char>(c)) || (c >= '0' && c <= '9'))
            a[static_cast<std::size_t>(c)] = lower(static_cast<char>(c));
    return a;
}();
char word_char(char c) {
    return word_chars[static_cast<unsigned char>(c)];
}
bool is_alnum(char c) {
    return word_char(c) != 0;
}
bool is_sentence_punct(char c) {
    return c == '.' || c == '!' || c == '?' || c == ',' || c == ';';
}

class normalizer {
public:
    normalizer(std::string_view in, normalized_text& out) : in_(in), out_(out) {
        // Written through raw pointers with one capacity check per byte: this loop is most
        // of the cost of scanning a clean message. Buffers left from an earlier message are
        // reused as they are; growing them would zero-fill every byte first.
        attach();
        const std::size_t need = in.size() + in.size() / 2 + 64;
        if (cap_ < need) grow(need);
    }

    // Returns the length of the text; the buffers may be longer.
    std::size_t run() {
        bool line_start = true;
        std::size_t i = 0;
        while (i < in_.size()) {
            if (line_start) {
                line_start = false;
                std::size_t j = i;
                while (j < in_.size() && (in_[j] == ' ' || in_[j] == '\t')) ++j;
                // ">>>" quotes the rest of the message, ">" the rest of the line.
                if (starts(j, "&gt;&gt;&gt;") || starts(j, ">>>")) break;
                if (starts(j, "&gt;") || starts(j, ">")) {
                    i = line_end(j);
                    continue;
                }
            }
            const char c = in_[i];
            if (is_alnum(c)) {
                // A bare URL starts with h or w after a non-alphanumeric byte, except a
                // lower-case one that goes on a word past a dropped apostrophe ("o'www").
                const bool url_start = (c == 'H' || c == 'W' ||
                                        ((c == 'h' || c == 'w') && word_start_ == npos)) &&
                                       (i == 0 || !is_alnum(in_[i - 1])) && bare_url(i);
                i = url_start ? skip_url(i) : words(i);
                continue;
            }
            if (c == ' ') {
                space(i);
                ++i;
            } else if (c == '\n') {
                newline(i);
                line_start = true;
                ++i;
            } else if (c == '`') {
                i = code(i);
            } else if (c == '"' || (c == '\xE2' && starts(i, "\xE2\x80\x9C"))) {
                i = quoted(i);
            } else if (c == '<') {
                i = angle(i);
            } else if (c == '&') {
                i = entity(i);
            } else if (c == ':') {
                i = emoji(i);
            } else if (c == '@' && (i == 0 || !is_alnum(in_[i - 1]))) {
                i = at_name(i);
            } else if ((c == 'h' || c == 'H' || c == 'w' || c == 'W') &&
                       (i == 0 || !is_alnum(in_[i - 1])) && bare_url(i)) {
                i = skip_url(i);
            } else if (static_cast<unsigned char>(c) >= 0x80) {
                i = non_ascii(i);
            } else {
                ascii(i);
                ++i;
            }
        }
        flush_word();
        while (n_ > 0 && (t_[n_ - 1] == ' ' || t_[n_ - 1] == '\n')) pop();
        return n_;
    }

private:
    bool starts(std::size_t i, std::string_view s) const {
        return in_.substr(i, s.size()) == s;
    }
    std::size_t line_end(std::size_t i) const {
        auto nl = in_.find('\n', i);
        return nl == std::string_view::npos ? in_.size() : nl;
    }
    char last() const {
        return n_ == 0 ? '\n' : t_[n_ - 1];
    }

    // Out of line, so that push() stays small enough for the compiler to inline.
    [[gnu::noinline]] void grow(std::size_t cap) {
        out_.text.resize(cap);
        out_.source_begin.resize(cap);
        out_.source_end.resize(cap);
        attach();
    }
    void attach() {
        t_ = out_.text.data();
        b_ = out_.source_begin.data();
        e_ = out_.source_end.data();
        cap_ = std::min({out_.text.size(), out_.source_begin.size(), out_.source_end.size()});
    }
    // Letters and digits are most of any message, and most of the rest are single spaces
    // between words, so runs of words are copied here on locals: a char store may alias the
    // members, which the general loop would reload at every byte. One capacity check covers
    // a run of letters, which is no longer than the rest of the input. Returns where the run
    // stops: at anything but a single space before a plain word.
    std::size_t words(std::size_t i) {
        const char* in = in_.data();
        const std::size_t size = in_.size();
        std::size_t n = n_;
        std::size_t start = word_start_ == npos ? n : word_start_;
        for (;;) {
            if (cap_ - n < size - i) [[unlikely]] {
                n_ = n;
                grow(std::max(cap_ * 2, n + size - i));
            }
            char* t = t_;
            std::uint32_t* b = b_;
            std::uint32_t* e = e_;
            std::size_t j = i;
            for (char c; j < size && (c = word_char(in[j])) != 0; ++j, ++n) {
                t[n] = c;
                b[n] = static_cast<std::uint32_t>(j);
                e[n] = static_cast<std::uint32_t>(j + 1);
            }
            n_ = n;
            word_start_ = start;
            if (j + 1 >= size || in[j] != ' ' || !plain_word_start(j + 1)) return j;
            // As space() would: the word ends (it ends in a letter or digit even after the
            // fixes, so the space is always kept) and the next one starts after the space.
            flush_word();
            n = n_;
            if (n == cap_) [[unlikely]]
                grow(cap_ * 2);
            t_[n] = ' ';
            b_[n] = static_cast<std::uint32_t>(j);
            e_[n] = static_cast<std::uint32_t>(j + 1);
            start = ++n;
            i = j + 1;
        }
    }
    // A letter or digit after a space that run() would hand to words(), not to skip_url().
    bool plain_word_start(std::size_t i) const {
        const char c = in_[i];
        return is_alnum(c) && !((c == 'h' || c == 'H' || c == 'w' || c == 'W') && bare_url(i));
    }
    void push(char c, std::size_t b, std::size_t e) {
        if (n_ == cap_) [[unlikely]]
            grow(cap_ * 2);
        t_[n_] = c;
        b_[n_] = static_cast<std::uint32_t>(b);
        e_[n_] = static_cast<std::uint32_t>(e);
        ++n_;
    }
    void pop() {
        --n_;
    }

    void space(std::size_t at) {
        flush_word();
        if (last() != ' ' && last() != '\n') push(' ', at, at + 1);
    }
    void newline(std::size_t at) {
        flush_word();
        while (n_ > 0 && last() == ' ') pop();
        if (last() != '\n') push('\n', at, at + 1);
    }

    // A placeholder word ("@person", "code", "link") standing for input bytes [b, e).
    void token(std::string_view t, std::size_t b, std::size_t e) {
        if (is_alnum(last()) || last() == '@') space(b);
        flush_word();
        for (char c : t) push(c, b, e);
        if (e < in_.size() && is_alnum(in_[e])) push(' ', e, e);
    }

    std::size_t code(std::size_t i) {
        if (starts(i, "```")) {
            // A block is a sentence of its own; an unclosed fence runs to the end, as in Slack.
            auto close = in_.find("```", i + 3);
            std::size_t end = close == std::string_view::npos ? in_.size() : close + 3;
            newline(i);
            return end;
        }
        auto close = in_.find('`', i + 1);
        if (close == std::string_view::npos) return i + 1;
        token("code", i, close + 1);
        return close + 1;
    }

    // "Double-quoted" words are someone else's, like a > quote: "let's not ask \"who broke
    // it\"" must not be read as asking it. An unpaired quote mark is dropped.
    std::size_t quoted(std::size_t i) {
        const bool curly = in_[i] != '"';
        const std::size_t open = curly ? 3 : 1;
        const std::size_t limit = std::min(line_end(i), i + 160);
        auto close = curly ? in_.find("\xE2\x80\x9D", i + open) : in_.find('"', i + 1);
        if (close == std::string_view::npos || close >= limit) return i + open;
        const std::size_t end = close + (curly ? 3 : 1);
        token("quote", i, end);
        return end;
    }

    // Slack's own markup: <@U…|name>, <#C…|name>, <!here>, <!subteam^S…|@team>, <http…|text>.
    std::size_t angle(std::size_t i) {
        auto close = in_.find('>', i + 1);
        if (close == std::string_view::npos || close - i > 2048) {
            ascii(i);
            return i + 1;
        }
        std::string_view body = in_.substr(i + 1, close - i - 1);
        std::string_view t;
        if (body.starts_with("@")) t = "@person";
        else if (body.starts_with("#")) t = "#channel";
        else if (body.starts_with("!subteam")) t = "@group";
        else if (body.starts_with("!")) t = "@here";
        else if (body.starts_with("http") || body.starts_with("mailto:")) t = "link";
        if (t.empty() || body.substr(0, body.find('|')).find(' ') != std::string_view::npos) {
            ascii(i);  // a literal '<' in pasted text, not Slack markup
            return i + 1;
        }
        token(t, i, close + 1);
        return close + 1;
    }

    std::size_t entity(std::size_t i) {
        static constexpr std::array<std::pair<std::string_view, char>, 3> entities{{
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}}};
        for (const auto& [name, ch] : entities) {
            if (starts(i, name)) {
                flush_word();
                push(ch, i, i + name.size());
                return i + name.size();
            }
        }
        ascii(i);
        return i + 1;
    }

    // :emoji_name: stays as one token (":clap:" carries sarcasm); times like 10:30 do not match.
    std::size_t emoji(std::size_t i) {
        std::size_t j = i + 1;
        while (j < in_.size() && j - i < 64 &&
               (is_alnum(in_[j]) || in_[j] == '_' || in_[j] == '-' || in_[j] == '+'))
            ++j;
        if (j < in_.size() && in_[j] == ':' && j > i + 1 && is_alpha(in_[i + 1]) &&
            (i == 0 || !is_alnum(in_[i - 1]))) {
            space(i);
            for (std::size_t k = i; k <= j; ++k) push(lower(in_[k]), i, j + 1);
            space(j + 1);
            return j + 1;
        }
        ascii(i);
        return i + 1;
    }

    // Plain "@dave" (pasted text, Markdown documents) reads like a Slack mention.
    std::size_t at_name(std::size_t i) {
        std::size_t j = i + 1;
        while (j < in_.size() && (is_alnum(in_[j]) || in_[j] == '_' || in_[j] == '-' ||
                                  in_[j] == '.'))
            ++j;
        while (j > i + 1 && in_[j - 1] == '.') --j;
        if (j == i + 1) {
            ascii(i);
            return i + 1;
        }
        std::string name;
        for (std::size_t k = i + 1; k < j; ++k) name.push_back(lower(in_[k]));
        bool broadcast = name == "here" || name == "channel" || name == "everyone";
        token(broadcast ? "@here" : "@person", i, j);
        return j;
    }

    bool bare_url(std::size_t i) const {
        // Most words starting with h or w are not URLs ("who", "what", "he"): the second
        // byte settles them before the full comparisons.
        if (i + 1 < in_.size() && lower(in_[i + 1]) != 't' && lower(in_[i + 1]) != 'w')
            return false;
        auto ci_starts = [&](std::string_view p) {
            if (in_.size() - i < p.size()) return false;
            for (std::size_t k = 0; k < p.size(); ++k)
                if (lower(in_[i + k]) != p[k]) return false;
            return true;
        };
        return ci_starts("http://") || ci_starts("https://") || ci_starts("www.");
    }
    std::size_t skip_url(std::size_t i) {
        std::size_t j = i;
        while (j < in_.size() && in_[j] != ' ' && in_[j] != '\n' && in_[j] != '\t' &&
               in_[j] != '>' && in_[j] != ')')
            ++j;
        while (j > i && (in_[j - 1] == '.' || in_[j - 1] == ',')) --j;
        token("link", i, j);
        return j;
    }

    // UTF-8 punctuation people type (or phones insert) that matters to the patterns; curly
    // quotes vanish like ASCII ones, dashes separate clauses.
    std::size_t non_ascii(std::size_t i) {
        struct mapping {
            std::string_view utf8;
            std::string_view to;
        };
        static constexpr std::array<mapping, 9> map{{
            {"\xE2\x80\x99", ""},   {"\xE2\x80\x98", ""},  {"\xE2\x80\x9C", ""},
            {"\xE2\x80\x9D", ""},   {"\xE2\x80\x94", ","},  {"\xE2\x80\x93", ","},
            {"\xF0\x9F\x91\x8F", ":clap:"},  {"\xF0\x9F\x99\x84", ":face_with_rolling_eyes:"},
            {"\xF0\x9F\xA4\xA6", ":facepalm:"},
        }};
        for (const auto& m : map) {
            if (!starts(i, m.utf8)) continue;
            std::size_t e = i + m.utf8.size();
            if (m.to == ",") {
                punct(',', i, e);
            } else if (!m.to.empty()) {
                space(i);
                for (char c : m.to) push(c, i, e);
                space(e);
            }
            return e;
        }
        std::size_t n = 1;
        const auto lead = static_cast<unsigned char>(in_[i]);
        if (lead >= 0xF0) n = 4;
        else if (lead >= 0xE0) n = 3;
        else if (lead >= 0xC0) n = 2;
        n = std::min(n, in_.size() - i);
        if (word_start_ == npos) word_start_ = n_;
        for (std::size_t k = 0; k < n; ++k) push(in_[i + k], i, i + n);
        return i + n;
    }

    void punct(char c, std::size_t b, std::size_t e) {
        flush_word();
        while (n_ > 0 && last() == ' ') pop();
        // "??", "?!?!", "..." read as one mark; a question mark wins.
        if ((is_sentence_punct(last()) && last() != ',' && c != ',') || last() == c) {
            if (c == '?') t_[n_ - 1] = '?';
            e_[n_ - 1] = static_cast<std::uint32_t>(e);
        } else if (n_ == 0) {
            return;
        } else {
            push(c, b, e);
        }
        push(' ', e, e);
    }

    // Any other ASCII byte; letters and digits never get here, words() copies them.
    void ascii(std::size_t i) {
        const char c = in_[i];
        switch (c) {
        case ' ':
        case '\t':
        case '\r':
            space(i);
            return;
        // Contractions lose the apostrophe ("didn't" → "didnt", the word goes on) so one
        // pattern covers both spellings; quote marks around words disappear.
        case '\'':
        case '*':
        case '~':
            return;
        case '_':
            // Emphasis marks sit at word edges; snake_case names keep theirs.
            if (i > 0 && i + 1 < in_.size() && is_alnum(in_[i - 1]) && is_alnum(in_[i + 1]))
                push('_', i, i + 1);
            return;
        case '.':
        case '!':
        case '?':
        case ',':
        case ';':
            punct(c, i, i + 1);
            return;
        default:
            flush_word();
            push(c, i, i + 1);
        }
    }

    // Word-level fixes once a word is complete: stretched letters, then the typo table. It
    // runs for every word, and most need neither fix: the tests that settle that are inline,
    // the fixes are not.
    [[gnu::always_inline]] void flush_word() {
        if (word_start_ == npos) return;
        const std::size_t start = word_start_;
        word_start_ = npos;
        // "whooo" → "who", "soooo" → "so": runs of three or more letters become one.
        bool stretched = false;
        for (std::size_t k = start + 2; k < n_ && !stretched; ++k)
            stretched = t_[k] == t_[k - 1] && t_[k] == t_[k - 2] && is_alpha(t_[k]);
        if (stretched) collapse_runs(start);
        // Words are lower case here, so a first byte outside a-z is no letter.
        const std::size_t len = n_ - start;
        if (len == 0 || len > 12) return;
        const char first = t_[start];
        if (first >= 'a' && first <= 'z' &&
            (typo_index.lengths[typo_key(first, len > 1 ? t_[start + 1] : 0)] >> len & 1))
            fix_typo(start);
    }
    [[gnu::noinline]] void collapse_runs(std::size_t start) {
        std::size_t w = start;
        for (std::size_t r = start; r < n_;) {
            std::size_t run = r + 1;
            while (run < n_ && t_[run] == t_[r]) ++run;
            const bool collapse = run - r >= 3 && is_alpha(t_[r]);
            const std::size_t keep = collapse ? 1 : run - r;
            for (std::size_t k = 0; k < keep; ++k) {
                t_[w] = t_[r + k];
                b_[w] = b_[r + k];
                e_[w] = collapse ? e_[run - 1] : e_[r + k];
                ++w;
            }
            r = run;
        }
        n_ = w;
    }
    [[gnu::noinline]] void fix_typo(std::size_t start) {
        const std::string_view word(t_ + start, n_ - start);
        const std::size_t key = typo_key(word);
        for (std::size_t k = typo_index.begin[key]; k < typo_index.begin[key + 1]; ++k) {
            const typo& ty = typo_index.sorted[k];
            if (ty.from != word) continue;
            const std::uint32_t b = b_[start];
            const std::uint32_t e = e_[n_ - 1];
            n_ = start;
            for (char c : ty.to) push(c, b, e);
            return;
        }
    }

    static constexpr std::size_t npos = std::string_view::npos;
    std::string_view in_;
    normalized_text& out_;
    std::size_t word_start_ = npos;
    char* t_ = nullptr;
    std::uint32_t* b_ = nullptr;
    std::uint32_t* e_ = nullptr;
    std::size_t n_ = 0;
    std::size_t cap_ = 0;
};

}  // namespace

std::size_t detail::normalize_into(std::string_view text, normalized_text& buffers) {
    return normalizer(text, buffers).run();
}

void normalize(std::string_view text, normalized_text& out) {
    const std::size_t n = detail::normalize_into(text, out);
    out.text.resize(n);
    out.source_begin.resize(n);
    out.source_end.resize(n);
}

normalized_text normalize(std::string_view text) {
    normalized_text out;
    normalize(text, out);
    return out;
}

}  // namespace incident_bot

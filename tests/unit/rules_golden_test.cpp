// Differential guard for rule engine speed-ups: the findings (rule, category, span) for every
// corpus line and for thousands of mutated variants must stay exactly what the engine found
// when tests/data/rules_golden.tsv was written. The variants come from a seeded generator
// (markup, case, typos, stretched letters, punctuation, quotes, joined lines), so any change
// in matching, ignores, overlap handling or offsets shows up as a diff naming the message.
// To rewrite the file after an intended change in behaviour, run the test with
// INCIDENT_BOT_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "incident_bot/rules/corpus.hpp"
#include "incident_bot/rules/engine.hpp"

namespace incident_bot {
namespace {

const std::string source_dir = INCIDENT_BOT_SOURCE_DIR;
const std::string golden_path = source_dir + "/tests/data/rules_golden.tsv";

// The original corpus's texts (the lines the rules were written against).
std::vector<std::string> corpus_texts() {
    std::vector<std::string> out;
    for (auto& l : read_corpus({source_dir + "/config/corpus/train/00-original.tsv"}))
        out.push_back(std::move(l.text));
    return out;
}

// xorshift64: the same sequence on every platform, unlike the std distributions.
struct rng {
    std::uint64_t s;
    std::size_t below(std::size_t n) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return n == 0 ? 0 : static_cast<std::size_t>(s % n);
    }
};

// Replaces the word (a run of non-spaces) around a random position.
void replace_word(std::string& t, rng& r, const std::string& with) {
    if (t.empty()) return;
    std::size_t b = r.below(t.size());
    std::size_t e = b;
    while (b > 0 && t[b - 1] != ' ') --b;
    while (e < t.size() && t[e] != ' ') ++e;
    t.replace(b, e - b, with);
}

std::string mutate(std::string t, const std::vector<std::string>& corpus, rng& r) {
    static const char* const inserts[] = {
        ".",
        ",",
        "!",
        "??",
        ";",
        "\n",
        " ",
        "'",
        "*",
        "_",
        "~",
        "`",
        "\"",
        ":",
        "-",
        "&amp;",
        "&lt;",
        "&gt;",
        "\xE2\x80\x99",
        "\xE2\x80\x94",
        "\xF0\x9F\x91\x8F",
        " :clap: ",
        "(",
    };
    static const char* const words[] = {
        "<@U0ANA01|dave>",
        "<@U7H1K2L3M>",
        "@dave",
        "<#C01|incidents>",
        "<!here>",
        "<https://x.y/z|the pr>",
        "https://example.com/a",
        "`make deploy`",
        "\"who broke it\"",
        "he",
        "she",
        "they",
        "someone",
        "whoever",
        "dave",
        "broke",
        "pushed",
        "should have",
        "fault",
        "blame",
        "careless",
        "human error",
        "thanks",
        "who",
        "git blame",
        "not",
    };
    const std::size_t steps = 1 + r.below(3);
    for (std::size_t k = 0; k < steps; ++k) {
        const std::size_t at = r.below(t.size() + 1);
        switch (r.below(9)) {
            case 0:  // case changes
                for (std::size_t i = at; i < t.size() && i < at + 12; ++i)
                    t[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[i])));
                break;
            case 1:
                t.insert(at, inserts[r.below(std::size(inserts))]);
                break;
            case 2:
                replace_word(t, r, words[r.below(std::size(words))]);
                break;
            case 3:  // stretched letter
                if (at < t.size()) t.insert(at, 3, t[at]);
                break;
            case 4:  // typo: drop or swap bytes
                if (at + 1 < t.size()) {
                    if (r.below(2) == 0)
                        t.erase(at, 1);
                    else
                        std::swap(t[at], t[at + 1]);
                }
                break;
            case 5:  // joined with another line
                t += std::string(r.below(2) == 0 ? ". " : "\n") + corpus[r.below(corpus.size())];
                break;
            case 6:
                t.insert(0, r.below(2) == 0 ? "> quoted\n" : "lol ok so ");
                break;
            case 7:  // cut short
                t.resize(at);
                break;
            default:  // emphasis around a word
                replace_word(t, r, "*" + std::string(words[r.below(std::size(words))]) + "*");
        }
    }
    return t;
}

std::vector<std::string> messages() {
    const auto corpus = corpus_texts();
    std::vector<std::string> out = corpus;
    rng r{0x9E3779B97F4A7C15ull};
    for (const auto& text : corpus)
        for (int k = 0; k < 12; ++k) out.push_back(mutate(text, corpus, r));
    // Long multi-line messages: many sentences and candidate spans per scan.
    for (int k = 0; k < 60; ++k) {
        std::string long_text;
        for (int j = 0; j < 12; ++j)
            long_text += corpus[r.below(corpus.size())] + (r.below(2) == 0 ? " " : "\n");
        out.push_back(mutate(long_text, corpus, r));
    }
    return out;
}

// One line per message that has findings: its index, then rule, category, offset and length
// of each finding.
std::string findings_of(const std::vector<std::string>& texts) {
    const rule_set rules = rule_set::load_file(source_dir + "/config/rules.json");
    std::ostringstream out;
    out << "# messages\t" << texts.size() << "\n";
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto found = rules.scan(texts[i]);
        if (found.empty()) continue;
        out << i;
        for (const auto& f : found)
            out << '\t' << f.rule_id << ' ' << f.category << ' ' << f.offset << ' ' << f.length;
        out << '\n';
    }
    return out.str();
}

// The lines of a findings file keyed by message index; the header goes under texts.size().
std::map<std::size_t, std::string> by_message(const std::string& file) {
    std::map<std::size_t, std::string> out;
    std::istringstream lines(file);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.starts_with("# messages\t"))
            out[std::stoul(line.substr(11))] = line;
        else if (!line.empty())
            out[std::stoul(line)] = line;
    }
    return out;
}

TEST(RuleGolden, FindingsMatchRecordedEngine) {
    const auto texts = messages();
    ASSERT_GT(texts.size(), 6000u);
    const std::string actual = findings_of(texts);
    if (std::getenv("INCIDENT_BOT_UPDATE_GOLDEN") != nullptr) {
        std::ofstream(golden_path, std::ios::binary) << actual;
        GTEST_SKIP() << "wrote " << golden_path;
    }
    std::ifstream in(golden_path, std::ios::binary);
    ASSERT_TRUE(in) << golden_path << " missing";
    const auto want = by_message((std::ostringstream() << in.rdbuf()).str());
    const auto got = by_message(actual);
    std::size_t diffs = 0;
    for (std::size_t i = 0; i <= texts.size(); ++i) {
        const auto w = want.find(i);
        const auto g = got.find(i);
        const std::string none = "(no findings)";
        const std::string& ws = w == want.end() ? none : w->second;
        const std::string& gs = g == got.end() ? none : g->second;
        if (ws == gs) continue;
        if (++diffs <= 10)
            ADD_FAILURE() << "message " << i << ": " << (i < texts.size() ? texts[i] : "(header)")
                          << "\n want: " << ws << "\n  got: " << gs;
    }
    EXPECT_EQ(diffs, 0u);
}

}  // namespace
}  // namespace incident_bot

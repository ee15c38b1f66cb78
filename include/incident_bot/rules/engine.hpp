// Blameless-language detector: rules loaded from a JSON file, compiled once into RE2, and
// run over message text after Slack markup is normalised. Pure: text in, findings out; the
// only I/O is reading the rule file.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace incident_bot {

/// Raised when a rule file cannot be used; the message names the file and, where it
/// applies, the rule id, the field and the offending pattern.
struct rules_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The kinds of blaming language a rule may report; a rule's category must be one of them.
inline constexpr std::array<std::string_view, 7> rule_categories{
    "person_attribution",  // "<@U123> broke prod", "this is on dave"
    "whose_fault",         // "who pushed this??"
    "hindsight",           // "he should have checked"
    "character",           // "careless", "sloppy"
    "human_error",         // "human error", "operator error"
    "punishment",          // "someone needs to be held accountable"
    "sarcasm",             // "great job, whoever merged that"
};

/// One rule as written in the rule file (see config/README.md for the format).
struct rule {
    /// Unique, stable name ("who-broke-it"); feedback votes and stats are keyed on it.
    std::string id;
    /// One of `rule_categories`.
    std::string category;
    /// Optional RE2 pattern that must match before `patterns` are tried (a cheap prefilter,
    /// such as the rule's verbs); empty: each pattern is its own prefilter.
    std::string trigger;
    /// RE2 patterns matched against the normalised text; any match is a finding.
    std::vector<std::string> patterns;
    /// RE2 patterns; a match anywhere in the same sentence as a finding suppresses it.
    std::vector<std::string> ignore;
    /// A short, kind explanation of why this phrasing hurts a blameless review.
    std::string why;
    /// Systems-focused rewrites, best first.
    std::vector<std::string> suggestions;
};

/// One place in a message where a rule fired.
struct finding {
    /// The rule that fired and its category.
    std::string rule_id;
    std::string category;
    /// Byte span of the trigger in the original (un-normalised) text.
    std::size_t offset = 0;
    std::size_t length = 0;
    /// The original text of that span, markup included.
    std::string matched;
    /// The rule's explanation and its first suggestion.
    std::string why;
    std::string suggestion;
};

/// Message text as the patterns see it, with a map back to the original bytes.
struct normalized_text {
    /// Lower-case ASCII; mentions become "@person", channels "#channel", user groups
    /// "@group", @here/@channel "@here", links and URLs "link", code spans "code",
    /// "double-quoted" words "quote"; quoted lines and code blocks are dropped; emphasis
    /// marks and apostrophes are removed, punctuation runs and stretched letters collapsed
    /// and common typos fixed.
    std::string text;
    /// For each byte of `text`, the original byte range [begin, end) it came from.
    std::vector<std::uint32_t> source_begin;
    std::vector<std::uint32_t> source_end;
};

/// Normalises Slack message text (mrkdwn, with Slack's &amp;/&lt;/&gt; escapes) into `out`,
/// reusing its buffers.
void normalize(std::string_view text, normalized_text& out);

/// Convenience overload returning a fresh normalized_text.
normalized_text normalize(std::string_view text);

/// A compiled, immutable rule file. Copies share the compiled patterns; scanning is
/// thread-safe.
class rule_set {
public:
    /// Parses and compiles a rule file's JSON text. `source` names it in error messages.
    /// Throws rules_error naming the bad rule, field or pattern.
    static rule_set parse(std::string_view json, std::string_view source);

    /// Reads and parses the rule file at `path`; throws rules_error (also when unreadable).
    static rule_set load_file(const std::string& path);

    /// The rule file compiled into the binary (config/rules.json at build time).
    static rule_set load_default();

    /// All findings in `text`, ordered by offset; overlapping findings keep the rule that
    /// comes first in the file.
    std::vector<finding> scan(std::string_view text) const;

    /// True when `scan(text)` would return at least one finding.
    bool flags(std::string_view text) const;

    /// The rules in file order.
    const std::vector<rule>& rules() const;

    /// The team-wide ignore patterns (top-level "ignore" of the file).
    const std::vector<std::string>& ignore() const;

private:
    struct impl;
    explicit rule_set(std::shared_ptr<const impl> p);
    std::shared_ptr<const impl> impl_;
};

/// The text of config/rules.json as it was at build time.
std::string_view default_rules_json();

/// A finding located in a multi-line document: 1-based line and column (in characters).
struct document_finding {
    /// The finding; its offset is into the whole document.
    finding hit;
    std::size_t line = 0;
    std::size_t column = 0;
};

/// Scans a Markdown document (a post-mortem, a README): fenced code blocks and inline code
/// are skipped, soft-wrapped lines of a paragraph are read as one sentence.
std::vector<document_finding> scan_document(const rule_set& rules, std::string_view text);

}  // namespace incident_bot

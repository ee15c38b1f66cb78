// The labeled corpus the nudge model learns from and is measured on (config/corpus/): TSV
// files of `label<TAB>kind<TAB>text`, one writing batch per file (config/corpus/LABELING.md).
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace incident_bot {

/// Raised for an unreadable corpus file or a malformed line; the message names file:line.
struct corpus_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// The kinds of fine message the guide names; `none` is the kind of old unsorted lines.
inline constexpr std::array<std::string_view, 13> ok_kinds{
    "status",         "system_cause", "self_report", "system_question", "fact_question",
    "logistics",      "action_item",  "quoted",      "blameless",       "praise",
    "hindsight_system", "chatter",    "none",
};

/// One labeled message.
struct labeled_line {
    /// True for `blame`, false for `ok`.
    bool blame = false;
    /// A blame category (rule_categories) or one of ok_kinds.
    std::string kind;
    /// Raw Slack text, `\n` escapes turned into line breaks.
    std::string text;
    /// "file:line", for reports.
    std::string source;
};

/// Reads corpus files; a directory stands for its `*.tsv` files in name order. Throws
/// corpus_error naming the file and line of the first bad entry.
std::vector<labeled_line> read_corpus(const std::vector<std::string>& paths);

/// Parses one file's text (`name` is used in errors and `source`), appending to `out`.
void parse_corpus(std::string_view text, std::string_view name, std::vector<labeled_line>& out);

/// Hex SHA-256 of the lines in order (label, kind and text): the identity of a training set,
/// recorded beside a model so a test can tell which corpus the model came from.
std::string corpus_digest(const std::vector<labeled_line>& lines);

/// Hex SHA-256 of bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace incident_bot

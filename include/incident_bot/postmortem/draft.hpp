// Blameless post-mortem drafts: generated from the store as Markdown, checked with the
// blameless-language detector, stored as versions, and split into Slack Block Kit messages.
// Pure apart from the store reads (and the write in `save_draft`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/rules/engine.hpp"
#include "incident_bot/store/store.hpp"

namespace incident_bot {

/// The section headings of a draft, in document order.
inline constexpr std::string_view draft_headings[] = {"Summary",
                                                      "Impact",
                                                      "Timeline",
                                                      "Contributing factors",
                                                      "What went well",
                                                      "What was hard",
                                                      "What we learned",
                                                      "Action items",
                                                      "Metrics",
                                                      "Related incidents"};

/// How a draft is written.
struct draft_options {
    /// Write roles ("the commander", "a responder") instead of Slack mentions of people.
    bool replace_names_with_roles = false;
    /// Longest quote of one timeline entry, in bytes; longer ones end in "…".
    std::size_t max_entry_chars = 280;
    /// Most key events listed in the timeline; the rest are condensed like chatter.
    std::size_t max_timeline_events = 200;
    /// Most related incidents listed.
    std::size_t max_related = 5;
};

/// One blameless-language finding in a draft, for the review checklist.
struct review_item {
    /// 1-based line of the draft body where the phrase is.
    std::size_t line = 0;
    /// The rule that fired and its category.
    std::string rule_id;
    std::string category;
    /// The phrase as written in the draft.
    std::string matched;
    /// The rule's suggested rewrite.
    std::string suggestion;
};

/// A generated draft.
struct postmortem_draft {
    /// Incident it describes.
    std::int64_t incident_id = 0;
    /// Stored version; 0 until saved.
    int version = 0;
    /// The whole document: the ten sections, then the review checklist when it has items.
    std::string markdown;
    /// Findings of the blameless detector in the sections (empty without a rule set).
    std::vector<review_item> review;
};

/// The blameless check over a Markdown document (code skipped), as review items.
std::vector<review_item> review_document(const rule_set& rules, std::string_view markdown);

/// The blameless check over the messages people wrote in an incident's timeline (bots,
/// notes and the bot's own entries left out), in ts order, with what an import stored for
/// the incident (store::imported_findings) merged in; empty for an unknown id.
std::vector<message_finding> review_messages(store& s,
                                             std::int64_t incident_id,
                                             const rule_set& rules);

/// Writes the draft of an incident from its store rows; nullopt for an unknown id. `rules`
/// may be null (no review checklist).
std::optional<postmortem_draft> generate_draft(store& s,
                                               std::int64_t incident_id,
                                               const rule_set* rules,
                                               const draft_options& options = {});

/// Generates a draft and saves it as the incident's next version (in one transaction with
/// the reads); nullopt for an unknown id.
std::optional<postmortem_draft> save_draft(store& s,
                                           std::int64_t incident_id,
                                           const rule_set* rules,
                                           const draft_options& options = {});

/// Slack's message limits the splitter keeps to (protocol §12).
struct block_kit_limits {
    /// Characters of one section block's text.
    std::size_t section_chars = 3000;
    /// Characters of one header block's text.
    std::size_t header_chars = 150;
    /// Blocks in one message.
    std::size_t blocks_per_message = 50;
    /// Characters of the plain `text` fallback.
    std::size_t fallback_chars = 4000;
    /// Characters of block text in one message (our own bound, well below Slack's 40,000
    /// so that msg_blocks_too_long never happens).
    std::size_t message_chars = 12'000;
};

/// Splits a Markdown document into chat.postMessage argument objects for `channel`: headings
/// become header blocks, everything else mrkdwn sections, each message within `limits` and
/// with a plain `text` fallback that starts with `title` and the part number.
std::vector<nlohmann::json> to_block_kit_messages(std::string_view markdown,
                                                  std::string_view channel,
                                                  std::string_view title,
                                                  const block_kit_limits& limits = {});

}  // namespace incident_bot

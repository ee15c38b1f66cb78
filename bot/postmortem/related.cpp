#include "incident_bot/postmortem/related.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "incident_bot/postmortem/format.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

namespace {

// A match on one shared word is often chance ("checkout" is in half the incidents).
constexpr std::size_t k_strong_shared_words = 2;

}  // namespace

std::vector<std::string> distinctive_words(std::string_view text, std::size_t max) {
    static const std::set<std::string, std::less<>> common = {
        "about", "after",   "again",    "all",   "also",   "and",    "are",   "because",
        "been",  "before",  "being",    "but",   "can",    "cannot", "could", "did",
        "does",  "down",    "during",   "error", "errors", "for",    "from",  "had",
        "has",   "have",    "incident", "into",  "issue",  "its",    "more",  "not",
        "now",   "our",     "out",      "over",  "some",   "still",  "than",  "that",
        "the",   "their",   "them",     "then",  "there",  "these",  "they",  "this",
        "those", "through", "under",    "very",  "was",    "were",   "what",  "when",
        "where", "which",   "while",    "with",  "would",  "your"};
    std::vector<std::string> words;
    std::string w;
    const auto flush = [&] {
        if (w.size() >= 4 && !common.contains(w) &&
            std::find(words.begin(), words.end(), w) == words.end())
            words.push_back(w);
        w.clear();
    };
    for (char c : text) {
        if (std::isalpha(static_cast<unsigned char>(c)))
            w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        else
            flush();
    }
    flush();
    if (words.size() > max) words.resize(max);
    return words;
}

std::vector<related_incident> find_related(store& s,
                                           const std::vector<std::string>& words,
                                           std::int64_t self,
                                           std::string_view channel,
                                           std::size_t max) {
    // One search per word: the store ANDs words, and related incidents rarely share all.
    std::map<std::int64_t, related_incident> hits;
    for (const auto& w : words)
        for (auto& other : s.search(w, 20))
            if (other.id != self && other.visible_in(channel)) {
                auto& slot = hits.try_emplace(other.id, related_incident{other, {}}).first->second;
                slot.shared.push_back(w);
            }
    std::vector<related_incident> ranked;
    for (auto& [id, hit] : hits) ranked.push_back(std::move(hit));
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
        if (a.shared.size() != b.shared.size()) return a.shared.size() > b.shared.size();
        return a.inc.id > b.inc.id;
    });
    if (ranked.size() > max) ranked.resize(max);
    return ranked;
}

std::string related_line(const related_incident& r) {
    std::string line = "#" + std::to_string(r.inc.id) + " " + detail::one_line(r.inc.title) + " (" +
                       detail::format_day(std::chrono::floor<std::chrono::days>(r.inc.declared_at)) +
                       ", SEV" + std::to_string(r.inc.severity) + ") — shares: ";
    for (std::size_t i = 0; i < r.shared.size(); ++i) line += (i ? ", " : "") + r.shared[i];
    return line;
}

std::optional<std::string> possibly_related_post(store& s,
                                                 std::string_view text,
                                                 std::int64_t self,
                                                 std::string_view channel) {
    auto related = find_related(s, distinctive_words(text), self, channel, k_possibly_related_listed);
    std::erase_if(related, [](const auto& r) { return r.shared.size() < k_strong_shared_words; });
    if (related.empty()) return std::nullopt;
    std::string post = ":mag_right: *Possibly related past incidents*\n";
    for (const auto& r : related) {
        post += "• " + related_line(r);
        if (!r.inc.channel.starts_with("pending:")) post += " · <#" + r.inc.channel + ">";
        post += "\n";
    }
    // Titles are people's words: a broadcast in one must not notify this channel.
    return detail::quiet_mentions(post);
}

}  // namespace incident_bot

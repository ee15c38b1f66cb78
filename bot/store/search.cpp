// Full-text search over timelines, drafts and incident fields (FTS5).
#include <algorithm>
#include <cctype>
#include <limits>

#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
// Best rank of each incident over the three indexes; bm25 is lower for better matches.
#define SEARCH_HITS                                                             \
    "WITH hits (incident_id, score) AS ("                                       \
    " SELECT t.incident_id, bm25(timeline_fts) FROM timeline_fts"               \
    " JOIN timeline t ON t.id = timeline_fts.rowid WHERE timeline_fts MATCH ?1" \
    " UNION ALL SELECT d.incident_id, bm25(drafts_fts) FROM drafts_fts"         \
    " JOIN drafts d ON d.id = drafts_fts.rowid WHERE drafts_fts MATCH ?1"       \
    " UNION ALL SELECT rowid, bm25(incidents_fts) FROM incidents_fts WHERE incidents_fts MATCH ?1"
#define SEARCH_RANK                                                           \
    ") SELECT " INCIDENT_COLUMNS                                              \
    " FROM incidents JOIN (SELECT incident_id, MIN(score) AS score FROM hits" \
    " GROUP BY incident_id) h ON h.incident_id = incidents.id ORDER BY h.score, id LIMIT ?2"
constexpr const char* search = SEARCH_HITS SEARCH_RANK;
// A read-only store cannot index the entries the writer has not indexed yet, so it copies
// them into an index of its own in the temp database (which a read-only connection may
// write) before each search, and matches that too.
constexpr const char* create_pending_index =
    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pending_fts USING fts5 (text, tokenize = 'porter "
    "unicode61')";
constexpr const char* clear_pending_index = "DELETE FROM temp.pending_fts";
constexpr const char* copy_pending =
    "INSERT INTO temp.pending_fts (rowid, text) SELECT id, text FROM timeline WHERE id > "
    "(SELECT timeline_upto FROM fts_progress) AND text IS NOT NULL";
constexpr const char* search_with_pending = SEARCH_HITS
    " UNION ALL SELECT t.incident_id, bm25(pending_fts) FROM pending_fts"
    " JOIN timeline t ON t.id = pending_fts.rowid WHERE pending_fts MATCH ?1" SEARCH_RANK;
}  // namespace sql

// Turns free text into an FTS5 query: every word quoted (so FTS syntax in user input is
// inert) with a prefix star, all required.
std::string fts_query(std::string_view words) {
    std::string out, word;
    auto flush = [&] {
        if (word.empty()) return;
        if (!out.empty()) out += ' ';
        out += '"' + word + "\"*";
        word.clear();
    };
    for (char c : words) {
        const auto u = static_cast<unsigned char>(c);
        // Bytes >= 0x80 are UTF-8 letters as far as the unicode61 tokenizer is concerned.
        if (std::isalnum(u) || u >= 0x80)
            word += c;
        else
            flush();
    }
    flush();
    return out;
}

}  // namespace

std::size_t store::index_pending(std::size_t max_entries) {
    transaction tx(*this);
    const auto indexed = impl_->index_pending(static_cast<std::int64_t>(
        std::min<std::size_t>(max_entries, std::numeric_limits<std::int64_t>::max())));
    tx.commit();
    return static_cast<std::size_t>(indexed);
}

std::vector<incident> store::search(std::string_view words, std::size_t limit) {
    const std::string query = fts_query(words);
    if (query.empty()) return {};
    // Every committed entry is found, however far the index lags (see impl::index_pending).
    // A reader's copy is taken before the search, so an entry the writer indexes in between
    // is matched twice, which the ranking folds into one hit, and none is missed.
    if (impl_->read_only) {
        for (const char* text :
             {sql::create_pending_index, sql::clear_pending_index, sql::copy_pending})
            run(*impl_, text);
    } else {
        index_pending(std::numeric_limits<std::size_t>::max());
    }
    use s(*impl_, impl_->read_only ? sql::search_with_pending : sql::search);
    s->bind(1, query);
    s->bind(2, static_cast<std::int64_t>(limit));
    std::vector<incident> out;
    while (s->executeStep()) out.push_back(read_incident(*s));
    return out;
}

}  // namespace incident_bot

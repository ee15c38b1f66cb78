// Full-text search over timelines, drafts and incident fields (FTS5).
#include <algorithm>
#include <cctype>
#include <iterator>
#include <limits>

#include "store/store_impl.hpp"

namespace incident_bot {

using namespace detail;

namespace {

namespace sql {
// Most timeline matches ranked per search, newest first. bm25 reads and tokenizes each
// matched row (the index keeps no row sizes, schema version 5), ~5 us a row: a word in a
// tenth of a million messages took 230 ms to rank. Bounded, searches over 1,000 incidents x
// 1,000 messages stay under 50 ms at p99 (bench_search); a word that common ranks its most
// recent matches, and every word more of a search narrows the matches before the bound.
constexpr std::int64_t k_max_timeline_matches = 2'000;

// Every matching row of the four indexes with its source (0 timeline, 1 draft, 2 incident
// fields, 3 learning, 4 a reader's pending timeline copy) and row id, for the snippet.
#define SEARCH_HITS                                                                       \
    "WITH hits (incident_id, score, src, row) AS ("                                       \
    " SELECT t.incident_id, m.score, 0, t.id FROM (SELECT rowid AS id,"                   \
    " bm25(timeline_fts) AS score FROM timeline_fts WHERE timeline_fts MATCH ?1"          \
    " ORDER BY rowid DESC LIMIT ?4) m JOIN timeline t ON t.id = m.id"                     \
    " UNION ALL SELECT d.incident_id, bm25(drafts_fts), 1, d.id FROM drafts_fts"          \
    " JOIN drafts d ON d.id = drafts_fts.rowid WHERE drafts_fts MATCH ?1"                 \
    " UNION ALL SELECT rowid, bm25(incidents_fts), 2, rowid FROM incidents_fts"           \
    " WHERE incidents_fts MATCH ?1"                                                       \
    " UNION ALL SELECT l.incident_id, bm25(learnings_fts), 3, l.id FROM learnings_fts"    \
    " JOIN learnings l ON l.id = learnings_fts.rowid WHERE learnings_fts MATCH ?1"
// Best rank of each incident (bm25 is lower for better matches); with MIN(), SQLite takes
// the bare columns src and row from that best row (https://sqlite.org/lang_select.html,
// "bare columns in an aggregate query").
#define SEARCH_RANK                                                                       \
    ") SELECT " INCIDENT_COLUMNS ", h.score, h.src, h.row"                                \
    " FROM incidents JOIN (SELECT incident_id, MIN(score) AS score, src, row FROM hits"   \
    " GROUP BY incident_id) h ON h.incident_id = incidents.id"                            \
    " WHERE (?2 IS NULL OR declared_at >= ?2) AND (?3 IS NULL OR severity = ?3)"          \
    " ORDER BY h.score, id"
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
    " UNION ALL SELECT t.incident_id, bm25(pending_fts), 4, t.id FROM pending_fts"
    " JOIN timeline t ON t.id = pending_fts.rowid WHERE pending_fts MATCH ?1" SEARCH_RANK;
// The snippet of the one best row, by source: computed for the results only, since
// snippet() reads and tokenizes the row's text.
#define SNIPPET_ARGS "0, ?2, ?3, '…', 12)"
constexpr const char* snippets[] = {
    "SELECT snippet(timeline_fts, " SNIPPET_ARGS ", t.ts FROM timeline_fts JOIN timeline t"
    " ON t.id = timeline_fts.rowid WHERE timeline_fts MATCH ?1 AND timeline_fts.rowid = ?4",
    "SELECT snippet(drafts_fts, " SNIPPET_ARGS ", NULL FROM drafts_fts"
    " WHERE drafts_fts MATCH ?1 AND rowid = ?4",
    "SELECT snippet(incidents_fts, -1, ?2, ?3, '…', 12), NULL FROM incidents_fts"
    " WHERE incidents_fts MATCH ?1 AND rowid = ?4",
    "SELECT snippet(learnings_fts, " SNIPPET_ARGS ", NULL FROM learnings_fts"
    " WHERE learnings_fts MATCH ?1 AND rowid = ?4",
    "SELECT snippet(pending_fts, " SNIPPET_ARGS ", t.ts FROM pending_fts JOIN timeline t"
    " ON t.id = pending_fts.rowid WHERE pending_fts MATCH ?1 AND pending_fts.rowid = ?4"};
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
    search_filter f;
    f.limit = limit;
    std::vector<incident> out;
    for (auto& hit : search_hits(words, f)) out.push_back(std::move(hit.inc));
    return out;
}

std::vector<search_hit> store::search_hits(std::string_view words, const search_filter& f) {
    const std::string query = fts_query(words);
    if (query.empty() || f.limit == 0) return {};
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
    struct best {
        std::size_t src;
        std::int64_t row;
    };
    std::vector<search_hit> out;
    std::vector<best> rows;
    {
        use s(*impl_, impl_->read_only ? sql::search_with_pending : sql::search);
        s->bind(1, query);
        if (f.since) s->bind(2, to_db(*f.since));
        if (f.severity) s->bind(3, *f.severity);
        s->bind(4, sql::k_max_timeline_matches);
        // Visibility is decided by incident::visible_in, so it filters here, not in SQL.
        while (out.size() < f.limit && s->executeStep()) {
            auto inc = read_incident(*s);
            if (f.visible_in && !inc.visible_in(*f.visible_in)) continue;
            constexpr int score_col = 16;  // after the INCIDENT_COLUMNS
            out.push_back({std::move(inc), -s->getColumn(score_col).getDouble(), {}, {}});
            rows.push_back({static_cast<std::size_t>(s->getColumn(score_col + 1).getInt()),
                            s->getColumn(score_col + 2).getInt64()});
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (rows[i].src >= std::size(sql::snippets)) continue;
        use s(*impl_, sql::snippets[rows[i].src]);
        s->bind(1, query);
        s->bind(2, f.mark_open);
        s->bind(3, f.mark_close);
        s->bind(4, rows[i].row);
        if (!s->executeStep()) continue;
        out[i].snippet = s->getColumn(0).getString();
        out[i].ts = opt_text(s->getColumn(1));
    }
    return out;
}

}  // namespace incident_bot

#include "store/schema.hpp"

namespace incident_bot::detail {

namespace {

// Version 1: the relational core. Times are Unix seconds, ts values are canonical Slack ts
// text (10.6 digits), so text order is time order.
constexpr const char* k_v1 = R"sql(
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    severity      INTEGER NOT NULL CHECK (severity BETWEEN 1 AND 5),
    status        TEXT    NOT NULL
                  CHECK (status IN ('investigating', 'identified', 'mitigated', 'resolved')),
    channel       TEXT    NOT NULL,
    declared_at   INTEGER NOT NULL,
    identified_at INTEGER,
    mitigated_at  INTEGER,
    resolved_at   INTEGER,
    summary       TEXT,
    impact        TEXT,
    commander     TEXT,
    comms         TEXT,
    scribe        TEXT
) STRICT;
-- At most one open incident per channel: the ingest path relies on it.
CREATE UNIQUE INDEX incidents_open_channel ON incidents (channel) WHERE status <> 'resolved';
CREATE INDEX incidents_channel ON incidents (channel);

CREATE TABLE timeline (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    thread_ts   TEXT,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('message', 'edit', 'delete', 'pin',
                        'reaction', 'note', 'status', 'command', 'bot', 'join')),
    user_id     TEXT,
    text        TEXT,
    key_event   INTEGER NOT NULL DEFAULT 0,
    pinned      INTEGER NOT NULL DEFAULT 0,
    stage       TEXT    CHECK (stage IN ('detection', 'diagnosis', 'repair')),
    edited      INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    permalink   TEXT
) STRICT;
-- A Slack message appears once per incident; entries the bot makes itself may share a ts.
CREATE UNIQUE INDEX timeline_message ON timeline (incident_id, ts)
    WHERE source NOT IN ('note', 'status', 'command');
CREATE INDEX timeline_order ON timeline (incident_id, ts);

CREATE TABLE entry_edits (
    id        INTEGER PRIMARY KEY,
    entry_id  INTEGER NOT NULL REFERENCES timeline (id) ON DELETE CASCADE,
    edited_ts TEXT    NOT NULL,
    editor    TEXT,
    old_text  TEXT    NOT NULL
) STRICT;
CREATE INDEX entry_edits_entry ON entry_edits (entry_id);

-- Marking reactions only (key event and stages), one row per user and emoji, so removing
-- one person's reaction keeps another person's mark.
CREATE TABLE entry_reactions (
    id        INTEGER PRIMARY KEY,
    entry_id  INTEGER NOT NULL REFERENCES timeline (id) ON DELETE CASCADE,
    user_id   TEXT    NOT NULL,
    reaction  TEXT    NOT NULL,
    key_event INTEGER NOT NULL,
    stage     TEXT    CHECK (stage IN ('detection', 'diagnosis', 'repair')),
    UNIQUE (entry_id, user_id, reaction)
) STRICT;

CREATE TABLE action_items (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    text        TEXT    NOT NULL,
    owner       TEXT,
    due         TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('open', 'done')),
    created_at  INTEGER NOT NULL,
    done_at     INTEGER
) STRICT;
CREATE INDEX action_items_incident ON action_items (incident_id);

CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    version     INTEGER NOT NULL,
    markdown    TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (incident_id, version)
) STRICT;

CREATE TABLE users (
    id           TEXT    PRIMARY KEY,
    display_name TEXT    NOT NULL,
    is_bot       INTEGER NOT NULL,
    fetched_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE processed_events (
    event_id     TEXT    PRIMARY KEY,
    processed_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX processed_events_time ON processed_events (processed_at);

-- Counts and categories only: the message that triggered a nudge is never stored.
CREATE TABLE nudges (
    id         INTEGER PRIMARY KEY,
    user_id    TEXT    NOT NULL,
    category   TEXT    NOT NULL,
    rule_id    TEXT    NOT NULL,
    channel    TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX nudges_user ON nudges (user_id, created_at);

CREATE TABLE nudge_votes (
    rule_id     TEXT    PRIMARY KEY,
    helpful     INTEGER NOT NULL DEFAULT 0,
    not_helpful INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
)sql";

// Version 2: full-text search. External-content FTS5 tables; the 'delete' commands need the
// old text, which the triggers have, so deleted or edited text leaves the index.
// New timeline rows are indexed in bulk after their commit (rows above
// fts_progress.timeline_upto; store.cpp, impl::index_pending): SQLite 3.40's FTS5 flushes
// its pending terms to a new segment at every statement, which made a per-row insert
// trigger cost ~50 us per message. Edits and deletions of rows already indexed go through
// the trigger; rows not yet indexed are picked up with their final text.
constexpr const char* k_v2 = R"sql(
CREATE VIRTUAL TABLE timeline_fts USING fts5 (
    text, content = 'timeline', content_rowid = 'id', tokenize = 'porter unicode61');
CREATE TABLE fts_progress (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    timeline_upto INTEGER NOT NULL
) STRICT;
INSERT INTO timeline_fts (timeline_fts) VALUES ('rebuild');
INSERT INTO fts_progress (id, timeline_upto) SELECT 1, COALESCE(MAX(id), 0) FROM timeline;
-- One trigger, delete before insert: FTS5 doclists must never hold a rowid twice.
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline
    WHEN old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline
    WHEN old.text IS NOT NULL AND old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE VIRTUAL TABLE drafts_fts USING fts5 (
    markdown, content = 'drafts', content_rowid = 'id', tokenize = 'porter unicode61');
CREATE TRIGGER drafts_fts_insert AFTER INSERT ON drafts BEGIN
    INSERT INTO drafts_fts (rowid, markdown) VALUES (new.id, new.markdown);
END;
CREATE TRIGGER drafts_fts_delete AFTER DELETE ON drafts BEGIN
    INSERT INTO drafts_fts (drafts_fts, rowid, markdown) VALUES ('delete', old.id, old.markdown);
END;
INSERT INTO drafts_fts (drafts_fts) VALUES ('rebuild');

CREATE VIRTUAL TABLE incidents_fts USING fts5 (
    title, summary, impact, content = 'incidents', content_rowid = 'id',
    tokenize = 'porter unicode61');
CREATE TRIGGER incidents_fts_insert AFTER INSERT ON incidents BEGIN
    INSERT INTO incidents_fts (rowid, title, summary, impact)
    VALUES (new.id, new.title, new.summary, new.impact);
END;
CREATE TRIGGER incidents_fts_update AFTER UPDATE OF title, summary, impact ON incidents BEGIN
    INSERT INTO incidents_fts (incidents_fts, rowid, title, summary, impact)
    VALUES ('delete', old.id, old.title, old.summary, old.impact);
    INSERT INTO incidents_fts (rowid, title, summary, impact)
    VALUES (new.id, new.title, new.summary, new.impact);
END;
INSERT INTO incidents_fts (incidents_fts) VALUES ('rebuild');
)sql";

// Version 3: per-user opt-out of blameless-language nudges (`/incident nudges off`).
constexpr const char* k_v3 = R"sql(
CREATE TABLE nudge_opt_outs (
    user_id    TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql";

// Version 4: the timeline without IN lists in its CHECK constraints and unique-index
// predicate. SQLite 3.40 evaluates `x IN (a, b, c)` (three or more values) through an
// ephemeral table that it builds on every execution of a statement; the insert of one
// message built six of them, about half of the ingest CPU. Comparisons chained with OR/AND
// accept exactly the same rows. A CHECK cannot be altered, so the table is rebuilt
// (https://sqlite.org/lang_altertable.html#otheralter), keeping every id, so the search
// index, edits and reactions still line up; foreign keys are off while migrating.
constexpr const char* k_v4 = R"sql(
CREATE TABLE timeline_v4 (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    thread_ts   TEXT,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source = 'message' OR source = 'edit' OR
                        source = 'delete' OR source = 'pin' OR source = 'reaction' OR
                        source = 'note' OR source = 'status' OR source = 'command' OR
                        source = 'bot' OR source = 'join'),
    user_id     TEXT,
    text        TEXT,
    key_event   INTEGER NOT NULL DEFAULT 0,
    pinned      INTEGER NOT NULL DEFAULT 0,
    stage       TEXT    CHECK (stage = 'detection' OR stage = 'diagnosis' OR stage = 'repair'),
    edited      INTEGER NOT NULL DEFAULT 0,
    deleted     INTEGER NOT NULL DEFAULT 0,
    permalink   TEXT
) STRICT;
INSERT INTO timeline_v4 (id, incident_id, ts, thread_ts, kind, source, user_id, text,
                         key_event, pinned, stage, edited, deleted, permalink)
SELECT id, incident_id, ts, thread_ts, kind, source, user_id, text, key_event, pinned, stage,
       edited, deleted, permalink FROM timeline;
DROP TABLE timeline;
ALTER TABLE timeline_v4 RENAME TO timeline;
-- Statements that use this index spell the predicate the same way (store.cpp).
CREATE UNIQUE INDEX timeline_message ON timeline (incident_id, ts)
    WHERE source <> 'note' AND source <> 'status' AND source <> 'command';
CREATE INDEX timeline_order ON timeline (incident_id, ts);
-- The version 2 triggers went with the old table.
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline
    WHEN old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline
    WHEN old.text IS NOT NULL AND old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
)sql";

// Version 5: a faster timeline to read and write (issue 3).
// - The five mark columns (key_event, pinned, stage, edited, deleted) become one `flags`
//   integer; store.cpp names the bits (entry_flag). Stepping a row costs SQLite per column,
//   and reading 100,000 entries spent most of its time there.
// - The search index keeps no per-row token counts (columnsize=0), which saved a b-tree
//   insert per row at commit; bm25 tokenizes the matched rows instead, with the same ranks
//   (https://sqlite.org/fts5.html#the_columnsize_option). It merges segments 8 at a time
//   instead of 4 (https://sqlite.org/fts5.html#the_automerge_configuration_option).
// Together about a third less CPU to index a message at commit (callgrind, 1,000-row
// batches). Rebuilt as in version 4, keeping every id.
constexpr const char* k_v5 = R"sql(
CREATE TABLE timeline_v5 (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    thread_ts   TEXT,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source = 'message' OR source = 'edit' OR
                        source = 'delete' OR source = 'pin' OR source = 'reaction' OR
                        source = 'note' OR source = 'status' OR source = 'command' OR
                        source = 'bot' OR source = 'join'),
    user_id     TEXT,
    text        TEXT,
    -- 1 key event, 2 pinned, 4 edited, 8 deleted; 16 * stage (1 detection, 2 diagnosis,
    -- 3 repair).
    flags       INTEGER NOT NULL DEFAULT 0 CHECK (flags >= 0 AND flags < 64),
    permalink   TEXT
) STRICT;
INSERT INTO timeline_v5 (id, incident_id, ts, thread_ts, kind, source, user_id, text, flags,
                         permalink)
SELECT id, incident_id, ts, thread_ts, kind, source, user_id, text,
       (key_event <> 0) + 2 * (pinned <> 0) + 4 * (edited <> 0) + 8 * (deleted <> 0) +
       CASE stage WHEN 'detection' THEN 16 WHEN 'diagnosis' THEN 32 WHEN 'repair' THEN 48
                  ELSE 0 END,
       permalink FROM timeline;
DROP TABLE timeline;
ALTER TABLE timeline_v5 RENAME TO timeline;
CREATE UNIQUE INDEX timeline_message ON timeline (incident_id, ts)
    WHERE source <> 'note' AND source <> 'status' AND source <> 'command';
CREATE INDEX timeline_order ON timeline (incident_id, ts);

DROP TABLE timeline_fts;
CREATE VIRTUAL TABLE timeline_fts USING fts5 (
    text, content = 'timeline', content_rowid = 'id', tokenize = 'porter unicode61',
    columnsize = 0);
INSERT INTO timeline_fts (timeline_fts, rank) VALUES ('automerge', 8);
INSERT INTO timeline_fts (timeline_fts) VALUES ('rebuild');
UPDATE fts_progress SET timeline_upto = (SELECT COALESCE(MAX(id), 0) FROM timeline);
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline
    WHEN old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline
    WHEN old.text IS NOT NULL AND old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
)sql";

// Version 6: processed event ids kept in arrival order (issue 3). A rowid table appends
// each id at its end, and pruning deletes from the front: the arrival order is time order
// while the clock does not step back, so no index on processed_at is needed. Recording an
// event was two inserts at random places (the id key and the time index, whose ties are
// ordered by id); now it is one of those and an append: 4% fewer instructions per ingested
// message (callgrind).
constexpr const char* k_v6 = R"sql(
CREATE TABLE processed_events_v6 (
    id           INTEGER PRIMARY KEY,
    event_id     TEXT    NOT NULL,
    processed_at INTEGER NOT NULL
) STRICT;
INSERT INTO processed_events_v6 (event_id, processed_at)
SELECT event_id, processed_at FROM processed_events ORDER BY processed_at, event_id;
DROP TABLE processed_events;
ALTER TABLE processed_events_v6 RENAME TO processed_events;
CREATE UNIQUE INDEX processed_events_event ON processed_events (event_id);
)sql";

// Version 7: the timeline stored once, in the order it is read (issue 3). A WITHOUT ROWID
// table keyed by (incident_id, ts, slot) keeps an incident's entries side by side in
// timeline order, so reading a timeline is one range scan of the table itself, with no index
// probe and table lookup per entry. `slot` is 0 for entries from Slack, so the key itself
// holds one Slack message per ts and the partial unique index (version 4) is gone; the bot's
// own entries (note, status, command) take their id as slot, so they never collide and
// follow the Slack message at an equal ts in the order they were added. The unique index on
// id serves lookups by id, the foreign keys of entry_edits and entry_reactions and the
// search index's content_rowid; ids are kept, so the search index is not rebuilt. The store
// allocates ids (store.cpp, impl::next_entry_id). Against a covering index on the rowid
// table (the other way to read a timeline from one b-tree), an ingested message writes two
// b-trees instead of three and stores its text once: 28% fewer WAL bytes per event and about
// the same instructions (-1%: indexing new rows for search at commit now reaches each one
// through the id index), and a 100,000-entry read is 4% cheaper.
// (https://sqlite.org/withoutrowid.html)
constexpr const char* k_v7 = R"sql(
CREATE TABLE timeline_v7 (
    id          INTEGER NOT NULL,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot = CASE WHEN source = 'note' OR
                        source = 'status' OR source = 'command' THEN id ELSE 0 END),
    thread_ts   TEXT,
    kind        TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source = 'message' OR source = 'edit' OR
                        source = 'delete' OR source = 'pin' OR source = 'reaction' OR
                        source = 'note' OR source = 'status' OR source = 'command' OR
                        source = 'bot' OR source = 'join'),
    user_id     TEXT,
    text        TEXT,
    flags       INTEGER NOT NULL DEFAULT 0 CHECK (flags >= 0 AND flags < 64),
    permalink   TEXT,
    PRIMARY KEY (incident_id, ts, slot)
) STRICT, WITHOUT ROWID;
INSERT INTO timeline_v7 (id, incident_id, ts, slot, thread_ts, kind, source, user_id, text,
                         flags, permalink)
SELECT id, incident_id, ts,
       CASE WHEN source = 'note' OR source = 'status' OR source = 'command' THEN id ELSE 0 END,
       thread_ts, kind, source, user_id, text, flags, permalink
FROM timeline ORDER BY incident_id, ts;
DROP TABLE timeline;
ALTER TABLE timeline_v7 RENAME TO timeline;
CREATE UNIQUE INDEX timeline_id ON timeline (id);
-- The version 5 triggers went with the old table.
CREATE TRIGGER timeline_fts_update AFTER UPDATE OF text ON timeline
    WHEN old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.text IS NOT NULL;
    INSERT INTO timeline_fts (rowid, text) SELECT new.id, new.text WHERE new.text IS NOT NULL;
END;
CREATE TRIGGER timeline_fts_delete AFTER DELETE ON timeline
    WHEN old.text IS NOT NULL AND old.id <= (SELECT timeline_upto FROM fts_progress) BEGIN
    INSERT INTO timeline_fts (timeline_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
)sql";

// Version 8: people's names from their Slack profiles (users.info), so the nudges read
// "this is on marta" as being about a person; and the messages people voted a nudge on,
// kept as labeled examples for `train --with-feedback`. Both erased by forget-user, the
// examples also by purge.
constexpr const char* k_v8 = R"sql(
CREATE TABLE people (
    user_id    TEXT    PRIMARY KEY,
    names      TEXT    NOT NULL,
    fetched_at INTEGER NOT NULL
) STRICT;
CREATE TABLE nudge_examples (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    author      TEXT,
    rule_id     TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    helpful     INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    text        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (incident_id, ts)
) STRICT;
CREATE INDEX nudge_examples_author ON nudge_examples (author);
)sql";

// Version 9: who declared an incident (they may resolve it) and whether its channel is
// private (its title, items and timeline are then shown only in that channel). NULL means
// Slack has not said yet, read as private. The declarer of older incidents is read back from
// their "declare" timeline entry. Who wrote a summary, an impact or an action item, so
// forget-user can erase their words there too (unknown for older rows); and drafts kept in
// the search index when forget-user rewrites them.
constexpr const char* k_v9 = R"sql(
ALTER TABLE incidents ADD COLUMN declared_by TEXT;
ALTER TABLE incidents ADD COLUMN private INTEGER CHECK (private IN (0, 1));
ALTER TABLE incidents ADD COLUMN summary_by TEXT;
ALTER TABLE incidents ADD COLUMN impact_by TEXT;
ALTER TABLE action_items ADD COLUMN created_by TEXT;
UPDATE incidents SET declared_by = (SELECT user_id FROM timeline WHERE incident_id = incidents.id
    AND kind = 'declare' ORDER BY id LIMIT 1);
CREATE TRIGGER drafts_fts_update AFTER UPDATE OF markdown ON drafts BEGIN
    INSERT INTO drafts_fts (drafts_fts, rowid, markdown) VALUES ('delete', old.id, old.markdown);
    INSERT INTO drafts_fts (rowid, markdown) VALUES (new.id, new.markdown);
END;
)sql";

// Version 10: learnings (`/incident learned TEXT`, issue 19): what a team learned, kept per
// incident with who wrote it (forget-user deletes them), searchable with the rest.
constexpr const char* k_v10 = R"sql(
CREATE TABLE learnings (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    user_id     TEXT,
    text        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX learnings_incident ON learnings (incident_id);
CREATE INDEX learnings_user ON learnings (user_id);
CREATE VIRTUAL TABLE learnings_fts USING fts5 (
    text, content = 'learnings', content_rowid = 'id', tokenize = 'porter unicode61');
CREATE TRIGGER learnings_fts_insert AFTER INSERT ON learnings BEGIN
    INSERT INTO learnings_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER learnings_fts_delete AFTER DELETE ON learnings BEGIN
    INSERT INTO learnings_fts (learnings_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER learnings_fts_update AFTER UPDATE OF text ON learnings BEGIN
    INSERT INTO learnings_fts (learnings_fts, rowid, text) VALUES ('delete', old.id, old.text);
    INSERT INTO learnings_fts (rowid, text) VALUES (new.id, new.text);
END;
)sql";

// Version 11: who has opened the bot's App Home and the view they chose there (filter and
// grouping of "All open action items"), so a change re-publishes only their Homes, as they
// left them (issue 18).
constexpr const char* k_v11 = R"sql(
CREATE TABLE home_views (
    user_id   TEXT    PRIMARY KEY,
    filter    TEXT    NOT NULL CHECK (filter IN ('open', 'overdue', 'mine', 'all')),
    grouping  TEXT    NOT NULL CHECK (grouping IN ('incident', 'owner')),
    opened_at INTEGER NOT NULL
) STRICT;
)sql";

// Version 12: post-mortems published org-wide without names (`/incident postmortem publish`,
// issue 19). The published text is a draft version of its own; this records where it went,
// who published it, when, and whether they overrode the blameless check. forget-user clears
// `published_by`.
constexpr const char* k_v12 = R"sql(
CREATE TABLE publications (
    incident_id  INTEGER NOT NULL,
    version      INTEGER NOT NULL,
    channel      TEXT    NOT NULL,
    published_by TEXT,
    published_at INTEGER NOT NULL,
    forced       INTEGER NOT NULL CHECK (forced IN (0, 1)),
    PRIMARY KEY (incident_id, version),
    FOREIGN KEY (incident_id, version) REFERENCES drafts (incident_id, version)
) STRICT;
CREATE INDEX publications_by ON publications (published_by);
)sql";

// Version 13: where an action item's post is (channel and ts), so closing or snoozing the
// item by command or from the App Home updates the post in place too (issue 18).
constexpr const char* k_v13 = R"sql(
ALTER TABLE action_items ADD COLUMN post_channel TEXT;
ALTER TABLE action_items ADD COLUMN post_ts TEXT;
)sql";

// Version 14: what `incident-bot import` read in a channel's history (issue 19): which rule
// resolved the incident (the bot's resolve post, a person's resolution message or the
// archived channel) and the blameless check's findings over its messages. Findings keep the
// message ts, rule and kind, never who wrote it or the words, so forget-user has nothing to
// erase here; they are kept apart from `nudges` because no one was sent anything.
constexpr const char* k_v14 = R"sql(
CREATE TABLE imports (
    incident_id   INTEGER PRIMARY KEY REFERENCES incidents (id),
    imported_at   INTEGER NOT NULL,
    resolved_by   TEXT    CHECK (resolved_by IN ('bot_post', 'message', 'archived')),
    resolution_ts TEXT
) STRICT;
CREATE TABLE imported_findings (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    ts          TEXT    NOT NULL,
    rule_id     TEXT    NOT NULL,
    category    TEXT    NOT NULL,
    UNIQUE (incident_id, ts, rule_id)
) STRICT;
CREATE INDEX imported_findings_category ON imported_findings (category);
)sql";

constexpr migration k_migrations[] = {{1, k_v1},
                                      {2, k_v2},
                                      {3, k_v3},
                                      {4, k_v4},
                                      {5, k_v5},
                                      {6, k_v6},
                                      {7, k_v7},
                                      {8, k_v8},
                                      {9, k_v9},
                                      {10, k_v10},
                                      {11, k_v11},
                                      {12, k_v12},
                                      {13, k_v13},
                                      {14, k_v14}};

}  // namespace

std::span<const migration> migrations() { return k_migrations; }

}  // namespace incident_bot::detail

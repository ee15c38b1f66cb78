// The incident store: a repository over one SQLite file (WAL); nothing else writes SQL. A `store`
// belongs to one thread: others reach the writer through store_executor, long reads store_reader.
// Over 600 lines on purpose: the one public interface, its row types, methods grouped by aggregate.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace incident_bot {

/// Wall-clock time with second precision, as stored for incidents and action items.
using unix_time = std::chrono::sys_seconds;

/// Raised when the database cannot be used: missing file for a read-only open, a file that
/// is not ours (foreign `application_id`, not SQLite at all), a schema newer than this
/// build, or a failed migration. The message names the file and what is wrong.
struct store_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Lifecycle of an incident; every status but `resolved` counts as open.
enum class incident_status { investigating, identified, mitigated, resolved };

/// How a timeline entry came in.
enum class entry_source {
    message,   ///< a person's message in the incident channel
    edit,      ///< first seen as an edit (the original predates the capture)
    deletion,  ///< first seen as a deletion: only the fact survives
    pin,       ///< first seen through a pin
    reaction,  ///< placeholder for a message first seen through a marking reaction
    note,      ///< a note added through the bot
    status,    ///< status, severity or role change recorded by the store
    command,   ///< a slash command used in the channel
    bot,       ///< a message posted by a bot or integration
    join       ///< someone joined the channel
};

/// Incident phase a stage reaction tags a message with; post-mortem metrics use these.
enum class incident_stage { detection, diagnosis, repair };

/// Incident role held by one person.
enum class incident_role { commander, comms, scribe };

/// Text forms used in the database, the CLI and JSON ("investigating", "delete", ...).
std::string_view to_string(incident_status s);
std::string_view to_string(entry_source s);
std::string_view to_string(incident_stage s);
std::string_view to_string(incident_role r);
/// Inverse of to_string; nullopt for anything else.
std::optional<incident_status> parse_incident_status(std::string_view s);
std::optional<entry_source> parse_entry_source(std::string_view s);
std::optional<incident_stage> parse_incident_stage(std::string_view s);

/// Normalises a Slack `ts` ("1355517523.000005") to the fixed 10.6-digit form, so that text
/// order is time order; nullopt when it is not digits, a dot and 1 to 6 digits.
std::optional<std::string> canonical_ts(std::string_view ts);

/// A Slack-style ts in canonical form for a moment (entries the bot makes itself).
std::string ts_from_time(std::chrono::system_clock::time_point t);

/// One incident row.
struct incident {
    /// Sequential id, starting at 1.
    std::int64_t id = 0;
    /// Short human title.
    std::string title;
    /// 1 (most severe) to 5.
    int severity = 3;
    /// Current status.
    incident_status status = incident_status::investigating;
    /// Slack channel id of the incident channel.
    std::string channel;
    /// When the incident was declared, identified, mitigated and resolved (first time each).
    unix_time declared_at{};
    std::optional<unix_time> identified_at;
    std::optional<unix_time> mitigated_at;
    std::optional<unix_time> resolved_at;
    /// Free-text summary and customer impact, filled in during or after the incident.
    std::optional<std::string> summary;
    std::optional<std::string> impact;
    /// Slack user ids of the role holders.
    std::optional<std::string> commander;
    std::optional<std::string> comms;
    std::optional<std::string> scribe;
    /// Slack user id of who declared it (absent for imports that do not say).
    std::optional<std::string> declared_by;
    /// Whether the channel is private; absent until Slack said, and then treated as private.
    std::optional<bool> is_private;

    /// Whether its title, timeline, items and learnings may be shown in `where` (a channel or
    /// DM id): a public incident anywhere, a private one (or one not known yet) only in its
    /// own channel.
    bool visible_in(std::string_view where) const { return is_private == false || channel == where; }
};

/// What `create_incident` needs.
struct new_incident {
    /// Short human title.
    std::string title;
    /// 1 (most severe) to 5.
    int severity = 3;
    /// Channel id; at most one open incident per channel.
    std::string channel;
    /// Declaration time; the store clock's now when absent.
    std::optional<unix_time> declared_at;
    /// Initial status (imports of finished incidents use `resolved`).
    incident_status status = incident_status::investigating;
    /// Resolution time when `status` is resolved; `declared_at` when absent.
    std::optional<unix_time> resolved_at;
    /// Slack user id of the commander, if known.
    std::optional<std::string> commander;
    /// Slack user id of who declared it, if known.
    std::optional<std::string> declared_by;
    /// Whether the channel is private, if known.
    std::optional<bool> is_private;
};

/// One timeline entry; ordered by `ts`.
struct timeline_entry {
    /// Row id (ignored by `add_entry`).
    std::int64_t id = 0;
    /// Incident it belongs to.
    std::int64_t incident_id = 0;
    /// Slack `ts` in canonical form: the message's id in its channel and the ordering key.
    /// Entries made by the bot itself get a synthetic ts from the store clock.
    std::string ts;
    /// Parent's ts for thread replies (never equal to `ts`).
    std::optional<std::string> thread_ts;
    /// Finer kind: Slack subtype or event ("message", "thread_broadcast", "channel_join",
    /// "status_change", ...).
    std::string kind = "message";
    /// How the entry came in.
    entry_source source = entry_source::message;
    /// Author's Slack user id (bot id for bot messages without a user).
    std::optional<std::string> user;
    /// Current text; absent once deleted.
    std::optional<std::string> text;
    /// Marked for the post-mortem: pinned, or carries the key-event reaction.
    bool key_event = false;
    /// Currently pinned in the channel.
    bool pinned = false;
    /// Stage tag from a stage reaction (the earliest one still present wins).
    std::optional<incident_stage> stage;
    /// Edited at least once (history in `edit_history`).
    bool edited = false;
    /// Deleted in Slack: the text is gone, the fact stays.
    bool deleted = false;
    /// Link back to the message in Slack.
    std::optional<std::string> permalink;

    /// A person's words still there (message, edit, pin, reaction; not deleted): what the
    /// blameless check reads. Notes are checked where the draft quotes them, and what the
    /// bot recorded (status, commands, its posts) is its own phrasing.
    bool is_persons_words() const {
        return text && !deleted &&
               (source == entry_source::message || source == entry_source::edit ||
                source == entry_source::pin || source == entry_source::reaction);
    }
};

/// An earlier version of an edited message.
struct edit_record {
    /// ts of the edit (when the text below was replaced).
    std::string edited_ts;
    /// Who edited, when Slack says.
    std::optional<std::string> editor;
    /// The text before this edit.
    std::string old_text;
};

/// What a reaction means for the timeline (from the capture configuration).
struct reaction_mark {
    /// The reaction marks the message as a key event.
    bool key_event = false;
    /// The reaction tags the message with a stage.
    std::optional<incident_stage> stage;
};

/// Which entries `list_timeline` returns.
enum class timeline_view {
    all,   ///< everything
    human  ///< without bot messages and joins
};

/// A follow-up task.
struct action_item {
    /// Sequential id, starting at 1.
    std::int64_t id = 0;
    /// Incident it came out of.
    std::int64_t incident_id = 0;
    /// What to do.
    std::string text;
    /// Slack user id of the owner, if assigned.
    std::optional<std::string> owner;
    /// Due date (UTC calendar day).
    std::optional<std::chrono::sys_days> due;
    /// Completed.
    bool done = false;
    /// When it was created and completed.
    unix_time created_at{};
    std::optional<unix_time> done_at;
    /// Slack user id of who wrote it, if known.
    std::optional<std::string> created_by;
    /// Where the bot posted it (with its buttons), once Slack said.
    std::optional<std::string> post_channel;
    std::optional<std::string> post_ts;
};

/// Which action items `list_action_items` returns.
enum class action_scope {
    open,     ///< not done
    overdue,  ///< not done and due before `action_filter::today`
    all       ///< everything
};

/// Filters for `list_action_items`; absent fields do not filter.
struct action_filter {
    /// Open, overdue or all.
    action_scope scope = action_scope::open;
    /// Only this owner's items.
    std::optional<std::string> owner;
    /// Only items created at or after this time.
    std::optional<unix_time> since;
    /// Only this incident's items.
    std::optional<std::int64_t> incident_id;
    /// "Today" for `overdue`; the store clock's UTC day when absent.
    std::optional<std::chrono::sys_days> today;
};

/// What "All open action items" on someone's App Home shows.
enum class home_filter {
    open,     ///< open items
    overdue,  ///< open items past their due date
    mine,     ///< open items the viewer owns
    all       ///< every item, done ones too
};

/// How "All open action items" on the App Home is grouped.
enum class home_grouping { incident, owner };

/// Someone who has opened the bot's App Home, and the view they left it in.
struct home_viewer {
    /// Slack user id.
    std::string user;
    home_filter filter = home_filter::open;
    home_grouping grouping = home_grouping::incident;
    /// When they last opened it or changed the view.
    unix_time opened_at{};
};

/// Text forms ("open", "overdue", "mine", "all"; "incident", "owner") and their inverses.
std::string_view to_string(home_filter f);
std::string_view to_string(home_grouping g);
std::optional<home_filter> parse_home_filter(std::string_view s);
std::optional<home_grouping> parse_home_grouping(std::string_view s);

/// One version of a post-mortem draft.
struct draft {
    /// Incident it describes.
    std::int64_t incident_id = 0;
    /// 1 for the first draft, then +1 per saved version.
    int version = 0;
    /// The document.
    std::string markdown;
    /// When this version was saved.
    unix_time created_at{};
};

/// A draft version published org-wide without names (`/incident postmortem publish`).
struct publication {
    std::int64_t incident_id = 0;
    /// The draft version holding the published text.
    int version = 0;
    /// Channel it was posted to.
    std::string channel;
    /// Who published it; unset once forget-user erased them.
    std::optional<std::string> published_by;
    unix_time published_at{};
    /// Published over the blameless check's findings ("Publish anyway").
    bool forced = false;
};

/// Who a draft is written for: the incident's team (names as configured) or the whole
/// organisation (names replaced by roles; a published version).
enum class draft_audience { team, organisation };

/// A lesson recorded with `/incident learned TEXT`.
struct learning {
    /// Sequential id, starting at 1.
    std::int64_t id = 0;
    /// Incident it was learned from.
    std::int64_t incident_id = 0;
    /// Slack user id of who wrote it (forget-user deletes their learnings).
    std::optional<std::string> user;
    /// The lesson, as written.
    std::string text;
    /// When it was recorded; the store clock's now when absent on `add_learning`.
    unix_time created_at{};
};

/// Filters and presentation for `search_hits`; absent fields do not filter.
struct search_filter {
    /// Most incidents returned.
    std::size_t limit = 20;
    /// Only incidents declared at or after this time.
    std::optional<unix_time> since;
    /// Only incidents of this severity (1 to 5).
    std::optional<int> severity;
    /// Only incidents `incident::visible_in` this channel (a private incident elsewhere is
    /// left out); absent: all of them (the CLI).
    std::optional<std::string> visible_in;
    /// Written around each matched word of the snippet ("*" is bold in Slack).
    std::string mark_open = "*";
    std::string mark_close = "*";
};

/// One incident found by `search_hits`.
struct search_hit {
    incident inc;
    /// bm25 relevance of its best matching text, higher is better (FTS5's bm25 negated).
    double score = 0;
    /// A dozen words around the match in that text, matched words marked.
    std::string snippet;
    /// Slack ts of the timeline entry that matched best; absent when the best match is
    /// the title, summary, impact, a draft or a learning.
    std::optional<std::string> ts;
};

/// A display name learned from `users.info` or an export's users.json.
struct cached_user {
    /// Slack user id.
    std::string id;
    /// Display name, else real name, else handle.
    std::string display_name;
    /// Bot or app user.
    bool is_bot = false;
    /// When it was fetched; callers refetch after their expiry.
    unix_time fetched_at{};
};

/// A nudge the rules engine sent. Never holds message text.
struct nudge {
    /// Slack user id it was sent to.
    std::string user;
    /// Rule category ("blame", "speculation", ...).
    std::string category;
    /// Rule id within the rule set.
    std::string rule_id;
    /// Channel id where the triggering message was.
    std::string channel;
    /// When it was sent; the store clock's now when absent.
    std::optional<unix_time> at;
};

/// Filters for `count_nudges`; absent fields do not filter.
struct nudge_filter {
    /// Only nudges sent to this user.
    std::optional<std::string> user;
    /// Only this category.
    std::optional<std::string> category;
    /// Only nudges at or after this time.
    std::optional<unix_time> since;
};

/// How `incident-bot import` found that an imported incident was over.
enum class resolution_rule {
    none,      ///< no resolution found: the incident stays open
    bot_post,  ///< the bot's own "Incident #N resolved" post
    message,   ///< a person's resolution message ("resolved: …", "all clear")
    archived   ///< the channel is archived (resolved at its last message)
};

/// What an import recorded about one incident it created.
struct import_record {
    std::int64_t incident_id = 0;
    /// When the import ran.
    unix_time imported_at{};
    /// The rule that resolved it.
    resolution_rule resolved_by = resolution_rule::none;
    /// ts of the message the resolution came from (the last message when archived).
    std::optional<std::string> resolution_ts;
};

/// One blameless-language finding in an incident's messages: where and what kind, never
/// the words or who wrote them (the draft's review, and what an import stored).
struct message_finding {
    /// Slack ts of the message.
    std::string ts;
    /// The rule that fired and its category.
    std::string rule_id;
    std::string category;
};

/// Feedback tally for one rule.
struct nudge_votes {
    /// "This was helpful" votes.
    std::int64_t helpful = 0;
    /// "Not helpful" votes.
    std::int64_t not_helpful = 0;
};

/// What `forget_user` and `purge_resolved_text` erased.
/// A person's names from their Slack profile (display, real and first names).
struct person_names {
    std::string user;
    std::vector<std::string> names;
    /// When Slack was asked.
    unix_time fetched_at{};
};

/// A message someone voted a nudge on, kept to retrain the model with.
struct nudge_example {
    std::string rule_id;
    /// The finding's category.
    std::string category;
    /// "Helpful": the message is a blaming example; "Not helpful": a fine one.
    bool helpful = false;
    std::string text;
};

struct text_erasure {
    /// Timeline entries whose text was dropped.
    std::int64_t entries = 0;
    /// Earlier versions (edit history rows) whose text was dropped.
    std::int64_t edits = 0;
    /// Summaries, impacts and action items whose text was dropped (forget_user only).
    std::int64_t other = 0;
    /// Incidents whose draft versions were written again (forget_user with a redraft).
    std::int64_t drafts = 0;
};

/// How `store` opens its file.
enum class open_mode {
    read_write,  ///< create if missing, apply migrations (the bot, import)
    read_only    ///< the file must exist with the current schema (CLI readers)
};

/// Tuning for `store`.
struct store_options {
    /// How long a statement waits for another connection's lock (0: fail at once).
    std::chrono::milliseconds busy_timeout{5'000};
    /// true: fsync the WAL at every commit (survives power loss); false: synchronous=NORMAL
    /// (survives a killed process, may lose the last commits on power loss).
    bool sync_every_commit = true;
    /// Time source for created/declared times and synthetic ts; tests fix it.
    std::function<std::chrono::system_clock::time_point()> clock;
};

/// The repository. Every method is atomic on its own; group several with `transaction`.
/// SQLite failures (disk full, I/O, lock timeouts) surface as SQLite::Exception.
class store {
public:
    /// The schema version this build writes (`PRAGMA user_version`).
    static constexpr int schema_version = 14;
    /// Our `PRAGMA application_id` ("IBOT"); other values mean a foreign file.
    static constexpr std::int32_t application_id = 0x49424f54;

    /// Opens (and for read_write creates and migrates) the database. Throws store_error.
    explicit store(const std::string& path,
                   open_mode mode = open_mode::read_write,
                   store_options options = {});
    ~store();
    store(const store&) = delete;
    store& operator=(const store&) = delete;

    /// The file's path as given.
    const std::string& path() const;
    /// The store clock's now.
    std::chrono::system_clock::time_point now() const;

    // Incidents.

    /// Creates an incident. Throws store_error when the channel already has an open one.
    incident create_incident(const new_incident& n);
    /// The incident with this id.
    std::optional<incident> get_incident(std::int64_t id);
    /// All incidents, or only open ones, by id.
    std::vector<incident> list_incidents(bool open_only = false);
    /// The open incident of a channel (the channels the bot watches).
    std::optional<incident> find_open_incident(std::string_view channel);
    /// Just the id of the channel's open incident: the per-event check of the ingest path.
    std::optional<std::int64_t> open_incident_id(std::string_view channel);
    /// Changes the status, stamps the first identified/mitigated/resolved time and records a
    /// `status` entry. False for an unknown id; no-op (true) when unchanged.
    bool set_status(std::int64_t id,
                    incident_status status,
                    std::optional<std::string> by_user = {});
    /// Changes the severity and records a `status` entry. False for an unknown id.
    bool set_severity(std::int64_t id, int severity, std::optional<std::string> by_user = {});
    /// Assigns a role (empty user: unassigns) and records a `status` entry.
    bool set_role(std::int64_t id,
                  incident_role role,
                  std::optional<std::string> user,
                  std::optional<std::string> by_user = {});
    /// Sets the summary or impact text and who wrote it. False for an unknown id.
    bool set_summary(std::int64_t id,
                     std::string summary,
                     std::optional<std::string> by_user = {});
    bool set_impact(std::int64_t id, std::string impact, std::optional<std::string> by_user = {});

    /// Moves an incident to another channel (a channel created for it). False for an unknown
    /// id; throws store_error when that channel already has an open incident.
    bool set_incident_channel(std::int64_t id, std::string channel);
    /// Records whether the incident's channel is private (as Slack says). False for an
    /// unknown id.
    bool set_incident_private(std::int64_t id, bool is_private);

    // Timeline.

    /// Adds an entry (id, key_event and stage are derived; `pinned` counts as key event).
    /// Returns the new row id, or nullopt when a Slack message with this ts is already there.
    /// A placeholder left by a reaction is filled in instead of duplicated.
    std::optional<std::int64_t> add_entry(const timeline_entry& e);
    /// Adds a note by a person through the bot, at the store clock's now.
    std::int64_t add_note(std::int64_t incident_id, std::string user, std::string text);
    /// The Slack-originated entry with this ts (notes and status entries excluded).
    std::optional<timeline_entry> find_entry(std::int64_t incident_id, std::string_view ts);
    /// Timeline of an incident in ts order; at an equal ts the Slack message comes first,
    /// then the bot's own entries (notes, status changes, commands) in the order added.
    std::vector<timeline_entry> list_timeline(std::int64_t incident_id,
                                              timeline_view view = timeline_view::all);
    /// Visits the timeline in list_timeline's order one entry at a time, without holding it
    /// in memory: for long timelines (printing 100,000 entries). The entry is reused between
    /// calls, so copy what must outlive a call. `visit` may use the store, but not start
    /// another scan.
    void scan_timeline(std::int64_t incident_id,
                       timeline_view view,
                       const std::function<void(const timeline_entry&)>& visit);
    /// Replaces the text and keeps the old one in the history. False when the entry is
    /// missing, deleted, or the text did not change (Slack also sends message_changed for
    /// link unfurls).
    bool apply_edit(std::int64_t entry_id,
                    std::string new_text,
                    std::string edited_ts,
                    std::optional<std::string> editor);
    /// Earlier versions of an entry, oldest first.
    std::vector<edit_record> edit_history(std::int64_t entry_id);
    /// Marks deleted and drops the text, its history and its search index entry.
    bool mark_deleted(std::int64_t entry_id);
    /// Pins or unpins; the key-event flag follows.
    bool set_pinned(std::int64_t entry_id, bool pinned);
    /// Records one user's marking reaction and re-derives key_event and stage. False when
    /// that user's reaction was already there.
    bool add_reaction(std::int64_t entry_id,
                      std::string_view user,
                      std::string_view reaction,
                      const reaction_mark& mark);
    /// Removes one user's reaction and re-derives key_event and stage. False when absent.
    bool remove_reaction(std::int64_t entry_id, std::string_view user, std::string_view reaction);

    /// ts of the incident's latest timeline entry of this `kind` ("status_change", ...), or
    /// of any kind when `kind` is empty; nullopt when there is none.
    std::optional<std::string> last_entry_ts(std::int64_t incident_id, std::string_view kind = {});

    // Action items.

    /// Adds an item (id, done, created_at and done_at are set by the store); returns its id.
    std::int64_t add_action_item(const action_item& item);
    /// Items matching the filter, by id.
    std::vector<action_item> list_action_items(const action_filter& filter = {});
    /// Marks done at the store clock's now. False for an unknown or already done item.
    bool complete_action_item(std::int64_t id);
    /// The item with this id.
    std::optional<action_item> get_action_item(std::int64_t id);
    /// Records where the item's post is. False for an unknown id.
    bool set_action_post(std::int64_t id, std::string channel, std::string ts);
    /// Moves an open item's due date. False for an unknown or done item.
    bool set_action_due(std::int64_t id, std::chrono::sys_days due);

    // Post-mortem drafts.

    /// Saves a new version; returns its version number.
    int add_draft(std::int64_t incident_id, std::string markdown);
    /// The newest version.
    std::optional<draft> latest_draft(std::int64_t incident_id);
    /// Version `version`; nullopt when the incident has no such version.
    std::optional<draft> draft_version(std::int64_t incident_id, int version);
    /// Records that a draft version was published (the version must exist).
    void add_publication(const publication& p);
    /// Where and by whom a version was published; nullopt when it never was.
    std::optional<publication> publication_of(std::int64_t incident_id, int version);

    // Learnings.

    /// Records a learning; returns its id. `created_at` absent: the store clock's now.
    std::int64_t add_learning(const learning& l);
    /// Learnings recorded at or after `since` (all when absent), of one incident when
    /// `incident_id` is set, oldest first.
    std::vector<learning> list_learnings(std::optional<unix_time> since = {},
                                         std::optional<std::int64_t> incident_id = {});

    // People: the user cache (display names) and the names the nudges recognise.

    /// A cached user; nullopt when unknown or fetched longer than `max_age` ago.
    std::optional<cached_user> get_user(std::string_view id,
                                        std::optional<std::chrono::seconds> max_age = {});
    /// Inserts or refreshes a user.
    void put_user(const cached_user& u);

    /// Stores (or replaces) a person's names.
    void remember_person(const person_names& p);
    /// Every person whose names are stored.
    std::vector<person_names> people();

    // App Home (store/home.cpp).

    /// Records that `v.user` opened their App Home, with the view they chose.
    void remember_home_viewer(const home_viewer& v);
    /// The viewer's last view; nullopt when they never opened the Home.
    std::optional<home_viewer> home_viewer_of(std::string_view user);
    /// Ids of the open incidents whose timeline has an entry by `user`, by id.
    std::vector<std::int64_t> open_incidents_with_author(std::string_view user);
    /// Everyone with an entry on the incident's timeline, by id.
    std::vector<std::string> timeline_authors(std::int64_t incident_id);

    // Event dedupe.

    /// Records an Events API `event_id`; false when it was already processed. Call it in the
    /// same `transaction` as the event's writes, so a crash cannot separate the two.
    bool mark_processed(std::string_view event_id);
    /// Forgets event ids processed before `before` (Slack stops retrying after minutes).
    std::int64_t prune_processed(unix_time before);

    // Nudges.

    /// Records a nudge (categories and rule ids only).
    void record_nudge(const nudge& n);
    /// Number of nudges matching the filter.
    std::int64_t count_nudges(const nudge_filter& filter = {});
    /// Counts one feedback vote for a rule.
    void vote_nudge(std::string_view rule_id, bool helpful);
    /// Votes so far for a rule.
    nudge_votes votes_for(std::string_view rule_id);

    /// Keeps the text of the message at `ts` in `channel`'s incident timeline as a labeled
    /// example (the last vote on a message wins). False when the timeline has no such message.
    bool keep_nudge_example(std::string_view channel,
                            std::string_view ts,
                            std::string_view rule_id,
                            std::string_view category,
                            bool helpful,
                            unix_time at);
    /// Every kept example, oldest first.
    std::vector<nudge_example> nudge_examples();

    /// Opts a user out of (enabled = false) or back into blameless-language nudges.
    void set_nudges_enabled(std::string_view user, bool enabled);
    /// False when the user opted out.
    bool nudges_enabled(std::string_view user);
    /// Nudges sent in a channel within [from, until] (until absent: up to now).
    std::int64_t count_nudges_in_channel(std::string_view channel,
                                         unix_time from,
                                         std::optional<unix_time> until = {});
    /// Nudges sent for one rule, all time (`incident-bot rules --stats`).
    std::int64_t count_rule_nudges(std::string_view rule_id);

    // Imports (store/imports.cpp): what `incident-bot import` read in a channel's history.

    /// Records how an imported incident was resolved (once per incident).
    void record_import(const import_record& r);
    /// The import record of an incident; absent for incidents the bot saw live.
    std::optional<import_record> import_of(std::int64_t incident_id);
    /// Stores a finding over an imported message; false when that message already has one
    /// of the rule.
    bool add_imported_finding(std::int64_t incident_id, const message_finding& f);
    /// An incident's imported findings in ts order.
    std::vector<message_finding> imported_findings(std::int64_t incident_id);
    /// Imported findings of all incidents, of one category when given.
    std::int64_t count_imported_findings(std::optional<std::string> category = {});

    // Search.

    /// Incidents whose timeline, post-mortem drafts, learnings, title, summary or impact
    /// contain all of the words (prefix match, stemmed), best match first. Punctuation is
    /// ignored. Sees every committed entry: a read_write store first indexes what
    /// `index_pending` has not.
    std::vector<incident> search(std::string_view words, std::size_t limit = 20);
    /// Like `search`, over learnings too, with the score, a snippet of the best match and
    /// the filters of `f`. Words are free text: FTS5 syntax in them is searched as words. Of
    /// the timeline, the 2,000 newest matching entries are ranked (a bound on the time, see
    /// search.cpp). Empty when the text has no word in it.
    std::vector<search_hit> search_hits(std::string_view words, const search_filter& f = {});
    /// Adds up to `max_entries` timeline entries, oldest first, to the search index in one
    /// transaction and returns how many it took; fewer than `max_entries` means none are left.
    /// Entries are not indexed when they commit, so the writer calls this between batches
    /// (every second or so) to keep `search` from doing the whole backlog. Crash-safe: an
    /// entry is indexed exactly once, by whichever call comes first after its commit.
    std::size_t index_pending(std::size_t max_entries);

    // Operations: backups, erasure and retention.

    /// Copies the whole database to a new file at `path` with SQLite's online backup API, as
    /// one consistent snapshot; writers on other connections are not blocked (WAL). Nothing
    /// may exist at `path`, not even a link; the file is created owner-only (0600). Throws
    /// store_error when it exists, SQLite::Exception on I/O errors.
    void backup_to(const std::string& path);
    /// `PRAGMA integrity_check` plus `foreign_key_check`: the problems found, empty when the
    /// file is sound.
    std::vector<std::string> integrity_check();
    /// Erases the message text one person wrote (timeline text, the text of earlier versions
    /// of their edited messages, and so their search index entries), keeping the facts: who,
    /// when, pins, reactions, stages. Status entries the store wrote stay.
    /// Also erases the summaries, impacts and action item texts they wrote and their cached
    /// names. Generated drafts quote people, so with `redraft` every stored version of the
    /// drafts of incidents they took part in (wrote in, held a role, declared, owned or wrote
    /// items) is replaced by `redraft(incident_id, audience)`, called after the rest is
    /// erased, in the same transaction (published versions with `organisation`, so they stay
    /// names-free); without it drafts stay as they are.
    using redraft_fn = std::function<std::string(std::int64_t incident_id, draft_audience)>;
    text_erasure forget_user(std::string_view user, const redraft_fn& redraft = {});
    /// Erases the message text of every entry in incidents resolved before `resolved_before`,
    /// the same way; incidents, drafts, action items and nudge counts stay.
    text_erasure purge_resolved_text(unix_time resolved_before);

    struct impl;

private:
    friend class transaction;
    std::unique_ptr<impl> impl_;
};

/// Groups store calls into one atomic unit; rolls back unless committed. Nests: an inner
/// transaction is a savepoint of the outer one. Not movable; scope it.
class transaction {
public:
    explicit transaction(store& s);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;

    /// Makes the changes permanent (or part of the enclosing transaction).
    void commit();

private:
    store::impl& impl_;
    bool done_ = false;
};

}  // namespace incident_bot

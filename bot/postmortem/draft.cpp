#include "incident_bot/postmortem/draft.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <set>

#include "incident_bot/postmortem/related.hpp"
#include "incident_bot/postmortem/format.hpp"
#include "postmortem/import_suggestions.hpp"
#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

namespace {

using detail::format_duration;
using detail::format_time;
using detail::one_line;
using detail::truncate_utf8;
using detail::ts_time;

// Who people are in the draft. Mentions would notify everyone again each time the draft is
// posted, so people appear by name (as Slack told the bot), or by incident role when names
// are off or unknown; broadcasts in quoted text become plain words.
class people {
  public:
    people(store& s, const incident& i, bool use_roles)
        : inc_(i),
          use_roles_(use_roles),
          names_(use_roles ? std::vector<person_names>{} : s.people()) {}

    std::string name(std::string_view user) const {
        if (!use_roles_)
            if (auto n = names_.name(user)) return *n;
        return detail::role_in(inc_, user);
    }

    std::string text(std::string_view in) const {
        return detail::quiet_mentions(in, [this](std::string_view user) { return name(user); });
    }

  private:
    const incident& inc_;
    bool use_roles_;
    detail::name_book names_;
};

// Entries that always make the timeline: what the bot recorded on people's behalf.
bool is_recorded_event(const timeline_entry& e) {
    return e.source == entry_source::status || e.source == entry_source::note ||
           e.source == entry_source::command;
}

bool is_marked(const timeline_entry& e) { return e.key_event || e.pinned || e.stage.has_value(); }

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string prompt(std::string_view text) { return "_Prompt: " + std::string(text) + "_\n"; }

class writer {
  public:
    writer(store& s, const incident& i, const rule_set* rules, const draft_options& o)
        : store_(s), inc_(i), rules_(rules), opts_(o), people_(s, i, o.replace_names_with_roles) {}

    postmortem_draft write() {
        timeline_ = store_.list_timeline(inc_.id, timeline_view::human);
        imported_ = store_.import_of(inc_.id);
        if (imported_) suggested_ = detail::suggest_from_import(timeline_, *imported_);
        out_ = "# Post-mortem draft: incident #" + std::to_string(inc_.id) + " — " +
               one_line(inc_.title) + "\n\n";
        out_ +=
            "_Blameless by design: describe systems, conditions and decisions, not "
            "culprits. Prompts mark what needs a human; replace them, don't invent._\n";
        summary();
        impact();
        timeline();
        contributing_factors();
        simple_section("What went well",
                       "Which tools, alerts, runbooks or habits helped? What should we keep "
                       "doing?");
        simple_section("What was hard",
                       "Where did responders lack information, access or time? What was "
                       "confusing?");
        learnings();
        action_items();
        metrics();
        related();
        // Whatever quoted text is left (titles, related incidents) pings nobody either.
        out_ = detail::quiet_mentions(out_);

        postmortem_draft d;
        d.incident_id = inc_.id;
        if (rules_) d.review = review_document(*rules_, out_);
        d.markdown = std::move(out_);
        if (!d.review.empty()) append_checklist(d);
        return d;
    }

  private:
    void heading(std::string_view h) {
        out_ += "\n## ";
        out_ += h;
        out_ += "\n\n";
    }

    void simple_section(std::string_view h, std::string_view question) {
        heading(h);
        out_ += prompt(question);
    }

    void summary() {
        heading("Summary");
        out_ += "Incident #" + std::to_string(inc_.id) + " · SEV" + std::to_string(inc_.severity) +
                " · declared " + format_time(inc_.declared_at);
        if (inc_.resolved_at)
            out_ += " · resolved after " + format_duration(*inc_.resolved_at - inc_.declared_at);
        else
            out_ += " · still " + std::string(to_string(inc_.status));
        out_ += "\n\n";
        if (inc_.summary)
            out_ += people_.text(*inc_.summary) + "\n";
        else if (suggested_.summary)
            suggestion(*suggested_.summary, "summary");
        else
            out_ += prompt(
                "In two or three sentences: what happened, and how was it "
                "resolved? (`/incident summary TEXT`)");
    }

    void impact() {
        heading("Impact");
        if (inc_.impact)
            out_ += people_.text(*inc_.impact) + "\n";
        else if (suggested_.impact)
            suggestion(*suggested_.impact, "impact");
        else
            out_ += prompt(
                "Who or what was affected, for how long, and how much? "
                "(`/incident impact TEXT`)");
    }

    // Words from an imported history, quoted and marked: a person confirms them first.
    void suggestion(const std::string& text, std::string_view command) {
        out_ += "_(suggested from the import — confirm, or replace with `/incident " +
                std::string(command) + " TEXT`)_\n";
        for (std::size_t start = 0, end; start < text.size(); start = end + 1) {
            end = std::min(text.find('\n', start), text.size());
            if (end == start) continue;
            out_ += "> " + truncate_utf8(one_line(people_.text(text.substr(start, end - start))),
                                         opts_.max_entry_chars) +
                    "\n";
        }
    }

    std::string when(const std::string& ts) const {
        const auto t = ts_time(ts);
        // The day only when it differs from the declaration day, to keep lines short.
        const bool same_day = std::chrono::floor<std::chrono::days>(t) ==
                              std::chrono::floor<std::chrono::days>(inc_.declared_at);
        return same_day ? detail::format_clock(t) : format_time(t).substr(0, 16);
    }

    std::string entry_line(const timeline_entry& e) const {
        std::string line = "- **" + when(e.ts) + "** ";
        const std::string text =
            truncate_utf8(one_line(people_.text(e.text.value_or(""))), opts_.max_entry_chars);
        if (e.source == entry_source::note && e.user)
            return line + "Note from " + people_.name(*e.user) + ": " + text;
        if (is_recorded_event(e)) {
            line += text;
            if (e.user && e.source == entry_source::status)
                line += " (by " + people_.name(*e.user) + ")";
            return line;
        }
        if (e.pinned || e.key_event) line += "📌 ";
        if (e.stage) line += "[" + std::string(to_string(*e.stage)) + "] ";
        line += (e.user ? people_.name(*e.user) : std::string("someone")) + ": ";
        line += e.deleted ? std::string("_(message deleted)_") : text;
        return line;
    }

    void timeline() {
        heading("Timeline");
        if (timeline_.empty()) {
            out_ += prompt(
                "Nothing was captured. Reconstruct the key moments: first signal, "
                "diagnosis, mitigation, resolution.");
            return;
        }
        std::size_t chatter = 0, listed_marks = 0;
        bool first_report = true;
        const auto flush = [&] {
            if (chatter > 0) out_ += "- … " + plural(chatter, "message", "messages") + " …\n";
            chatter = 0;
        };
        for (const auto& e : timeline_) {
            const bool person = e.source == entry_source::message ||
                                e.source == entry_source::edit || e.source == entry_source::pin ||
                                e.source == entry_source::reaction ||
                                e.source == entry_source::deletion;
            bool key = is_recorded_event(e);
            if (!key && is_marked(e) && listed_marks < opts_.max_timeline_events) {
                key = true;
                ++listed_marks;
            }
            // The first message is the first report: the moment someone noticed.
            if (!key && person && first_report) key = true;
            if (person) first_report = false;
            if (!key) {
                ++chatter;
                continue;
            }
            flush();
            out_ += entry_line(e) + "\n";
        }
        flush();
    }

    void contributing_factors() {
        heading("Contributing factors");
        out_ += prompt(
            "Which conditions in systems, tools or processes made this possible, "
            "and which made it worse? Ask how, not who.");
        std::vector<const timeline_entry*> leads;
        for (const auto& e : timeline_)
            if (e.stage == incident_stage::diagnosis && e.text) leads.push_back(&e);
        if (leads.empty()) return;
        out_ += "\nMessages marked as diagnosis during the incident, as starting points:\n";
        for (const auto* e : leads) out_ += entry_line(*e) + "\n";
    }

    // What the team recorded with `/incident learned`; no authors: the lessons belong to
    // everyone and read the same when shared outside the team.
    void learnings() {
        heading("What we learned");
        const auto lessons = store_.list_learnings({}, inc_.id);
        if (lessons.empty()) {
            out_ += prompt(
                "What do we know now that we did not know before? Record each with "
                "`/incident learned TEXT`.");
            return;
        }
        for (const auto& l : lessons) out_ += "- " + one_line(people_.text(l.text)) + "\n";
    }

    void action_items() {
        heading("Action items");
        action_filter f;
        f.scope = action_scope::all;
        f.incident_id = inc_.id;
        const auto items = store_.list_action_items(f);
        if (items.empty()) {
            out_ += prompt(
                "What will make this class of incident less likely or less "
                "painful? Add each with `/incident action TEXT @owner "
                "due:YYYY-MM-DD`.");
            return;
        }
        for (const auto& a : items) {
            out_ += std::string(a.done ? "- [x] " : "- [ ] ") + "#" + std::to_string(a.id) + " " +
                    one_line(people_.text(a.text));
            if (a.owner) out_ += " — owner " + people_.name(*a.owner);
            if (a.due) out_ += ", due " + detail::format_day(*a.due);
            out_ += "\n";
        }
    }

    // Earliest stage mark of a kind, as a time.
    std::optional<unix_time> stage_time(incident_stage st) const {
        for (const auto& e : timeline_)
            if (e.stage == st) return ts_time(e.ts);
        return std::nullopt;
    }

    static std::optional<unix_time> earliest(std::optional<unix_time> a,
                                             std::optional<unix_time> b) {
        if (a && b) return std::min(*a, *b);
        return a ? a : b;
    }

    void metric(std::string_view what,
                unix_time start,
                std::optional<unix_time> at,
                std::string_view how_to_record) {
        out_ += "- **" + std::string(what) + ":** ";
        if (at)
            out_ += format_duration(std::max(*at - start, std::chrono::seconds(0)));
        else
            out_ += "not recorded (" + std::string(how_to_record) + ")";
        out_ += "\n";
    }

    void metrics() {
        heading("Metrics");
        // Measured from the first sign of trouble: the first report or the declaration.
        unix_time start = inc_.declared_at;
        std::set<std::string> responders;
        std::size_t messages = 0;
        for (const auto& e : timeline_) {
            if (e.source == entry_source::status || e.source == entry_source::command) continue;
            if (e.source != entry_source::note) {
                start = std::min(start, ts_time(e.ts));
                ++messages;
            }
            if (e.user) responders.insert(*e.user);
        }
        out_ += "Measured from the first report (" + format_time(start) + ").\n\n";
        const auto detected = earliest(stage_time(incident_stage::detection), inc_.declared_at);
        metric("Time to detect", start, detected, "");
        metric("Time to diagnose",
               start,
               earliest(stage_time(incident_stage::diagnosis), inc_.identified_at),
               "set `/incident status identified` or mark the message with :bulb:");
        metric("Time to mitigate",
               start,
               earliest(stage_time(incident_stage::repair), inc_.mitigated_at),
               "set `/incident status monitoring` or mark the message with "
               ":white_check_mark:");
        metric("Time to resolve", start, inc_.resolved_at, "the incident is still open");
        out_ += "- **Messages:** " + std::to_string(messages) + " from " +
                plural(responders.size(), "person", "people") + "\n";
        // A count only: who was nudged is never part of a post-mortem.
        const auto nudges =
            store_.count_nudges_in_channel(inc_.channel, inc_.declared_at, inc_.resolved_at);
        out_ += "- **Blameless-language nudges:** " + std::to_string(nudges) + "\n";
        if (imported_)
            out_ += "- **Blameless-language findings in the imported history:** " +
                    std::to_string(store_.imported_findings(inc_.id).size()) +
                    " (found at import; no one was messaged)\n";
    }

    void related() {
        heading("Related incidents");
        std::string text = inc_.title;
        for (const auto* more : {&inc_.summary, &inc_.impact})
            if (*more) text += "\n" + **more;
        // The draft is read in this incident's channel: no private incident of another.
        const auto ranked =
            find_related(store_, distinctive_words(text), inc_.id, inc_.channel, opts_.max_related);
        if (ranked.empty()) {
            out_ +=
                "None found that share this incident's distinctive words. "
                "Link any you remember.\n";
            return;
        }
        for (const auto& r : ranked) out_ += "- " + related_line(r) + "\n";
    }

    static void append_checklist(postmortem_draft& d) {
        d.markdown += "\n## Review checklist\n\n";
        d.markdown +=
            "The blameless-language check flagged these phrases. Reword each, or "
            "tick it if it is fine in context:\n";
        for (const auto& r : d.review) {
            d.markdown += "- [ ] Line " + std::to_string(r.line) + ": “" +
                          truncate_utf8(one_line(r.matched), 120) + "” (" + r.category + ")";
            if (!r.suggestion.empty()) d.markdown += " — try: " + r.suggestion;
            d.markdown += "\n";
        }
    }

    store& store_;
    const incident& inc_;
    const rule_set* rules_;
    const draft_options& opts_;
    people people_;
    std::vector<timeline_entry> timeline_;
    // How the incident was imported, and what its history suggests; absent when live.
    std::optional<import_record> imported_;
    detail::import_suggestions suggested_;
    std::string out_;
};

}  // namespace

std::vector<review_item> review_document(const rule_set& rules, std::string_view markdown) {
    std::vector<review_item> items;
    for (const auto& f : scan_document(rules, markdown))
        items.push_back({f.line, f.hit.rule_id, f.hit.category, f.hit.matched, f.hit.suggestion});
    return items;
}

std::optional<postmortem_draft> generate_draft(store& s,
                                               std::int64_t incident_id,
                                               const rule_set* rules,
                                               const draft_options& options) {
    const auto inc = s.get_incident(incident_id);
    if (!inc) return std::nullopt;
    return writer(s, *inc, rules, options).write();
}

std::optional<postmortem_draft> save_draft(store& s,
                                           std::int64_t incident_id,
                                           const rule_set* rules,
                                           const draft_options& options) {
    transaction tx(s);
    auto d = generate_draft(s, incident_id, rules, options);
    if (!d) return std::nullopt;
    d->version = s.add_draft(incident_id, d->markdown);
    tx.commit();
    return d;
}

}  // namespace incident_bot

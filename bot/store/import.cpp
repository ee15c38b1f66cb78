#include "incident_bot/store/import.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <map>

#include <re2/re2.h>

#include "incident_bot/json_parse.hpp"
#include "store/slack_message.hpp"

namespace incident_bot {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

// How a person's message says the incident is over (see resolution_of in import.hpp).
constexpr std::array<std::string_view, 4> k_resolution_phrases = {
    "resolved", "all clear", "incident resolved", "incident is resolved"};

// Path relative to the export root, for error messages.
std::string display(const fs::path& root, const fs::path& file) {
    return file.lexically_relative(root).generic_string();
}

[[noreturn]] void fail(const fs::path& root, const fs::path& file, const std::string& what) {
    throw import_error(display(root, file) + ": " + what);
}

// json::parse, reading lone surrogate escapes as U+FFFD like every other JSON input
// (json_parse.hpp). The rewrite keeps byte offsets, so a remaining error keeps its position.
json parse_lenient(std::string& text) {
    try {
        return json::parse(text);
    } catch (const json::parse_error&) {
        if (!replace_lone_surrogates(text)) throw;
        return json::parse(text);
    }
}

// True when `p`, with symbolic links followed, is `root` or below it. A path that does not
// exist yet cannot point anywhere, so it counts as inside.
bool inside(const fs::path& root, const fs::path& p) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(p, ec))) return true;
    const fs::path real = fs::canonical(p, ec);
    if (ec) return false;
    const fs::path rel = real.lexically_relative(fs::canonical(root));
    return !rel.empty() && *rel.begin() != "..";
}

// Reads and parses one file; parse errors name the line and column, not just the byte.
// Every file goes through here, so each is checked the same way: it must stay inside the
// export with links followed (an unpacked archive may carry links to anywhere), be a
// regular file (a FIFO would block forever) and be at most `max_bytes` long.
json read_json(const fs::path& root, const fs::path& file, std::uintmax_t max_bytes) {
    if (!inside(root, file)) fail(root, file, "links outside the export");
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) fail(root, file, "not a regular file");
    const auto size = fs::file_size(file, ec);
    if (ec) fail(root, file, "cannot read the file");
    if (size > max_bytes)
        fail(root,
             file,
             std::to_string(size) + " bytes, over the limit of " + std::to_string(max_bytes) +
                 " (import --max-file-mb)");
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(root, file, "cannot read the file");
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    // A file that changed size meanwhile is read no further than the size checked.
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (nested_deeper_than(text))
        fail(root, file, "JSON nested deeper than " + std::to_string(max_json_depth) + " levels");
    try {
        return parse_lenient(text);
    } catch (const json::parse_error& e) {
        std::size_t line = 1, column = 1;
        const std::size_t end = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
        for (std::size_t i = 0; i < end; ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        // nlohmann's message starts with "[json.exception.parse_error.101] parse error at
        // line x, column y: "; keep only the part after the position.
        std::string what = e.what();
        if (auto colon = what.find(": ", what.find("parse error")); colon != std::string::npos)
            what = what.substr(colon + 2);
        fail(root, file, "line " + std::to_string(line) + ", column " + std::to_string(column) +
                             ": invalid JSON (" + what + ")");
    } catch (const json::out_of_range&) {
        // Well-formed but unrepresentable numbers (1e999) are not parse errors to nlohmann,
        // and its out_of_range carries no position.
        fail(root, file, "a number too large to read");
    }
}

struct export_channel {
    std::string id;
    std::string name;
    std::string title;
    int severity = 3;
    bool archived = false;
    // Listed in groups.json: a private channel.
    bool is_private = false;
    std::optional<unix_time> created;
};

struct parsed_message {
    timeline_entry entry;
    // Marking reactions: (emoji, user).
    std::vector<std::pair<std::string, std::string>> reactions;
};

struct parsed_channel {
    export_channel channel;
    std::vector<parsed_message> messages;
};

// "SEV1".."SEV5" anywhere in the text, case-insensitive.
std::optional<int> find_severity(const std::string& text) {
    for (std::size_t i = 0; i + 3 < text.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(text[i])) == 's' &&
            std::tolower(static_cast<unsigned char>(text[i + 1])) == 'e' &&
            std::tolower(static_cast<unsigned char>(text[i + 2])) == 'v' && text[i + 3] >= '1' &&
            text[i + 3] <= '5')
            return text[i + 3] - '0';
    }
    return std::nullopt;
}

std::string nested_value(const json& channel, const char* key) {
    const json* obj = detail::get_object(channel, key);
    return obj ? detail::get_string(*obj, "value").value_or("") : "";
}

// A channel name that can only mean one folder directly under the export root. NUL needs
// its own test: std::filesystem keeps it, but the OS sees "..\0" as "..".
bool is_plain_folder_name(const std::string& name) {
    // 255 is NAME_MAX on Linux; Slack caps names at 80 characters.
    if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
    return std::none_of(name.begin(), name.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return ch == '/' || ch == '\\' || u < 0x20 || u == 0x7f;
    });
}

// The name for an error message, with control bytes as \xNN so that it cannot hide in (or
// rewrite) a terminal.
std::string quoted(const std::string& name) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (char ch : name.substr(0, 80)) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 0x20 || u == 0x7f) {
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += ch;
        }
    }
    return out + (name.size() > 80 ? "...\"" : "\"");
}

std::vector<export_channel> read_channels(const fs::path& root,
                                          const fs::path& file,
                                          std::uintmax_t max_bytes) {
    const json doc = read_json(root, file, max_bytes);
    if (!doc.is_array()) fail(root, file, "expected a JSON array of channels");
    std::vector<export_channel> out;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        const json& c = doc[i];
        const auto id = detail::get_string(c, "id");
        const auto name = detail::get_string(c, "name");
        const std::string where = "channel #" + std::to_string(i + 1);
        if (!id || !name) fail(root, file, where + ": missing id or name");
        // The name becomes a folder under the root, so it must stay there.
        if (!is_plain_folder_name(*name))
            fail(root,
                 file,
                 where + " " + quoted(*name) +
                     ": not a plain folder name (no '/', '\\', '.', '..', control characters or "
                     "over 255 bytes)");
        if (!inside(root, root / *name))
            fail(root, file, where + " " + quoted(*name) + ": its folder is outside the export");
        export_channel ch;
        ch.id = *id;
        ch.name = *name;
        const std::string purpose = nested_value(c, "purpose");
        const std::string topic = nested_value(c, "topic");
        ch.title = !purpose.empty() ? purpose : !topic.empty() ? topic : *name;
        ch.severity = find_severity(purpose).value_or(
            find_severity(topic).value_or(find_severity(*name).value_or(3)));
        if (auto a = c.find("is_archived"); a != c.end() && a->is_boolean())
            ch.archived = a->get<bool>();
        if (auto t = c.find("created"); t != c.end() && t->is_number_integer())
            ch.created = unix_time(std::chrono::seconds(t->get<std::int64_t>()));
        out.push_back(std::move(ch));
    }
    return out;
}

std::string display_name(const json& u, const std::string& fallback) {
    for (const json* obj : {detail::get_object(u, "profile"), &u}) {
        if (!obj) continue;
        for (const char* key : {"display_name", "real_name", "name"})
            if (auto v = detail::get_string(*obj, key); v && !v->empty()) return *v;
    }
    return fallback;
}

std::vector<cached_user> read_users(const fs::path& root,
                                    const fs::path& file,
                                    unix_time now,
                                    std::uintmax_t max_bytes) {
    const json doc = read_json(root, file, max_bytes);
    if (!doc.is_array()) fail(root, file, "expected a JSON array of users");
    std::vector<cached_user> out;
    for (std::size_t i = 0; i < doc.size(); ++i) {
        const auto id = detail::get_string(doc[i], "id");
        if (!id) fail(root, file, "user #" + std::to_string(i + 1) + ": missing id");
        const auto bot = doc[i].find("is_bot");
        const bool is_bot = bot != doc[i].end() && bot->is_boolean() && bot->get<bool>();
        out.push_back({*id, display_name(doc[i], *id), is_bot, now});
        // Bot messages carry the bot id (B...), not the bot user's id: cache both.
        if (const json* profile = detail::get_object(doc[i], "profile"))
            if (auto bot_id = detail::get_string(*profile, "bot_id"); bot_id && is_bot)
                out.push_back({*bot_id, out.back().display_name, true, now});
    }
    return out;
}

bool is_day_file(const fs::path& p) {
    const std::string n = p.filename().string();
    if (n.size() != 15 || p.extension() != ".json") return false;
    for (std::size_t i = 0; i < 10; ++i) {
        const bool dash = i == 4 || i == 7;
        if (dash ? n[i] != '-' : !std::isdigit(static_cast<unsigned char>(n[i]))) return false;
    }
    return true;
}

parsed_channel read_channel(const fs::path& root,
                            const export_channel& ch,
                            const import_options& options,
                            std::map<std::string, cached_user>& profiles,
                            unix_time now) {
    const capture_config& capture = options.capture;
    parsed_channel out{ch, {}};
    const fs::path folder = root / ch.name;
    if (!fs::is_directory(folder)) return out;
    std::vector<fs::path> days;
    for (const auto& f : fs::directory_iterator(folder))
        if (f.is_regular_file() && is_day_file(f.path())) days.push_back(f.path());
    std::sort(days.begin(), days.end());

    for (const auto& day : days) {
        const json doc = read_json(root, day, options.max_file_bytes);
        if (!doc.is_array()) fail(root, day, "expected a JSON array of messages");
        for (std::size_t i = 0; i < doc.size(); ++i) {
            const json& msg = doc[i];
            const std::string where = "message #" + std::to_string(i + 1) + ": ";
            if (!msg.is_object()) fail(root, day, where + "not an object");
            const auto ts = detail::get_string(msg, "ts");
            if (!ts) fail(root, day, where + "missing ts");
            if (!canonical_ts(*ts)) fail(root, day, where + "malformed ts '" + *ts + "'");

            // Day files embed a profile snapshot; it names authors missing from users.json.
            const auto user = detail::get_string(msg, "user");
            if (const json* profile = detail::get_object(msg, "user_profile"); profile && user)
                profiles.try_emplace(*user, cached_user{*user, display_name(*profile, *user),
                                                        false, now});

            auto mapped = detail::map_message(msg, ch.id, capture);
            if (!mapped.entry) continue;  // channel_topic and other notices
            parsed_message pm{std::move(*mapped.entry), {}};
            // Slack exports list reactions with every user who added them; null arrays are
            // tolerated (exports made by tools such as slackdump write them).
            if (auto r = msg.find("reactions"); r != msg.end() && r->is_array()) {
                for (const json& reaction : *r) {
                    const auto name = detail::get_string(reaction, "name");
                    const auto users = reaction.is_object() ? reaction.find("users") : reaction.end();
                    if (!name || users == reaction.end() || !users->is_array()) continue;
                    const auto mark = capture.mark_for(*name);
                    if (!mark.key_event && !mark.stage) continue;
                    for (const json& u : *users)
                        if (u.is_string()) pm.reactions.emplace_back(*name, u.get<std::string>());
                }
            }
            out.messages.push_back(std::move(pm));
        }
    }
    // Day files are in ts order; across files too, since they are split by date.
    std::stable_sort(out.messages.begin(), out.messages.end(), [](const auto& a, const auto& b) {
        return a.entry.ts < b.entry.ts;
    });
    return out;
}

unix_time ts_seconds(const std::string& canonical) {
    return unix_time(std::chrono::seconds(std::stoll(canonical.substr(0, 10))));
}

// The bot's announcement on `/incident resolve` (bot/commands/lifecycle.cpp, resolve()):
// ":white_check_mark: *Incident #12 resolved* by <@U…> after …".
bool is_bot_resolve_post(std::string_view text) {
    constexpr std::string_view head = "*Incident #", tail = " resolved*";
    for (auto at = text.find(head); at != std::string_view::npos; at = text.find(head, at + 1)) {
        std::size_t i = at + head.size();
        const std::size_t digits = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i > digits && text.substr(i).starts_with(tail)) return true;
    }
    return false;
}

// The text after leading blanks, emoji codes (":white_check_mark:") and bold, italic or
// strike marks, so ":tada: *Resolved*" reads as "Resolved*".
std::string_view after_decoration(std::string_view t) {
    const auto emoji_char = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-';
    };
    for (std::size_t before = std::string_view::npos; t.size() != before;) {
        before = t.size();
        while (!t.empty() && (std::isspace(static_cast<unsigned char>(t[0])) || t[0] == '*' ||
                              t[0] == '_' || t[0] == '~'))
            t.remove_prefix(1);
        if (t.starts_with(':')) {
            const auto end = t.find(':', 1);
            if (end != std::string_view::npos && end > 1 &&
                std::all_of(t.begin() + 1,
                            t.begin() + static_cast<std::ptrdiff_t>(end),
                            emoji_char))
                t.remove_prefix(end + 1);
        }
    }
    return t;
}

bool is_resolution_message(std::string_view text) {
    if (text.find('?') != std::string_view::npos) return false;
    return std::any_of(k_resolution_phrases.begin(),
                       k_resolution_phrases.end(),
                       [&](std::string_view p) { return starts_with_phrase(text, p); });
}

// The incident-channel filter, compiled once per import.
class channel_filter {
  public:
    explicit channel_filter(const import_options& o)
        : options_(o), re_(o.channel_pattern, quiet()) {
        if (auto bad = channel_pattern_error(o.channel_pattern))
            throw import_error("setting 'import.channel_pattern': " + *bad);
    }

    // Why `name` is not imported; nullopt when it is.
    std::optional<std::string> skip_reason(const std::string& name) const {
        if (options_.all || options_.channel || RE2::FullMatch(name, re_)) return std::nullopt;
        return "not an incident channel (pattern " + options_.channel_pattern +
               "); use --channel " + name + " or --all";
    }

  private:
    static RE2::Options quiet() {
        RE2::Options o;
        o.set_log_errors(false);
        return o;
    }
    const import_options& options_;
    RE2 re_;
};

// The rule that resolved the channel and the message it used: the last message that
// satisfies a rule, the bot's post over a person's; else the archive, at the last message.
std::pair<resolution_rule, const std::string*> infer_resolution(const parsed_channel& pc) {
    std::pair<resolution_rule, const std::string*> best{resolution_rule::none, nullptr};
    for (const auto& m : pc.messages) {
        const auto rule = resolution_of(m.entry);
        if (rule == resolution_rule::none) continue;
        if (rule == resolution_rule::bot_post || best.first != resolution_rule::bot_post)
            best = {rule, &m.entry.ts};
    }
    if (best.first == resolution_rule::none && pc.channel.archived && !pc.messages.empty())
        best = {resolution_rule::archived, &pc.messages.back().entry.ts};
    return best;
}

}  // namespace

bool starts_with_phrase(std::string_view text, std::string_view phrase) {
    const auto t = after_decoration(text);
    if (t.size() < phrase.size()) return false;
    for (std::size_t i = 0; i < phrase.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(t[i])) != phrase[i]) return false;
    return t.size() == phrase.size() || !std::isalnum(static_cast<unsigned char>(t[phrase.size()]));
}

resolution_rule resolution_of(const timeline_entry& e) {
    if (!e.text || e.deleted) return resolution_rule::none;
    if (e.source == entry_source::bot)
        return is_bot_resolve_post(*e.text) ? resolution_rule::bot_post : resolution_rule::none;
    // A thread reply is often about one part of the problem; only the channel itself counts.
    const bool top_level = !e.thread_ts || e.kind == "thread_broadcast";
    if (e.source == entry_source::message && top_level && is_resolution_message(*e.text))
        return resolution_rule::message;
    return resolution_rule::none;
}

import_summary import_slack_export(store& s,
                                   const fs::path& root,
                                   const import_options& options) {
    if (fs::is_regular_file(root))
        throw import_error(root.string() +
                           ": zip archives are not supported by this build; unzip it and pass "
                           "the folder");
    if (!fs::is_directory(root)) throw import_error(root.string() + ": no such folder");
    const auto now = std::chrono::floor<std::chrono::seconds>(s.now());
    const channel_filter filter(options);

    // Phase 1: read and validate everything, writing nothing.
    std::vector<export_channel> channels;
    for (const char* name : {"channels.json", "groups.json"}) {
        if (!fs::exists(root / name)) continue;
        auto more = read_channels(root, root / name, options.max_file_bytes);
        for (auto& c : more) c.is_private = std::string_view(name) == "groups.json";
        channels.insert(channels.end(), more.begin(), more.end());
    }
    if (!fs::exists(root / "channels.json") && !fs::exists(root / "groups.json"))
        throw import_error(root.string() + ": channels.json not found; is this a Slack export?");
    if (options.channel) {
        std::erase_if(channels, [&](const auto& c) { return c.name != *options.channel; });
        if (channels.empty())
            throw import_error("no channel named '" + *options.channel + "' in the export");
    }

    std::vector<cached_user> users;
    // Enterprise Grid org exports call the file org_users.json.
    for (const char* name : {"users.json", "org_users.json"}) {
        if (!fs::exists(root / name)) continue;
        users = read_users(root, root / name, now, options.max_file_bytes);
        break;
    }
    // Channels that are not imported are not read either: a broken #general day file must
    // not stop the import of the incident channels.
    std::map<std::string, cached_user> profiles;
    std::vector<std::optional<parsed_channel>> parsed;
    for (const auto& ch : channels) {
        if (filter.skip_reason(ch.name))
            parsed.emplace_back();
        else
            parsed.push_back(read_channel(root, ch, options, profiles, now));
    }
    for (const auto& u : users) profiles.erase(u.id);
    for (auto& [id, u] : profiles) users.push_back(std::move(u));

    // Phase 2: users in one transaction, then one per channel.
    import_summary summary;
    {
        transaction tx(s);
        for (const auto& u : users) s.put_user(u);
        tx.commit();
        summary.users = users.size();
    }
    const auto existing = s.list_incidents();
    for (std::size_t c = 0; c < channels.size(); ++c) {
        imported_channel result;
        result.name = channels[c].name;
        if (!parsed[c]) {
            result.skipped = *filter.skip_reason(result.name);
            summary.channels.push_back(std::move(result));
            continue;
        }
        auto& pc = *parsed[c];
        const auto clash = std::find_if(existing.begin(), existing.end(), [&](const incident& i) {
            return i.channel == pc.channel.id;
        });
        if (clash != existing.end()) {
            result.skipped = "already imported as incident " + std::to_string(clash->id);
        } else if (pc.messages.empty()) {
            result.skipped = "no messages";
        } else {
            transaction tx(s);
            new_incident n;
            n.title = pc.channel.title;
            n.severity = pc.channel.severity;
            n.channel = pc.channel.id;
            n.declared_at = ts_seconds(pc.messages.front().entry.ts);
            n.is_private = pc.channel.is_private;
            const auto [rule, resolution_ts] = infer_resolution(pc);
            if (resolution_ts) {
                n.status = incident_status::resolved;
                n.resolved_at = ts_seconds(*resolution_ts);
            }
            const auto inc = s.create_incident(n);
            for (auto& m : pc.messages) {
                m.entry.incident_id = inc.id;
                const auto id = s.add_entry(m.entry);
                if (!id) continue;  // the same ts twice in an export: keep the first
                ++result.entries;
                for (const auto& [name, user] : m.reactions)
                    s.add_reaction(*id, user, name, options.capture.mark_for(name));
                // The check the live bot nudges with, recorded instead of sent.
                if (options.rules && m.entry.is_persons_words())
                    for (auto& f : options.rules->scan(*m.entry.text))
                        if (s.add_imported_finding(inc.id, {m.entry.ts, f.rule_id, f.category}))
                            ++result.findings;
            }
            s.record_import({inc.id,
                             now,
                             rule,
                             resolution_ts ? std::optional(*resolution_ts) : std::nullopt});
            tx.commit();
            result.incident_id = inc.id;
            result.resolved_by = rule;
            result.resolved_at = n.resolved_at;
        }
        summary.channels.push_back(std::move(result));
    }
    return summary;
}

}  // namespace incident_bot

// Rule loading and matching. All patterns of all rules go into one RE2::Set, a single DFA
// pass that answers "did anything match?" for the common clean message; only on a hit do the
// individual patterns run again for positions, and the ignore patterns for suppression.
#include "incident_bot/rules/engine.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "incident_bot/json_parse.hpp"
#include "rules/normalize.hpp"
#include "rules/read_file.hpp"

namespace incident_bot {

struct rule_set::impl {
    /// A compiled pattern and the rule it belongs to.
    struct pattern {
        std::size_t rule_index;
        std::unique_ptr<RE2> re;
    };

    std::vector<rule> rules;
    std::vector<std::string> global_ignore;
    std::vector<pattern> patterns;
    // RE2::Set index -> the patterns to run when that entry matches: the pattern itself, or
    // all of a rule's patterns when the entry is the rule's trigger.
    std::vector<std::vector<std::size_t>> set_targets;
    // Per rule, its ignore patterns and the top-level ones as one set (null when there are
    // none): one DFA pass per sentence checked.
    std::vector<std::unique_ptr<RE2::Set>> ignores;
    std::unique_ptr<RE2::Set> set;
};

namespace {

using json = nlohmann::json;

// Memory budgets: RE2 caches DFA states up to its budget and keeps them, so over a long
// `lint` input every pattern would grow to its own. The one set that sees every message gets
// a large budget (a smaller one makes it rebuild its cache and halves throughput); patterns
// and ignore sets, which run only on flagged sentences, get small ones.
constexpr std::int64_t set_budget = 16 << 20;
constexpr std::int64_t pattern_budget = 2 << 20;

RE2::Options pattern_options(std::int64_t budget = pattern_budget) {
    RE2::Options o;
    // Normalised text is ASCII-lowered, so byte-wise matching is exact and the DFA is smaller.
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_case_sensitive(false);
    o.set_log_errors(false);
    o.set_max_mem(budget);
    return o;
}

[[noreturn]] void fail(std::string_view source, const std::string& what) {
    throw rules_error(std::string(source) + ": " + what);
}

// The longest pattern or define after expansion. Defines are stored expanded, so one that
// uses another twice doubles, and a chain of them grows exponentially long before RE2 sees
// it; the bound keeps that to a clear error. The built-in rules peak near 1.6 KB. It also
// bounds nesting depth, which RE2 limits on its own (1000 levels).
constexpr std::size_t max_expanded_pattern = 64 * 1024;

// "{person}" in a pattern expands to the top-level "define" entry of that name, so rules
// share one definition of who counts as a person. Regex repetitions ({2,3}) are left alone.
std::string expand(const std::string& pattern,
                   const std::map<std::string, std::string>& defines,
                   const std::string& where,
                   std::string_view source) {
    auto too_long = [&](const std::string& through) {
        fail(source,
             where + ": pattern is longer than " + std::to_string(max_expanded_pattern) + " bytes" +
                 (through.empty() ? "" : " once " + through + " is expanded"));
    };
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 1 < pattern.size() &&
            (std::islower(static_cast<unsigned char>(pattern[i + 1])) != 0)) {
            auto close = pattern.find('}', i);
            if (close != std::string::npos) {
                std::string name = pattern.substr(i + 1, close - i - 1);
                auto it = defines.find(name);
                if (it == defines.end())
                    fail(source, where + ": unknown definition {" + name + "}");
                // Checked before appending, so `out` never outgrows the bound.
                if (out.size() + it->second.size() + 5 > max_expanded_pattern)
                    too_long("{" + name + "}");
                out += "(?:" + it->second + ")";
                i = close;
                continue;
            }
        }
        if (out.size() == max_expanded_pattern) too_long("");
        out.push_back(pattern[i]);
    }
    return out;
}

std::unique_ptr<RE2> compile(const std::string& pattern,
                             const std::string& where,
                             std::string_view source) {
    auto re = std::make_unique<RE2>(pattern, pattern_options());
    if (!re->ok()) fail(source, where + ": bad pattern \"" + pattern + "\": " + re->error());
    return re;
}

std::vector<std::string> string_list(const json& obj,
                                     const char* key,
                                     bool required,
                                     const std::string& where,
                                     std::string_view source) {
    std::vector<std::string> out;
    auto it = obj.find(key);
    if (it == obj.end()) {
        if (required) fail(source, where + ": missing field \"" + key + "\"");
        return out;
    }
    if (!it->is_array()) fail(source, where + ": field \"" + key + "\" must be an array");
    for (const auto& v : *it) {
        if (!v.is_string() || v.get_ref<const std::string&>().empty())
            fail(source, where + ": field \"" + key + "\" must hold non-empty strings");
        out.push_back(v.get<std::string>());
    }
    if (required && out.empty()) fail(source, where + ": field \"" + key + "\" is empty");
    return out;
}

std::string string_field(const json& obj,
                         const char* key,
                         const std::string& where,
                         std::string_view source) {
    auto it = obj.find(key);
    if (it == obj.end()) fail(source, where + ": missing field \"" + key + "\"");
    if (!it->is_string() || it->get_ref<const std::string&>().empty())
        fail(source, where + ": field \"" + key + "\" must be a non-empty string");
    return it->get<std::string>();
}

// Unknown keys are errors so that a typo ("ignores") is not silently dropped; keys starting
// with '_' are comments.
void check_keys(const json& obj,
                const std::set<std::string>& known,
                const std::string& where,
                std::string_view source) {
    for (const auto& [k, v] : obj.items()) {
        if (!k.starts_with("_") && !known.contains(k))
            fail(source, where + ": unknown field \"" + k + "\"");
    }
}

bool known_category(std::string_view c) {
    return std::find(rule_categories.begin(), rule_categories.end(), c) != rule_categories.end();
}

// The bytes that end a sentence, the scope of ignore patterns; the commonest first, so that
// sentence_end() bounds the later searches early.
constexpr std::array<char, 5> boundary_bytes{'.', '?', '!', '\n', ';'};
// A table rather than compares: a range test before the compares mispredicts at every space.
constexpr std::array<bool, 256> boundaries = [] {
    std::array<bool, 256> a{};
    for (char c : boundary_bytes) a[static_cast<unsigned char>(c)] = true;
    return a;
}();
bool is_boundary(char c) { return boundaries[static_cast<unsigned char>(c)]; }

// The first sentence boundary at or after `from`, or the end of `text`. A flagged message is
// often one sentence, so this reads to its end: memchr for each boundary byte, each bounded
// by the nearest found so far, costs a third of a table test per byte.
std::size_t sentence_end(std::string_view text, std::size_t from) {
    const char* const begin = text.data() + from;
    const char* end = text.data() + text.size();
    for (char c : boundary_bytes) {
        if (const void* p = std::memchr(begin, c, static_cast<std::size_t>(end - begin)))
            end = static_cast<const char*>(p);
    }
    return static_cast<std::size_t>(end - text.data());
}

bool is_trim(char c) {
    return c == ' ' || c == '\n' || c == ',' || c == '.' || c == ';' || c == ':' || c == '!' ||
           c == '(' || c == ')' || c == '-';
}

// Validates each pattern on its own (for a precise error), then compiles them and the
// already expanded and checked `shared` ones as one set.
std::unique_ptr<RE2::Set> compile_set(const std::vector<std::string>& patterns,
                                      const std::vector<std::string>& shared,
                                      const std::map<std::string, std::string>& defines,
                                      const std::string& where,
                                      std::string_view source) {
    if (patterns.empty() && shared.empty()) return nullptr;
    auto set = std::make_unique<RE2::Set>(pattern_options(), RE2::UNANCHORED);
    auto add = [&](const std::string& full, const std::string& pat) {
        std::string error;
        if (set->Add(full, &error) < 0)
            fail(source, where + ": bad pattern \"" + pat + "\": " + error);
    };
    for (const auto& pat : patterns) {
        std::string full = expand(pat, defines, where, source);
        compile(full, where, source);
        add(full, pat);
    }
    for (const auto& full : shared) add(full, full);
    if (!set->Compile()) fail(source, where + ": patterns too large to compile together");
    return set;
}

bool any_match(const std::unique_ptr<RE2::Set>& set, std::string_view text) {
    return set && set->Match(re2::StringPiece(text.data(), text.size()), nullptr);
}

// Buffers reused by every scan on a thread, so a clean message allocates nothing.
struct scan_buffers {
    normalized_text text;
    std::vector<int> hits;
    // Normalised spans already claimed, so a phrase is reported once, by the earliest rule.
    std::vector<std::pair<std::size_t, std::size_t>> taken;
};
thread_local scan_buffers scratch;

}  // namespace

rule_set::rule_set(std::shared_ptr<const impl> p) : impl_(std::move(p)) {}

rule_set rule_set::parse(std::string_view text, std::string_view source) {
    if (nested_deeper_than(text))
        fail(source, "nested deeper than " + std::to_string(max_json_depth) + " levels");
    json doc;
    try {
        doc = json::parse(text.begin(), text.end());
    } catch (const json::parse_error& e) {
        fail(source, std::string("not valid JSON: ") + e.what());
    } catch (const json::out_of_range& e) {
        // Well-formed but unrepresentable numbers (1e999) are not parse errors to nlohmann.
        fail(source, std::string("unreadable number: ") + e.what());
    }
    if (!doc.is_object()) fail(source, "top level must be an object");
    check_keys(doc, {"version", "define", "ignore", "rules"}, "top level", source);
    if (auto v = doc.find("version"); v != doc.end() && *v != 1)
        fail(source, "unsupported \"version\" (this build reads version 1)");

    std::map<std::string, std::string> defines;
    if (auto d = doc.find("define"); d != doc.end()) {
        if (!d->is_object()) fail(source, "\"define\" must be an object of strings");
        for (const auto& [k, v] : d->items()) {
            if (k.starts_with("_")) continue;
            if (!v.is_string()) fail(source, "define \"" + k + "\" must be a string");
            defines[k] = expand(v.get<std::string>(), defines, "define \"" + k + "\"", source);
            compile(defines[k], "define \"" + k + "\"", source);
        }
    }

    auto p = std::make_shared<impl>();
    p->set = std::make_unique<RE2::Set>(pattern_options(set_budget), RE2::UNANCHORED);
    p->global_ignore = string_list(doc, "ignore", false, "top-level ignore", source);
    std::vector<std::string> global_ignore;
    for (const auto& pat : p->global_ignore) {
        global_ignore.push_back(expand(pat, defines, "top-level ignore", source));
        compile(global_ignore.back(), "top-level ignore", source);
    }

    auto rules_it = doc.find("rules");
    if (rules_it == doc.end() || !rules_it->is_array() || rules_it->empty())
        fail(source, "\"rules\" must be a non-empty array");
    std::set<std::string> ids;
    for (std::size_t n = 0; n < rules_it->size(); ++n) {
        const json& r = (*rules_it)[n];
        std::string where = "rule #" + std::to_string(n + 1);
        if (!r.is_object()) fail(source, where + ": must be an object");
        rule out;
        out.id = string_field(r, "id", where, source);
        where = "rule \"" + out.id + "\"";
        if (!ids.insert(out.id).second) fail(source, where + ": duplicate id");
        check_keys(r,
                   {"id", "category", "trigger", "patterns", "ignore", "why", "suggestions"},
                   where,
                   source);
        out.category = string_field(r, "category", where, source);
        if (!known_category(out.category)) {
            std::string list;
            for (auto c : rule_categories) list += (list.empty() ? "" : ", ") + std::string(c);
            fail(source,
                 where + ": unknown category \"" + out.category + "\" (one of " + list + ")");
        }
        out.patterns = string_list(r, "patterns", true, where, source);
        out.ignore = string_list(r, "ignore", false, where, source);
        out.why = string_field(r, "why", where, source);
        out.suggestions = string_list(r, "suggestions", true, where, source);

        if (r.contains("trigger")) out.trigger = string_field(r, "trigger", where, source);

        const std::size_t index = p->rules.size();
        auto add_to_set = [&](const std::string& full, const std::string& pat) {
            std::string error;
            if (p->set->Add(full, &error) < 0)
                fail(source, where + ": bad pattern \"" + pat + "\": " + error);
            p->set_targets.emplace_back();
        };
        // With a trigger, only the trigger joins the shared automaton: rules that compose a
        // person with a harm would otherwise multiply its states on every word.
        if (!out.trigger.empty()) {
            const std::string full = expand(out.trigger, defines, where + " trigger", source);
            compile(full, where + " trigger", source);
            add_to_set(full, out.trigger);
        }
        for (const auto& pat : out.patterns) {
            std::string full = expand(pat, defines, where, source);
            auto re = compile(full, where, source);
            if (out.trigger.empty()) add_to_set(full, pat);
            p->set_targets.back().push_back(p->patterns.size());
            p->patterns.push_back({index, std::move(re)});
        }
        p->ignores.push_back(
            compile_set(out.ignore, global_ignore, defines, where + " ignore", source));
        p->rules.push_back(std::move(out));
    }
    if (!p->set->Compile()) fail(source, "patterns too large to compile together");
    return rule_set(std::move(p));
}

rule_set rule_set::load_file(const std::string& path) {
    return parse(detail::read_file<rules_error>(path, "rule file"), path);
}

rule_set rule_set::load_default() { return parse(default_rules_json(), "built-in rules"); }

const std::vector<rule>& rule_set::rules() const { return impl_->rules; }

const std::vector<std::string>& rule_set::ignore() const { return impl_->global_ignore; }

std::vector<finding> rule_set::scan(std::string_view text) const {
    std::vector<finding> out;
    scan_buffers& buf = scratch;
    const normalized_text& n = buf.text;
    // Normalise first: it may reallocate the buffer the view points into.
    const std::size_t length = detail::normalize_into(text, buf.text);
    const std::string_view norm(n.text.data(), length);
    const re2::StringPiece whole(norm.data(), norm.size());
    std::vector<int>& hits = buf.hits;
    if (!impl_->set->Match(whole, &hits)) return out;
    std::sort(hits.begin(), hits.end());

    std::vector<std::pair<std::size_t, std::size_t>>& taken = buf.taken;
    taken.clear();
    for (int h : hits) {
        for (std::size_t target : impl_->set_targets[static_cast<std::size_t>(h)]) {
            const auto& pat = impl_->patterns[target];
            const rule& r = impl_->rules[pat.rule_index];
            std::size_t pos = 0;
            re2::StringPiece m;
            // A match starting at the end is empty and never reported, so the search that would
            // find it (often the last, after a phrase that ends the message) is skipped.
            while (pos < norm.size() &&
                   pat.re->Match(whole, pos, norm.size(), RE2::UNANCHORED, &m, 1)) {
                std::size_t b = static_cast<std::size_t>(m.data() - norm.data());
                std::size_t e = b + m.size();
                pos = e > b ? e : b + 1;
                while (b < e && is_trim(norm[b])) ++b;
                while (e > b && is_trim(norm[e - 1])) --e;
                if (b == e) continue;

                // Overlaps first: they are cheap to test and a claimed span needs no ignore pass.
                bool overlaps = false;
                for (const auto& [tb, te] : taken) overlaps = overlaps || (b < te && tb < e);
                if (overlaps) continue;

                std::size_t s0 = b;
                while (s0 > 0 && !is_boundary(norm[s0 - 1])) --s0;
                const std::size_t s1 = sentence_end(norm, e);
                const std::string_view sentence = norm.substr(s0, s1 - s0);
                if (any_match(impl_->ignores[pat.rule_index], sentence)) continue;
                taken.emplace_back(b, e);

                // Built in place: each string is constructed once, not defaulted, assigned, moved.
                const std::size_t offset = std::min<std::size_t>(n.source_begin[b], text.size());
                const std::size_t end = std::min<std::size_t>(n.source_end[e - 1], text.size());
                const std::size_t length = end > offset ? end - offset : 0;
                out.push_back({.rule_id = r.id,
                               .category = r.category,
                               .offset = offset,
                               .length = length,
                               .matched = std::string(text.substr(offset, length)),
                               .why = r.why,
                               .suggestion = r.suggestions.front()});
            }
        }
    }
    std::sort(out.begin(), out.end(), [](const finding& a, const finding& b) {
        return a.offset < b.offset;
    });
    return out;
}

bool rule_set::flags(std::string_view text) const { return !scan(text).empty(); }

}  // namespace incident_bot

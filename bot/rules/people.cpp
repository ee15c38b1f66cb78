#include "incident_bot/rules/people.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace incident_bot {
namespace {

// Names that are also everyday words in an incident channel; read as names they would turn
// "this will fail" or "the page fired" into sentences about people.
constexpr std::array<std::string_view, 96> everyday_words{
    "will",   "mark",  "may",    "june",   "april",  "august", "bill",   "rob",    "pat",
    "grace",  "hope",  "faith",  "joy",    "ray",    "rich",   "art",    "chase",  "drew",
    "max",    "sunny", "dawn",   "summer", "amber",  "ruby",   "jade",   "rose",   "lily",
    "iris",   "holly", "ivy",    "jack",   "jay",    "penny",  "sage",   "river",  "sky",
    "storm",  "miles", "dean",   "earl",   "frank",  "gene",   "guy",    "herb",   "kit",
    "lane",   "page",  "pierce", "reed",   "rocky",  "rusty",  "sandy",  "sterling", "wade",
    "ward",   "win",   "don",    "eve",    "ash",    "bay",    "brook",  "cliff",  "dale",
    "dash",   "doc",   "fox",    "glen",   "hunter", "king",   "major",  "mason",  "price",
    "rex",    "stone", "trace",  "young",  "case",   "chance", "hall",   "hill",   "cash",
    "ty",     "nat",   "sol",    "val",    "dev",    "ops",    "lead",   "chip",   "buck",
    "gray",   "grey",  "white",  "black",  "brown",  "green",
};

bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || static_cast<unsigned char>(c) >= 0x80;
}

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Bytes after which a word is part of something else: a link, a mention, a channel, an
// emoji code, a path or a host name.
bool attached(char before) {
    return before == '@' || before == '#' || before == '/' || before == '.' || before == ':' ||
           before == '<' || before == '|' || before == '^' || before == '=';
}

}  // namespace

std::shared_ptr<const name_set> name_set::from_names(const std::vector<std::string>& names) {
    auto out = std::make_shared<name_set>();
    for (const auto& name : names) {
        std::size_t i = 0;
        while (i < name.size()) {
            while (i < name.size() && !is_word_char(name[i])) ++i;
            std::string word;
            for (; i < name.size() && is_word_char(name[i]); ++i) word.push_back(lower(name[i]));
            const bool everyday =
                std::find(everyday_words.begin(), everyday_words.end(), word) != everyday_words.end();
            if (word.size() >= 2 && !everyday) out->words_.insert(std::move(word));
        }
    }
    return out;
}

std::shared_ptr<const name_set> name_set::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error(path + ": cannot open names file");
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line.front() != '#') names.push_back(line);
    }
    if (in.bad()) throw std::runtime_error(path + ": cannot read names file");
    return from_names(names);
}

bool name_set::contains(std::string_view word) const {
    return words_.contains(std::string(word));
}

std::string name_set::mark(std::string_view text) const {
    std::string out(text);
    if (words_.empty()) return out;
    std::string word;
    std::size_t i = 0;
    while (i < out.size()) {
        if (!is_word_char(out[i])) {
            ++i;
            continue;
        }
        const std::size_t begin = i;
        word.clear();
        for (; i < out.size() && is_word_char(out[i]); ++i) word.push_back(lower(out[i]));
        if (begin > 0 && attached(out[begin - 1])) continue;
        if (words_.contains(word)) out[begin] = '@';
    }
    return out;
}

std::vector<std::string> people_in_message(json_view event) {
    std::vector<std::string> out;
    if (!event.is_object() || event["bot_id"].present()) return out;
    auto add = [&](std::string id) {
        const bool user_id = id.size() >= 2 && (id[0] == 'U' || id[0] == 'W');
        if (user_id && std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(std::move(id));
    };
    if (const auto user = event.string("user")) add(std::string(*user));
    if (const auto text = event.string("text")) {
        for (auto at = text->find("<@"); at != std::string_view::npos; at = text->find("<@", at + 2)) {
            const auto end = text->find_first_of(">|", at + 2);
            if (end == std::string_view::npos) break;
            add(std::string(text->substr(at + 2, end - at - 2)));
        }
    }
    return out;
}

std::vector<std::string> profile_names(const nlohmann::json& users_info) {
    std::vector<std::string> out;
    const auto user = users_info.find("user");
    if (!users_info.is_object() || user == users_info.end() || !user->is_object()) return out;
    auto add = [&](const nlohmann::json& obj, const char* key) {
        const auto v = obj.find(key);
        if (v == obj.end() || !v->is_string()) return;
        const auto& s = v->get_ref<const std::string&>();
        if (!s.empty() && s.size() < 200 && std::find(out.begin(), out.end(), s) == out.end())
            out.push_back(s);
    };
    if (const auto profile = user->find("profile"); profile != user->end() && profile->is_object()) {
        add(*profile, "display_name");
        add(*profile, "real_name");
        add(*profile, "first_name");
    }
    add(*user, "real_name");
    add(*user, "name");
    return out;
}

}  // namespace incident_bot

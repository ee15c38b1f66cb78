// The names of a workspace's people, so that "this is on marta" reads like "this is on
// <@U123>": the detector sees a known name as a person, whatever the rules and the model
// knew of names before. Names come from Slack profiles (display, real and first names) or,
// for `lint`, from a file.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "incident_bot/json_document.hpp"

namespace incident_bot {

/// An immutable set of name words; shareable between threads.
class name_set {
public:
    /// The words of `names` ("Marta Ruiz" gives "marta" and "ruiz"), lower-cased. Words of
    /// one letter and everyday words that are also names ("will", "mark", "may") are left
    /// out, so that "this will fail" stays a sentence about a system.
    static std::shared_ptr<const name_set> from_names(const std::vector<std::string>& names);

    /// One name per line; blank lines and lines starting with '#' are skipped. Throws
    /// std::runtime_error naming the file when it cannot be read.
    static std::shared_ptr<const name_set> load_file(const std::string& path);

    /// True for a known name word (lower-case ASCII).
    bool contains(std::string_view word) const;

    /// Number of name words.
    std::size_t size() const { return words_.size(); }

    /// `text` with the first letter of every known name word replaced by '@', which the
    /// normaliser reads as a person; same length, so findings keep their offsets. Words
    /// inside links, mentions, channel names and emoji codes are left alone.
    std::string mark(std::string_view text) const;

private:
    std::unordered_set<std::string> words_;
};

/// The people a `message` event names: its author and the users it mentions (`<@U…>`),
/// each once, in order. Bots' messages name nobody.
std::vector<std::string> people_in_message(json_view event);

/// A `users.info` answer's names: display name, real name, first name and handle, each
/// once. Empty for a malformed answer.
std::vector<std::string> profile_names(const nlohmann::json& users_info);

}  // namespace incident_bot

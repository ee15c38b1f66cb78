// Slack mentions in text the bot posts again (drafts, echoes): nobody is notified twice.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "incident_bot/store/store.hpp"

namespace incident_bot::detail {

/// Names to write for a person mentioned as `<@U…>`; nullopt keeps the mention.
using person_namer = std::function<std::optional<std::string>(std::string_view user)>;

/// `text` made safe to post again: broadcasts (`<!here>`, `<!channel>`, `<!everyone>`) and
/// user-group mentions (`<!subteam^S1|@sre>`) become plain "@here", "@sre", which notify
/// nobody; person mentions (`<@U1>`, `<@U1|marta>`) become what `namer` gives, or stay as
/// they are without a namer. Links, channels and dates are kept.
std::string quiet_mentions(std::string_view text, const person_namer& namer = {});

/// How a post-mortem refers to `user` without naming them: "the commander", "the comms
/// lead", "the scribe", else "a responder".
std::string role_in(const incident& i, std::string_view user);

/// `text` with every name the bot learned for a person (display, real and first names, as
/// whole words in any case, with a leading "@") replaced by `role(user)`, capitalised at the
/// start of a sentence. Longer names win ("Marta Lopez" before "Marta"); one-letter names
/// are left alone.
std::string replace_known_names(std::string_view text,
                                const std::vector<person_names>& people,
                                const std::function<std::string(std::string_view user)>& role);

/// People's names as the bot learned them from Slack (users.info), by user id.
class name_book {
  public:
    explicit name_book(const std::vector<person_names>& people);
    /// "@" and the person's first known name (the display name when set); nullopt if unknown.
    std::optional<std::string> name(std::string_view user) const;

  private:
    std::map<std::string, std::string, std::less<>> names_;
};

}  // namespace incident_bot::detail

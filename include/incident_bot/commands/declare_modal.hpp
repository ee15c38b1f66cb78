// The declare modal (views.open from `/incident declare` without a title or the "Declare
// incident" shortcut) and what its submission says, sans-io (issue 18). The declaring itself
// is `/incident declare`'s, run with the submitted values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "incident_bot/config.hpp"

namespace incident_bot {

/// Callback ids registered in the app manifest (deploy/slack-app-manifest.yaml).
inline constexpr std::string_view declare_callback = "declare_incident";
inline constexpr std::string_view add_to_timeline_callback = "add_to_timeline";

/// The modal. `channel` is where it was asked for (empty from the global shortcut) and comes
/// back in the submission; the "open a new channel" box starts ticked when the config creates
/// channels or there is no channel to use.
nlohmann::json declare_modal(const commands_config& cfg, std::string_view channel);

/// A submitted declare modal.
struct declare_form {
    /// Who submitted it.
    std::string user;
    /// Where the modal was opened from (may be empty).
    std::string channel;
    std::string title;
    /// 1 to 4; absent when not chosen.
    std::optional<int> severity;
    bool new_channel = false;
    /// The first summary; may be empty.
    std::string summary;
};

/// Reads a `view_submission` payload of the declare modal; nullopt when it is not one or has
/// no user.
std::optional<declare_form> parse_declare_submission(const nlohmann::json& payload);

/// Problems to show in the modal, by block id ({} when it may be declared): an empty or too
/// long title, no channel to declare in.
nlohmann::json declare_form_errors(const declare_form& f);

/// The `/incident` text that declares what the form says ("declare sev2 Checkout errors").
std::string declare_command_text(const declare_form& f);

}  // namespace incident_bot

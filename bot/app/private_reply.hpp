// Reading interaction payloads and answering the person privately, shared by the apps that
// handle buttons, shortcuts and modals (issue 18).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "incident_bot/log.hpp"
#include "incident_bot/slack/web_api.hpp"

namespace incident_bot::detail {

/// payload[outer] (or payload[outer][inner]) as a string; "" when absent or not a string.
std::string text_at(const nlohmann::json& payload, const char* outer, const char* inner = nullptr);

/// Who to answer privately, and how Slack lets us reach them.
struct audience {
    /// Slack user id.
    std::string user;
    /// Channel of the message or command; empty when there is none (Home, global shortcut).
    std::string channel;
    /// The interaction's response_url; empty when there is none.
    std::string response_url;
};

/// Answers `to` privately: through the response_url (ephemeral; the original message
/// stays), else chat.postEphemeral in the channel, else a DM from the app. Failures are
/// logged under `component`.
void tell_privately(web_api& api,
                    const logger& log,
                    const char* component,
                    const audience& to,
                    std::string text);

/// Answers a click on a private message by replacing that message with `reply` (an
/// ephemeral reply object) through the response_url; without one, tells its text privately.
void replace_privately(web_api& api,
                       const logger& log,
                       const char* component,
                       const audience& to,
                       nlohmann::json reply);

}  // namespace incident_bot::detail

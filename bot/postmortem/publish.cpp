#include "incident_bot/postmortem/publish.hpp"

#include "incident_bot/postmortem/mentions.hpp"

namespace incident_bot {

std::optional<organisation_draft> write_organisation_draft(store& s,
                                                           std::int64_t incident_id,
                                                           const rule_set* rules) {
    const auto inc = s.get_incident(incident_id);
    if (!inc) return std::nullopt;
    draft_options o;
    o.replace_names_with_roles = true;
    // Mentions become roles in the writer; names typed as plain words are replaced here.
    const auto d = generate_draft(s, incident_id, nullptr, o);
    const auto people = s.people();
    const auto role = [&](std::string_view user) { return detail::role_in(*inc, user); };
    organisation_draft out;
    out.title = detail::replace_known_names(detail::quiet_mentions(inc->title), people, role);
    out.markdown = detail::replace_known_names(d->markdown, people, role);
    if (rules) out.findings = review_document(*rules, out.markdown);
    return out;
}

}  // namespace incident_bot

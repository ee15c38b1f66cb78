#include "incident_bot/commands/access.hpp"

#include <algorithm>
#include <vector>

namespace incident_bot {

namespace {

bool listed(const std::vector<std::string>& people, std::string_view user) {
    return std::find(people.begin(), people.end(), user) != people.end();
}

bool is_admin(const commands_config& cfg, std::string_view user) {
    return listed(cfg.admins, user);
}

// "<@U1>, <@U2> or incident admins (config `commands.admins`)": who may, for a refusal. The
// reply is private, so the mentions do not notify anyone.
class who_may {
  public:
    who_may& person(const std::optional<std::string>& user, std::string_view as) {
        if (user && !user->empty()) parts_.push_back(std::string(as) + " <@" + *user + ">");
        return *this;
    }
    who_may& list(const std::vector<std::string>& people, std::string_view key) {
        std::string names;
        for (std::size_t i = 0; i < people.size() && i < 5; ++i)
            names += (i ? ", " : "") + ("<@" + people[i] + ">");
        if (people.size() > 5) names += " …";
        parts_.push_back(names + " (config `commands." + std::string(key) + "`)");
        return *this;
    }
    who_may& text(std::string_view what) {
        parts_.emplace_back(what);
        return *this;
    }
    std::string refuse(std::string_view action, const commands_config& cfg) const {
        auto parts = parts_;
        if (!cfg.admins.empty()) parts.emplace_back("incident admins");
        std::string who;
        for (std::size_t i = 0; i < parts.size(); ++i)
            who += (i == 0 ? "" : i + 1 == parts.size() ? " or " : ", ") + parts[i];
        return "Sorry, you can't " + std::string(action) + ". " +
               (who.empty() ? std::string("Nobody is set up to do that; ask your Slack admin.")
                            : "Who can: " + who + ". Please ask one of them.");
    }

  private:
    std::vector<std::string> parts_;
};

}  // namespace

refusal may_declare(const commands_config& cfg, std::string_view user) {
    if (cfg.may_declare.empty() || listed(cfg.may_declare, user) || is_admin(cfg, user))
        return std::nullopt;
    return who_may().list(cfg.may_declare, "may_declare").refuse("declare incidents", cfg);
}

refusal may_set_severity(const commands_config& cfg, const incident& i, std::string_view user) {
    if (cfg.may_set_severity.empty() || listed(cfg.may_set_severity, user) ||
        i.commander == user || is_admin(cfg, user))
        return std::nullopt;
    return who_may()
        .person(i.commander, "the commander")
        .list(cfg.may_set_severity, "may_set_severity")
        .refuse("change the severity of incident #" + std::to_string(i.id), cfg);
}

namespace {

// Resolving and publishing: whoever leads the incident.
refusal may_lead(const commands_config& cfg,
                 const incident& i,
                 std::string_view user,
                 const std::string& action) {
    if (is_admin(cfg, user)) return std::nullopt;
    if (!cfg.may_resolve.empty()) {
        if (listed(cfg.may_resolve, user)) return std::nullopt;
        return who_may().list(cfg.may_resolve, "may_resolve").refuse(action, cfg);
    }
    if (!i.commander || i.commander == user || i.declared_by == user) return std::nullopt;
    return who_may()
        .person(i.commander, "the commander")
        .person(i.declared_by, "the declarer")
        .refuse(action, cfg);
}

}  // namespace

refusal may_resolve(const commands_config& cfg, const incident& i, std::string_view user) {
    return may_lead(cfg, i, user, "resolve incident #" + std::to_string(i.id));
}

refusal may_publish(const commands_config& cfg, const incident& i, std::string_view user) {
    return may_lead(cfg, i, user,
                    "publish the post-mortem of incident #" + std::to_string(i.id));
}

refusal may_close_item(const commands_config& cfg,
                       const action_item& item,
                       const incident& i,
                       const requester& who) {
    if (item.owner == who.user || i.commander == who.user || is_admin(cfg, who.user))
        return std::nullopt;
    if (!item.owner && who.channel == i.channel) return std::nullopt;
    auto may = who_may().person(item.owner, "its owner").person(i.commander, "the commander");
    if (!item.owner) may.text("anyone in the incident's channel");
    return may.refuse("close action #" + std::to_string(item.id), cfg);
}

}  // namespace incident_bot

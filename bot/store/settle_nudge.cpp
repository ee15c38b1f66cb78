#include "incident_bot/store/settle_nudge.hpp"

namespace incident_bot {

std::optional<finding> settle_nudge(store& s,
                                    const nudges_config& cfg,
                                    const nudge_message& m,
                                    std::vector<finding> findings,
                                    unix_time now) {
    if (!cfg.enabled || findings.empty()) return std::nullopt;
    transaction tx(s);
    nudge_context ctx;
    ctx.watched = cfg.scope == nudge_scope::all_channels || s.open_incident_id(m.channel);
    ctx.opted_in = s.nudges_enabled(m.user);
    if (cfg.throttle.count() > 0) {
        nudge_filter recent;
        recent.user = m.user;
        recent.since = now - std::chrono::duration_cast<std::chrono::seconds>(cfg.throttle);
        for (const auto& f : findings) {
            recent.category = f.category;
            if (!ctx.throttled.contains(f.category) && s.count_nudges(recent) > 0)
                ctx.throttled.insert(f.category);
        }
    }
    auto f = decide_nudge(cfg, std::move(findings), ctx);
    if (f) {
        s.record_nudge({m.user, f->category, f->rule_id, m.channel, now});
        tx.commit();
    }
    return f;
}

}  // namespace incident_bot

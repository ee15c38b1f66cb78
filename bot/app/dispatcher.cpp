#include "incident_bot/app/dispatcher.hpp"

#include <stdexcept>

namespace incident_bot {

namespace {

// Reads payload[outer][inner] (or payload[outer] when inner is null) as a string, "" when
// the payload does not have that shape.
std::string_view route_key(json_view payload, const char* outer, const char* inner) {
    json_view value = payload[outer];
    if (inner) value = value[inner];
    return value.string().value_or("");
}

// The kind of a block action: the clicked action's id up to the first ':'.
std::string_view action_kind(json_view payload) {
    const auto actions = payload["actions"].items();
    if (actions.empty()) return {};
    const std::string_view id = route_key(actions.front(), "action_id", nullptr);
    return id.substr(0, id.find(':'));
}

std::string describe(std::exception_ptr e) {
    try {
        std::rethrow_exception(std::move(e));
    } catch (const std::exception& ex) {
        return ex.what();
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace

dispatcher::dispatcher(const logger& log)
    : log_(log),
      on_error_([&log](const envelope& env, const ack_handle& ack, std::exception_ptr e) {
          log.error("dispatch", env.type + " " + env.envelope_id + ": listener failed: " +
                                    describe(std::move(e)));
          if (env.type == "events_api") ack.reject();
          else ack();
      }) {}

void dispatcher::on_interaction(const std::string& type, listener l) {
    if (type == "block_actions")
        throw std::invalid_argument("block_actions are routed by action kind: use on_action");
    interactions_[type].push_back(std::move(l));
}

void dispatcher::operator()(envelope env, const ack_handle& ack) const {
    // One allocation shares the envelope with every listener that keeps it.
    const auto shared = std::make_shared<const envelope>(std::move(env));
    try {
        run_middleware(0, shared, ack);
    } catch (...) {
        on_error_(*shared, ack, std::current_exception());
    }
}

void dispatcher::run_middleware(std::size_t i,
                                const envelope_ptr& env,
                                const ack_handle& ack) const {
    if (i == middleware_.size()) return route(env, ack);
    middleware_[i](env, ack, [&] { run_middleware(i + 1, env, ack); });
}

// Each listener fails on its own: one that throws does not stop the others.
void dispatcher::call(const listener& l, const envelope_ptr& env, const ack_handle& ack) const {
    try {
        l(env, ack);
    } catch (...) {
        on_error_(*env, ack, std::current_exception());
    }
}

void dispatcher::route(const envelope_ptr& env, const ack_handle& ack) const {
    const table* routes = nullptr;
    const listener* fallback = nullptr;
    std::string_view key;
    if (env->type == "events_api") {
        routes = &events_;
        key = route_key(env->payload.root(), "event", "type");
    } else if (env->type == "slash_commands") {
        routes = &commands_;
        key = route_key(env->payload.root(), "command", nullptr);
    } else if (env->type == "interactive") {
        routes = &interactions_;
        key = route_key(env->payload.root(), "type", nullptr);
        if (key == "block_actions") {
            routes = &actions_;
            key = action_kind(env->payload.root());
            if (unknown_action_) fallback = &unknown_action_;
        }
    }
    if (routes) {
        if (auto it = routes->find(key); it != routes->end()) {
            for (const auto& l : it->second) call(l, env, ack);
            return;
        }
    }
    if (fallback) return call(*fallback, env, ack);
    log_.debug("dispatch",
               env->type + " '" + std::string(key.substr(0, 40)) + "' has no listener; acked");
    ack();
}

dispatcher::middleware log_envelopes(const logger& log) {
    return [&log](const envelope_ptr& env, const ack_handle&, const std::function<void()>& next) {
        if (log.enabled(log_level::debug))
            log.debug("dispatch", env->type + " " + env->envelope_id + " on connection " +
                                      std::to_string(env->connection) +
                                      (env->retry_attempt ? " (retry " +
                                                                std::to_string(env->retry_attempt) +
                                                                ")"
                                                          : ""));
        next();
    };
}

}  // namespace incident_bot

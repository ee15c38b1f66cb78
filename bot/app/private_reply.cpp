#include "app/private_reply.hpp"

#include <boost/asio/co_spawn.hpp>

namespace incident_bot::detail {

namespace asio = boost::asio;
using json = nlohmann::json;

namespace {

asio::awaitable<void> post_response(web_api& api,
                                    std::string url,
                                    json body,
                                    const logger& log,
                                    std::string component) {
    auto r = co_await api.async_post_response_url(std::move(url), std::move(body));
    if (!r.ok) log.warn(component, "response_url: " + r.error);
}

}  // namespace

std::string text_at(const json& payload, const char* outer, const char* inner) {
    if (!payload.is_object()) return {};
    auto it = payload.find(outer);
    if (it == payload.end()) return {};
    if (inner) {
        if (!it->is_object()) return {};
        auto in = it->find(inner);
        if (in == it->end()) return {};
        it = in;
    }
    return it->is_string() ? it->get<std::string>() : std::string();
}

namespace {

void post_privately(web_api& api, const logger& log, const char* component, std::string url, json body) {
    asio::co_spawn(api.get_executor(),
                   post_response(api, std::move(url), std::move(body), log, component),
                   [&log, component](std::exception_ptr e) {
                       if (e) log.error(component, "private reply failed");
                   });
}

}  // namespace

void replace_privately(web_api& api,
                       const logger& log,
                       const char* component,
                       const audience& to,
                       json reply) {
    if (to.response_url.empty())
        return tell_privately(api, log, component, to, reply.value("text", std::string()));
    reply["response_type"] = "ephemeral";
    reply["replace_original"] = true;
    post_privately(api, log, component, to.response_url, std::move(reply));
}

void tell_privately(web_api& api,
                    const logger& log,
                    const char* component,
                    const audience& to,
                    std::string text) {
    if (!to.response_url.empty()) {
        // replace_original false: the message clicked on stays as it is.
        json body = {{"response_type", "ephemeral"},
                     {"replace_original", false},
                     {"text", std::move(text)}};
        return post_privately(api, log, component, to.response_url, std::move(body));
    }
    // A user id as the channel posts in the app's Messages tab.
    json args = {{"channel", to.channel.empty() ? to.user : to.channel}, {"text", std::move(text)}};
    if (!to.channel.empty()) args["user"] = to.user;
    const std::string method = to.channel.empty() ? "chat.postMessage" : "chat.postEphemeral";
    api.call(method, std::move(args), [&log, component, method](const api_result& r) {
        if (!r.ok) log.warn(component, method + " (private reply): " + r.error);
    });
}

}  // namespace incident_bot::detail

#include "protocol/json_parse.hpp"

#include <cstdint>
#include <string>

#include <simdjson.h>

namespace incident_bot {

using json = nlohmann::json;

namespace {

// The parser keeps its buffers between calls, sized by the largest input it has seen;
// bigger frames take the slow path rather than leave a large parser behind.
constexpr std::size_t max_fast_bytes = 64 * 1024;

json to_nlohmann(simdjson::dom::element e) {
    using type = simdjson::dom::element_type;
    switch (e.type()) {
        case type::OBJECT: {
            json o(json::value_t::object);
            auto& members = o.get_ref<json::object_t&>();
            // Later duplicates win, as with nlohmann's parser.
            for (auto [key, value] : simdjson::dom::object(e))
                members.insert_or_assign(std::string(key), to_nlohmann(value));
            return o;
        }
        case type::ARRAY: {
            json a(json::value_t::array);
            auto& items = a.get_ref<json::array_t&>();
            for (auto value : simdjson::dom::array(e)) items.push_back(to_nlohmann(value));
            return a;
        }
        case type::STRING:
            return std::string(std::string_view(e));
        case type::INT64: {
            // nlohmann stores every non-negative integer as unsigned.
            const std::int64_t v = e;
            if (v >= 0) return static_cast<std::uint64_t>(v);
            return v;
        }
        case type::UINT64:
            return std::uint64_t(e);
        case type::DOUBLE:
            return double(e);
        case type::BOOL:
            return bool(e);
        case type::NULL_VALUE:
            break;
    }
    return nullptr;
}

}  // namespace

json parse_json(std::string_view text) {
    if (text.size() <= max_fast_bytes) {
        thread_local simdjson::dom::parser parser(max_fast_bytes);
        thread_local std::string padded;
        padded.assign(text);
        padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
        simdjson::dom::element root;
        if (parser.parse(padded.data(), text.size(), false).get(root) == simdjson::SUCCESS)
            return to_nlohmann(root);
    }
    return json::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace incident_bot

// The normaliser as the engine calls it: into buffers kept from one message to the next.
#pragma once

#include <cstddef>
#include <string_view>

#include "incident_bot/rules/engine.hpp"

namespace incident_bot::detail {

/// Normalises `text` like normalize(), growing `buffers` when it must but never shrinking
/// them, and returns the length of the normalised text; bytes past it are stale.
std::size_t normalize_into(std::string_view text, normalized_text& buffers);

}  // namespace incident_bot::detail

// Durations and sizes as operators write them, and back again for messages.
//
// Durations: an integer followed by a unit, "10us", "500ms", "75s", "2m", "1h", "1d", or a bare
// integer of seconds ("75"). Sizes: "512", "8k", "1m", "1g" (1024-based; upper case works too).
// Negative numbers, fractions, empty strings and values that overflow are rejected.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace sluice::conf {

std::optional<Duration> parse_duration(std::string_view text);
std::optional<uint64_t> parse_size(std::string_view text);

// The shortest exact spelling: 1500ms -> "1500ms", 120s -> "2m", 0 -> "0s".
std::string format_duration(Duration d);
// The shortest exact spelling: 8192 -> "8k", 1000 -> "1000".
std::string format_size(uint64_t bytes);

}  // namespace sluice::conf

#include "conf/units.h"

#include <array>
#include <cctype>
#include <charconv>
#include <limits>

namespace sluice::conf {
namespace {

struct Unit {
  std::string_view suffix;
  uint64_t factor;
};

// Longest suffixes first where one is a suffix of another ("ms" before "s").
constexpr std::array<Unit, 6> kDurationUnits{{
    {"us", 1},
    {"ms", 1000},
    {"s", 1000 * 1000},
    {"m", 60ull * 1000 * 1000},
    {"h", 3600ull * 1000 * 1000},
    {"d", 86400ull * 1000 * 1000},
}};

constexpr std::array<Unit, 4> kSizeUnits{{
    {"", 1},
    {"k", 1ull << 10},
    {"m", 1ull << 20},
    {"g", 1ull << 30},
}};

// Splits "123abc" into 123 and "abc"; nullopt when there are no leading digits or they overflow.
std::optional<std::pair<uint64_t, std::string_view>> split_number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return std::pair{value, text.substr(size_t(end - text.data()))};
}

std::optional<uint64_t> multiply(uint64_t value, uint64_t factor, uint64_t limit) {
  if (factor != 0 && value > limit / factor) return std::nullopt;
  return value * factor;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  auto split = split_number(text);
  if (!split) return std::nullopt;
  auto [value, suffix] = *split;
  uint64_t factor = 0;
  if (suffix.empty()) {
    factor = 1000 * 1000;  // a bare number is seconds, as in nginx
  } else {
    for (const Unit& u : kDurationUnits)
      if (suffix == u.suffix) factor = u.factor;
    if (factor == 0) return std::nullopt;
  }
  auto us = multiply(value, factor, uint64_t(std::numeric_limits<int64_t>::max()));
  if (!us) return std::nullopt;
  return Duration::micros(int64_t(*us));
}

std::optional<uint64_t> parse_size(std::string_view text) {
  auto split = split_number(text);
  if (!split) return std::nullopt;
  auto [value, suffix] = *split;
  std::string unit = lower(suffix);
  for (const Unit& u : kSizeUnits)
    if (unit == u.suffix) return multiply(value, u.factor, std::numeric_limits<uint64_t>::max());
  return std::nullopt;
}

std::string format_duration(Duration d) {
  if (d.us == 0) return "0s";
  std::string sign = d.us < 0 ? "-" : "";
  uint64_t us = d.us < 0 ? uint64_t(-(d.us + 1)) + 1 : uint64_t(d.us);
  for (auto it = kDurationUnits.rbegin(); it != kDurationUnits.rend(); ++it)
    if (us % it->factor == 0) return sign + std::to_string(us / it->factor) + std::string(it->suffix);
  return sign + std::to_string(us) + "us";
}

std::string format_size(uint64_t bytes) {
  if (bytes == 0) return "0";
  for (auto it = kSizeUnits.rbegin(); it != kSizeUnits.rend(); ++it)
    if (bytes % it->factor == 0) return std::to_string(bytes / it->factor) + std::string(it->suffix);
  return std::to_string(bytes);
}

}  // namespace sluice::conf

#include "conf/suggest.h"

#include <algorithm>

namespace sluice::conf {

size_t edit_distance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // d[i][j]: distance between the first i characters of a and the first j of b.
  std::vector<std::vector<size_t>> d(n + 1, std::vector<size_t>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

namespace {

bool shares_prefix(std::string_view typed, std::string_view candidate) {
  size_t shorter = std::min(typed.size(), candidate.size());
  if (shorter < 3) return false;
  return typed.substr(0, shorter) == candidate.substr(0, shorter);
}

}  // namespace

std::optional<std::string> suggest(std::string_view typed, const std::vector<std::string_view>& candidates) {
  constexpr size_t kMaxDistance = 2;
  std::optional<std::string_view> best;
  size_t best_distance = kMaxDistance + 1;
  for (std::string_view c : candidates) {
    size_t dist = edit_distance(typed, c);
    // A one-letter name is within distance 2 of almost anything; only suggest for real typos.
    if (dist < best_distance && dist < std::max(typed.size(), c.size())) {
      best = c;
      best_distance = dist;
    }
  }
  if (best) return std::string(*best);
  for (std::string_view c : candidates)
    if (shares_prefix(typed, c)) return std::string(c);
  return std::nullopt;
}

}  // namespace sluice::conf

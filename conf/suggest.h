// "Did you mean": the known name closest to a misspelt one.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::conf {

// Edit distance counting insertions, deletions, substitutions and swaps of two adjacent
// characters (optimal string alignment, the restricted Damerau-Levenshtein distance).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate within edit distance 2 of `typed` (the closest; ties go to the first listed), else
// one that `typed` is a prefix of or that is a prefix of `typed` (at least 3 characters shared),
// else nullopt.
std::optional<std::string> suggest(std::string_view typed, const std::vector<std::string_view>& candidates);

}  // namespace sluice::conf

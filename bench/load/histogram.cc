#include "bench/load/histogram.h"

#include <cmath>

namespace sluice::bench {

void Histogram::merge(const Histogram& o) {
  for (size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
  total_ += o.total_;
  sum_ += o.sum_;
  if (o.total_) {
    if (o.max_ > max_) max_ = o.max_;
    if (o.min_ < min_) min_ = o.min_;
  }
}

uint64_t Histogram::value_at(double percentile) const {
  if (total_ == 0) return 0;
  if (percentile >= 100.0) return max_;
  if (percentile < 0.0) percentile = 0.0;
  // The rank of the requested value (1-based), at least the first one.
  uint64_t rank = uint64_t(std::ceil(percentile / 100.0 * double(total_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t v = highest_of(i);
      return v < max_ ? v : max_;  // never report beyond what was recorded
    }
  }
  return max_;
}

}  // namespace sluice::bench

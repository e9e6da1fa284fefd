// A log-linear latency histogram in the manner of HdrHistogram: values below 2^kSubBits are
// counted exactly; above that every power-of-two range is split into 2^(kSubBits-1) equal buckets,
// so any recorded value is known to within 1 / 2^(kSubBits-1) of itself (0.78 % with 7 bits).
// Fixed size, no allocation after construction, O(1) record, mergeable across workers.
//
// Percentiles report the highest value equivalent to the bucket that holds the requested rank, as
// HdrHistogram's valueAtPercentile does: never below the true value, at most 0.78 % above it.
#pragma once
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

namespace sluice::bench {

class Histogram {
 public:
  static constexpr unsigned kSubBits = 7;
  static constexpr uint64_t kHalf = uint64_t(1) << (kSubBits - 1);
  // Largest value tracked exactly to bucket precision; larger values land in the last bucket
  // (and still update max()). 2^40 microseconds is 12.7 days.
  static constexpr unsigned kMaxBits = 40;
  static constexpr uint64_t kMaxValue = (uint64_t(1) << kMaxBits) - 1;
  static constexpr size_t kBuckets = size_t(kMaxBits - kSubBits + 2) * kHalf;

  // The bucket a value falls in.
  static constexpr size_t index_of(uint64_t v) {
    if (v > kMaxValue) v = kMaxValue;
    if (v < 2 * kHalf) return size_t(v);
    unsigned shift = unsigned(std::bit_width(v)) - kSubBits;  // keeps the top kSubBits bits
    return size_t(shift) * kHalf + size_t(v >> shift);
  }
  // The smallest and largest value that share bucket `i`.
  static constexpr uint64_t lowest_of(size_t i) {
    if (i < 2 * kHalf) return i;
    uint64_t shift = i / kHalf - 1;
    uint64_t mantissa = i - shift * kHalf;
    return mantissa << shift;
  }
  static constexpr uint64_t highest_of(size_t i) {
    if (i < 2 * kHalf) return i;
    uint64_t shift = i / kHalf - 1;
    uint64_t mantissa = i - shift * kHalf;
    return ((mantissa + 1) << shift) - 1;
  }

  void record(uint64_t v) {
    counts_[index_of(v)]++;
    total_++;
    sum_ += v;
    if (v > max_) max_ = v;
    if (v < min_) min_ = v;
  }
  void merge(const Histogram& o);
  void reset() { *this = Histogram(); }

  uint64_t count() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? double(sum_) / double(total_) : 0.0; }
  // The value at or below which `percentile` % of the recorded values lie (0 < percentile <= 100);
  // 0 when empty. 100 gives max().
  uint64_t value_at(double percentile) const;

 private:
  std::array<uint64_t, kBuckets> counts_{};
  uint64_t total_ = 0;
  uint64_t sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

}  // namespace sluice::bench

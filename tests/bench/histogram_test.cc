#include "bench/load/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace sluice::bench {
namespace {

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (uint64_t v = 0; v < 2 * Histogram::kHalf; ++v) {
    EXPECT_EQ(Histogram::index_of(v), v);
    EXPECT_EQ(Histogram::lowest_of(v), v);
    EXPECT_EQ(Histogram::highest_of(v), v);
  }
}

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  for (size_t i = 1; i < Histogram::kBuckets; ++i) {
    EXPECT_EQ(Histogram::lowest_of(i), Histogram::highest_of(i - 1) + 1) << i;
    EXPECT_EQ(Histogram::index_of(Histogram::lowest_of(i)), i);
    EXPECT_EQ(Histogram::index_of(Histogram::highest_of(i)), i);
  }
  EXPECT_EQ(Histogram::highest_of(Histogram::kBuckets - 1), Histogram::kMaxValue);
}

TEST(Histogram, RelativeErrorIsBoundedBySubBucketCount) {
  for (uint64_t v = 1; v < (uint64_t(1) << 39); v = v * 3 + 1) {
    size_t i = Histogram::index_of(v);
    uint64_t lo = Histogram::lowest_of(i), hi = Histogram::highest_of(i);
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    EXPECT_LE(double(hi - lo), double(v) / double(Histogram::kHalf)) << v;
  }
}

TEST(Histogram, HugeValuesClampToTheLastBucketButKeepMax) {
  Histogram h;
  h.record(uint64_t(1) << 50);
  EXPECT_EQ(Histogram::index_of(uint64_t(1) << 50), Histogram::kBuckets - 1);
  EXPECT_EQ(h.max(), uint64_t(1) << 50);
  EXPECT_EQ(h.value_at(100), uint64_t(1) << 50);
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.value_at(50), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, PercentilesOfUniformOneToTenThousand) {
  Histogram h;
  for (uint64_t v = 1; v <= 10000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 10000u);
  EXPECT_DOUBLE_EQ(h.mean(), 5000.5);
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    uint64_t exact = uint64_t(p * 100);
    uint64_t got = h.value_at(p);
    EXPECT_GE(got, exact) << p;
    EXPECT_LE(double(got), double(exact) * (1.0 + 1.0 / double(Histogram::kHalf))) << p;
  }
}

TEST(Histogram, PercentilesMatchSortedSamplesWithinPrecision) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(6.0, 1.0);
  Histogram h;
  std::vector<uint64_t> v;
  for (int i = 0; i < 100000; ++i) {
    uint64_t x = uint64_t(dist(rng));
    v.push_back(x);
    h.record(x);
  }
  std::sort(v.begin(), v.end());
  for (double p : {50.0, 90.0, 99.0, 99.9}) {
    uint64_t exact = v[size_t(std::ceil(p / 100.0 * double(v.size()))) - 1];
    uint64_t got = h.value_at(p);
    EXPECT_GE(got, exact) << p;
    EXPECT_LE(double(got), double(exact) * (1.0 + 1.0 / double(Histogram::kHalf)) + 1) << p;
  }
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (uint64_t v = 0; v < 5000; v += 7) { a.record(v); all.record(v); }
  for (uint64_t v = 100; v < 900000; v += 997) { b.record(v); all.record(v); }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {1.0, 50.0, 99.0, 99.99}) EXPECT_EQ(a.value_at(p), all.value_at(p));
}

TEST(Histogram, MergingAnEmptyOneChangesNothing) {
  Histogram a, empty;
  a.record(42);
  a.merge(empty);
  EXPECT_EQ(a.min(), 42u);
  EXPECT_EQ(a.max(), 42u);
  EXPECT_EQ(a.count(), 1u);
}

TEST(Histogram, SinglePercentileNeverExceedsMax) {
  Histogram h;
  h.record(1000001);
  EXPECT_EQ(h.value_at(50), 1000001u);
}

}  // namespace
}  // namespace sluice::bench

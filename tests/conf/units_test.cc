#include "conf/units.h"

#include <gtest/gtest.h>

#include "conf/suggest.h"

namespace sluice::conf {
namespace {

TEST(ParseDuration, EveryUnit) {
  EXPECT_EQ(parse_duration("10us"), Duration::micros(10));
  EXPECT_EQ(parse_duration("500ms"), Duration::millis(500));
  EXPECT_EQ(parse_duration("75s"), Duration::seconds(75));
  EXPECT_EQ(parse_duration("2m"), Duration::seconds(120));
  EXPECT_EQ(parse_duration("1h"), Duration::seconds(3600));
  EXPECT_EQ(parse_duration("30d"), Duration::seconds(30 * 86400));
  EXPECT_EQ(parse_duration("0s"), Duration::zero());
}

TEST(ParseDuration, BareNumberIsSeconds) { EXPECT_EQ(parse_duration("75"), Duration::seconds(75)); }

TEST(ParseDuration, RejectsMalformed) {
  for (const char* bad : {"", "s", "-5s", "+5s", "1.5s", "5 s", " 5s", "5sec", "5S", "5x", "ms", "1h30m"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(ParseDuration, RejectsOverflow) {
  EXPECT_FALSE(parse_duration("99999999999999999999s"));
  EXPECT_FALSE(parse_duration("9999999999999999d"));
}

TEST(ParseSize, UnitsAreBinaryAndCaseInsensitive) {
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("8k"), 8192u);
  EXPECT_EQ(parse_size("8K"), 8192u);
  EXPECT_EQ(parse_size("1m"), 1048576u);
  EXPECT_EQ(parse_size("1M"), 1048576u);
  EXPECT_EQ(parse_size("1g"), 1073741824u);
  EXPECT_EQ(parse_size("2G"), 2147483648u);
}

TEST(ParseSize, RejectsMalformed) {
  for (const char* bad : {"", "k", "-1k", "1.5m", "8kb", "8 k", "1t", "99999999999999999999", "99999999999g"})
    EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(FormatUnits, ShortestExactSpelling) {
  EXPECT_EQ(format_duration(Duration::zero()), "0s");
  EXPECT_EQ(format_duration(Duration::millis(1500)), "1500ms");
  EXPECT_EQ(format_duration(Duration::seconds(120)), "2m");
  EXPECT_EQ(format_duration(Duration::seconds(86400)), "1d");
  EXPECT_EQ(format_duration(Duration::micros(7)), "7us");
  EXPECT_EQ(format_size(0), "0");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(8192), "8k");
  EXPECT_EQ(format_size(1ull << 30), "1g");
}

TEST(EditDistance, CountsSwapsAsOneEdit) {
  EXPECT_EQ(edit_distance("workers", "workers"), 0u);
  EXPECT_EQ(edit_distance("wokrers", "workers"), 1u);  // adjacent swap
  EXPECT_EQ(edit_distance("worker", "workers"), 1u);
  EXPECT_EQ(edit_distance("wrkrs", "workers"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Suggest, ClosestWithinTwoEdits) {
  std::vector<std::string_view> keys{"workers", "cpus", "pid_file", "error_log", "error_log_level"};
  EXPECT_EQ(suggest("worker", keys), "workers");
  EXPECT_EQ(suggest("wokrers", keys), "workers");
  EXPECT_EQ(suggest("error_logg", keys), "error_log");
  EXPECT_EQ(suggest("cpu", keys), "cpus");
}

TEST(Suggest, FallsBackToCommonPrefix) {
  std::vector<std::string_view> keys{"keepalive_timeout", "keepalive_requests"};
  EXPECT_EQ(suggest("keepalive", keys), "keepalive_timeout");
}

TEST(Suggest, NothingWhenFarAway) {
  std::vector<std::string_view> keys{"workers", "cpus"};
  EXPECT_FALSE(suggest("banana", keys));
  EXPECT_FALSE(suggest("x", keys));
}

}  // namespace
}  // namespace sluice::conf

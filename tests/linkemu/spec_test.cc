// The text form of link impairments and the command line.
#include <gtest/gtest.h>

#include <vector>

#include "tests/linkemu/options.h"
#include "tests/linkemu/spec.h"

namespace sluice::linkemu {
namespace {

TEST(Spec, ParsesTheFullExample) {
  LinkSpec s;
  ASSERT_EQ(apply_spec("loss=2%,delay=50ms,jitter=10ms,dup=1%,rate=20mbit,queue=100", s), "");
  EXPECT_DOUBLE_EQ(s.loss, 0.02);
  EXPECT_FALSE(s.ge);
  EXPECT_EQ(s.delay, Duration::millis(50));
  EXPECT_EQ(s.jitter, Duration::millis(10));
  EXPECT_DOUBLE_EQ(s.dup, 0.01);
  EXPECT_EQ(s.rate_bps, 20'000'000u);
  EXPECT_EQ(s.queue_frames, 100u);
  EXPECT_EQ(s.queue_time, Duration::zero());
  EXPECT_TRUE(s.keep_order);
}

TEST(Spec, ParsesGilbertElliott) {
  LinkSpec s;
  ASSERT_EQ(apply_spec("loss=ge:0.01:0.3:0.5", s), "");
  ASSERT_TRUE(s.ge);
  EXPECT_DOUBLE_EQ(s.ge->p, 0.01);
  EXPECT_DOUBLE_EQ(s.ge->r, 0.3);
  EXPECT_DOUBLE_EQ(s.ge->loss_bad, 0.5);
  EXPECT_DOUBLE_EQ(s.ge->loss_good, 0);
  ASSERT_EQ(apply_spec("loss=ge:1%:30%", s), "");
  EXPECT_DOUBLE_EQ(s.ge->loss_bad, 1.0);
  ASSERT_EQ(apply_spec("loss=3%", s), "");  // a later random loss replaces the model
  EXPECT_FALSE(s.ge);
}

TEST(Spec, ParsesModesUnitsAndQueueTime) {
  LinkSpec s;
  ASSERT_EQ(apply_spec(" delay=1.5ms , jitter=250us, dist=normal, order=jitter, reorder=5%,"
                       "reorder_mode=late, reorder_delay=0.02s, rate=1.5gbit, queue=50ms",
                       s),
            "");
  EXPECT_EQ(s.delay, Duration::micros(1500));
  EXPECT_EQ(s.jitter, Duration::micros(250));
  EXPECT_EQ(s.dist, JitterDist::normal);
  EXPECT_FALSE(s.keep_order);
  EXPECT_DOUBLE_EQ(s.reorder, 0.05);
  EXPECT_EQ(s.reorder_mode, ReorderMode::late);
  EXPECT_EQ(s.reorder_delay, Duration::millis(20));
  EXPECT_EQ(s.rate_bps, 1'500'000'000u);
  EXPECT_EQ(s.queue_time, Duration::millis(50));
}

TEST(Spec, RefusesBadInput) {
  const std::vector<const char*> bad = {
      "loss=2",     "loss=101%",   "loss=ge:0.1", "loss=ge:a:b",  "delay=50",   "delay=-1ms",
      "rate=20",    "rate=20mbps", "queue=0",     "queue=1.5",    "dist=poisson", "order=any",
      "colour=red", "loss",        "dup=2%%"};
  for (const char* text : bad) {
    LinkSpec s;
    EXPECT_NE(apply_spec(text, s), "") << text;
  }
}

TEST(Options, BothThenPerDirection) {
  const char* argv[] = {"linkemu", "--a2b", "loss=5%", "--a", "e0", "--b", "e1", "--both",
                        "delay=20ms,loss=1%", "--seed", "7", "--duration", "2.5"};
  Options o;
  ASSERT_EQ(parse_options(13, const_cast<char**>(argv), o), "");
  EXPECT_EQ(o.a, "e0");
  EXPECT_EQ(o.b, "e1");
  EXPECT_EQ(o.seed, 7u);
  EXPECT_DOUBLE_EQ(o.duration_s, 2.5);
  EXPECT_DOUBLE_EQ(o.a2b.loss, 0.05);
  EXPECT_DOUBLE_EQ(o.b2a.loss, 0.01);
  EXPECT_EQ(o.a2b.delay, Duration::millis(20));
  EXPECT_EQ(o.b2a.delay, Duration::millis(20));
}

TEST(Options, DurationIsRequired) {
  const char* argv[] = {"linkemu", "--a", "e0", "--b", "e1"};
  Options o;
  EXPECT_NE(parse_options(5, const_cast<char**>(argv), o), "");
  const char* bad_spec[] = {"linkemu", "--a", "e0", "--b", "e1", "--duration", "1", "--b2a", "loss=x"};
  Options p;
  EXPECT_NE(parse_options(9, const_cast<char**>(bad_spec), p).find("--b2a"), std::string::npos);
}

}  // namespace
}  // namespace sluice::linkemu

#include "bench/load/options.h"

#include <gtest/gtest.h>

namespace sluice::bench {
namespace {

std::optional<LoadOptions> parse(std::vector<std::string> a, std::string* err) { return parse_options(a, err); }

TEST(LoadOptions, UrlWithPortAndPath) {
  std::string err;
  auto t = parse_url("http://198.18.0.2:8080/small.bin", &err);
  ASSERT_TRUE(t) << err;
  EXPECT_EQ(t->ip, 0xC6120002u);
  EXPECT_EQ(t->port, 8080);
  EXPECT_EQ(t->host, "198.18.0.2:8080");
  EXPECT_EQ(t->path, "/small.bin");
  t = parse_url("http://198.18.0.2", &err);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, 80);
  EXPECT_EQ(t->path, "/");
}

TEST(LoadOptions, RejectsNamesHttpsAndIpv6) {
  std::string err;
  EXPECT_FALSE(parse_url("http://example.com/", &err));
  EXPECT_FALSE(parse_url("https://198.18.0.2/", &err));
  EXPECT_FALSE(parse_url("http://[::1]:80/", &err));
  EXPECT_FALSE(parse_url("http://198.18.0.2:0/", &err));
  EXPECT_FALSE(parse_url("http://198.18.0.2/a b", &err));
}

TEST(LoadOptions, Durations) {
  EXPECT_EQ(parse_duration("10")->us, 10000000);
  EXPECT_EQ(parse_duration("10s")->us, 10000000);
  EXPECT_EQ(parse_duration("250ms")->us, 250000);
  EXPECT_EQ(parse_duration("2m")->us, 120000000);
  EXPECT_FALSE(parse_duration("ten"));
  EXPECT_FALSE(parse_duration("5h"));
}

TEST(LoadOptions, KernelRunNeedsOnlyUrlAndDuration) {
  std::string err;
  auto o = parse({"--kernel", "-d", "3s", "-c", "8", "--mode=close", "--rate", "1000", "http://127.0.0.1:81/x"}, &err);
  ASSERT_TRUE(o) << err;
  EXPECT_TRUE(o->kernel);
  EXPECT_EQ(o->duration.us, 3000000);
  EXPECT_EQ(o->connections, 8u);
  EXPECT_EQ(o->mode, ConnMode::kClose);
  EXPECT_EQ(o->rate, 1000.0);
}

TEST(LoadOptions, DurationIsRequiredAndBounded) {
  std::string err;
  EXPECT_FALSE(parse({"--kernel", "http://127.0.0.1/"}, &err));
  EXPECT_NE(err.find("--duration"), std::string::npos);
  EXPECT_FALSE(parse({"--kernel", "-d", "2h", "http://127.0.0.1/"}, &err));
}

TEST(LoadOptions, StackNeedsAddressAndEal) {
  std::string err;
  EXPECT_FALSE(parse({"-d", "1s", "http://198.18.0.2/"}, &err));
  auto o = parse({"-d", "1s", "--address", "198.18.0.1/24", "--gateway", "198.18.0.254", "--eal",
                  "--no-huge --vdev=net_af_packet0,iface=x", "http://198.18.0.2/"}, &err);
  ASSERT_TRUE(o) << err;
  EXPECT_EQ(o->address, 0xC6120001u);
  EXPECT_EQ(o->prefix_len, 24);
  EXPECT_EQ(*o->gateway, 0xC61200FEu);
  ASSERT_EQ(o->eal_args.size(), 2u);
  EXPECT_EQ(o->eal_args[1], "--vdev=net_af_packet0,iface=x");
}

TEST(LoadOptions, RejectsNonsense) {
  std::string err;
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "-c", "0", "http://127.0.0.1/"}, &err));
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "--mode", "pipeline", "http://127.0.0.1/"}, &err));
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "--rate", "-5", "http://127.0.0.1/"}, &err));
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "--bogus", "1", "http://127.0.0.1/"}, &err));
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "-t", "4", "-c", "2", "http://127.0.0.1/"}, &err));
  EXPECT_FALSE(parse({"--kernel", "-d", "1s", "http://127.0.0.1/", "http://127.0.0.2/"}, &err));
}

}  // namespace
}  // namespace sluice::bench

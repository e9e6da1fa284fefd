// Downloads through the link emulator's own impairment model (tests/linkemu/impairment.h), in
// process and in simulated time: the conditions bench/'s lossy group puts between Linux and
// sluice (bench/lib/lossy_net.py CONDITIONS), each direction impaired on its own seed. Both ends are sluice's
// TCP; the sender's counters say how much it retransmitted and why. Deterministic: the same seed
// gives the same run.
#include <cstdio>

#include "tests/linkemu/impairment.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

// The af_packet path the bench runs on moves about a gigabit: the emulator's conditions are
// applied on top of that (later keys override earlier ones).
constexpr const char* kBase = "rate=1gbit,queue=100000,";

struct PathOutcome {
  bool exact = false;
  double mbit_s = 0;
  uint64_t data_segments = 0;  // what the receiver needed: bytes / the connection's MSS
  TcpCounters sender, receiver;
};

// The sender's buffer is the bench's (Linux's tcp_wmem maximum, bench/lib/lossy_servers.py); the
// receiver stands in for the bench's Linux client: a window as large as tcp_rmem's maximum.
PathOutcome download(const std::string& spec, size_t bytes, uint64_t seed) {
  TcpParams pa = test_params(), pb = test_params();
  pa.send_buffer = 4 << 20;
  pb.receive_buffer = 6 << 20;
  pb.ooo_max_blocks = 1 << 16;  // Linux's queue has no bound of its own but the window
  Net net(pa, pb);
  linkemu::LinkSpec ls;
  EXPECT_EQ(linkemu::apply_spec(kBase + spec, ls), "");
  linkemu::Impairment down(ls, seed), up(ls, seed + 1);
  net.link = [&](bool from_a, size_t len, Instant sent, std::vector<Instant>& arrivals) {
    linkemu::Decision d = (from_a ? down : up).on_frame(len, sent);
    for (uint8_t i = 0; i < d.copies; ++i) arrivals.push_back(d.release[i]);
  };
  // The handshake crosses the impaired path too (its SYN may be lost: wait for the retries).
  auto l = net.b.layer.listen(0, 80, 16);
  auto h = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  EXPECT_TRUE(l && h);
  PathOutcome o;
  if (!l || !h || !net.run_while_not([&] { return !net.b.accepted.empty(); }, Duration::seconds(30)))
    return o;
  const SocketHandle ha = *h;
  Pump pump{&net.a, ha, random_bytes(bytes, static_cast<uint32_t>(seed))};
  net.a.on_write = [&](SocketHandle) { pump.push(); };
  const Instant start = net.now;
  pump.push();
  bool done = net.run_while_not([&] { return net.b.received.size() >= bytes; },
                                Duration::seconds(300));
  const double secs = static_cast<double>((net.now - start).us) / 1e6;
  o.exact = done && net.b.received.to_string() == pump.data;
  o.mbit_s = secs > 0 ? static_cast<double>(bytes) * 8 / secs / 1e6 : 0;
  const uint32_t mss = net.a.layer.tcb(ha)->snd_mss;
  o.data_segments = (bytes + mss - 1) / mss;
  o.sender = net.a.layer.counters();
  o.receiver = net.b.layer.counters();
  const TcpCounters& c = o.sender;
  std::printf("  %-40s %8.1f Mbit/s  segments %6llu  retrans %6llu  fast %4llu  rto %3llu  tlp %4llu"
              "  undo %4llu  lost-rexmit %4llu  dsacks %5llu  rcv-ooo-drops %llu\n",
              spec.c_str(), o.mbit_s, static_cast<unsigned long long>(o.data_segments),
              static_cast<unsigned long long>(c.retransmitted_segments),
              static_cast<unsigned long long>(c.fast_retransmits),
              static_cast<unsigned long long>(c.timeouts),
              static_cast<unsigned long long>(c.tail_loss_probes),
              static_cast<unsigned long long>(c.spurious_undos),
              static_cast<unsigned long long>(c.lost_retransmits),
              static_cast<unsigned long long>(c.dsacks_received),
              static_cast<unsigned long long>(o.receiver.ooo_drops + o.receiver.ooo_memory_drops));
  return o;
}

constexpr size_t kBytes = 8 << 20;

TEST(TcpPath, CleanPathRetransmitsNothing) {
  PathOutcome o = download("delay=100us", kBytes, 11);
  EXPECT_TRUE(o.exact);
  EXPECT_EQ(o.sender.retransmitted_segments, 0u);
}

// Every frame keeps its own delay (25 ms +/- 5 ms each way), so frames overtake each other by up
// to 10 ms, dozens at a time: RACK's reordering window, widened by D-SACKs, waits for them.
TEST(TcpPath, JitterReorderingIsWaitedForNotRetransmitted) {
  PathOutcome o = download("delay=25ms,jitter=5ms,order=jitter", kBytes, 12);
  EXPECT_TRUE(o.exact);
  EXPECT_LE(o.sender.retransmitted_segments, o.data_segments / 200);
  EXPECT_EQ(o.sender.timeouts, 0u);
}

// A 20 Mbit/s bottleneck with a 200-frame queue 50 ms away: the queue overflows at the end of
// slow start; SACK recovery resends what it dropped, not the window (no timeout, no go-back-N).
TEST(TcpPath, BottleneckQueueOverflowIsRepairedWithoutGoBackN) {
  PathOutcome o = download("rate=20mbit,delay=25ms,queue=200", kBytes, 13);
  EXPECT_TRUE(o.exact);
  EXPECT_EQ(o.sender.timeouts, 0u);
  EXPECT_LE(o.sender.retransmitted_segments, o.data_segments / 40);
}

TEST(TcpPath, RandomLossIsRepairedByFastRetransmit) {
  for (const char* loss : {"loss=0.5%", "loss=2%", "loss=5%"}) {
    PathOutcome o = download(std::string(loss) + ",delay=100us", kBytes, 14);
    EXPECT_TRUE(o.exact) << loss;
    EXPECT_GT(o.sender.fast_retransmits, 0u) << loss;
  }
}

TEST(TcpPath, DuplicatesAreNotRetransmitted) {
  PathOutcome o = download("dup=1%,delay=100us", kBytes, 15);
  EXPECT_TRUE(o.exact);
  EXPECT_EQ(o.sender.retransmitted_segments, 0u);
  EXPECT_GT(o.sender.dsacks_received, 0u);  // RFC 2883: the receiver reported the copies
}

}  // namespace
}  // namespace sluice::stack::tcp::testing

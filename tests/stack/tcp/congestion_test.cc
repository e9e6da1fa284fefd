// Congestion control: CUBIC's window curve against RFC 9438's formulas, NewReno / CUBIC selection,
// the restart after idle (RFC 5681 4.1) and undo of a spurious reduction (RFC 9438 4.9).
#include <cmath>

#include "stack/tcp/cubic.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

constexpr uint32_t kMss = 1000;

Instant at_ms(int64_t ms) { return Instant::from_micros(1'000'000 + ms * 1000); }

// Slow start from the initial window to `segments`, one ACK of one segment at a time.
void grow_to(CongestionControl& cc, uint32_t segments) {
  while (cc.cwnd() < segments * kMss) cc.on_ack(at_ms(0), kMss, cc.cwnd());
}

// One RTT of congestion avoidance: the whole window acknowledged one segment per ACK at `now`.
void ack_one_window(CongestionControl& cc, Instant now) {
  uint32_t segs = cc.cwnd() / kMss;
  for (uint32_t i = 0; i < segs; ++i) cc.on_ack(now, kMss, cc.cwnd());
}

TEST(TcpCubic, Rfc9438MultiplicativeDecreaseAndFastConvergence) {
  Cubic cc(kMss, 10);
  grow_to(cc, 100);
  ASSERT_EQ(cc.cwnd(), 100 * kMss);
  // RFC 9438 4.6: ssthresh = flight_size * 0.7, cwnd = ssthresh; cwnd_prior = cwnd.
  // RFC 9438 4.7: the first event: W_max = cwnd.
  cc.on_congestion(at_ms(0), 100 * kMss);
  EXPECT_EQ(cc.ssthresh(), 70 * kMss);
  EXPECT_EQ(cc.cwnd(), 70 * kMss);
  EXPECT_DOUBLE_EQ(cc.w_max(), 100.0);
  EXPECT_DOUBLE_EQ(cc.cwnd_prior(), 100.0);
  // A second event below W_max: fast convergence, W_max = cwnd * (1 + 0.7) / 2.
  cc.on_congestion(at_ms(10), 70 * kMss);
  EXPECT_DOUBLE_EQ(cc.w_max(), 70.0 * 1.7 / 2.0);
  EXPECT_EQ(cc.ssthresh(), 49 * kMss);
  // Never below 2 SMSS.
  cc.on_congestion(at_ms(20), kMss);
  EXPECT_EQ(cc.ssthresh(), 2 * kMss);
}

TEST(TcpCubic, Rfc9438WindowFollowsTheCubicCurve) {
  // A large window, where the cubic curve (not the Reno-friendly estimate) governs.
  Cubic cc(kMss, 10);
  grow_to(cc, 1000);
  cc.on_congestion(at_ms(0), 1000 * kMss);
  cc.on_rtt(Duration::millis(100));
  // RFC 9438 Figure 2: K = cubic_root((W_max - cwnd_epoch) / C) = cbrt(300 / 0.4).
  cc.on_ack(at_ms(0), kMss, cc.cwnd());
  ASSERT_TRUE(cc.epoch_started());
  const double k = std::cbrt(750.0);
  EXPECT_NEAR(cc.k(), k, 1e-9);
  EXPECT_NEAR(cc.w_cubic(0), 700.0, 1e-9);
  EXPECT_NEAR(cc.w_cubic(k), 1000.0, 1e-9);
  // Each RTT the window reaches about W_cubic(t + RTT) (RFC 9438 4.4-4.5: target bounded to
  // [cwnd, 1.5 cwnd], cwnd += (target - cwnd) / cwnd per ACK).
  double prev = cc.cwnd() / double(kMss);
  double prev_step = 1e9;
  int concave = 0, convex = 0;
  for (int r = 1; r <= 150; ++r) {
    double t = r * 0.1;
    ack_one_window(cc, at_ms(r * 100));
    double w = cc.cwnd() / double(kMss);
    ASSERT_LT(cc.w_est(), cc.w_cubic(t)) << "Reno-friendly region at t=" << t;
    EXPECT_GE(w, prev) << "t=" << t;                          // never shrinks in CA
    EXPECT_LE(w, cc.w_cubic(t + 0.1) + 1.0) << "t=" << t;     // at most the target
    EXPECT_GE(w, cc.w_cubic(t) - 1.0) << "t=" << t;           // follows the curve
    double step = w - prev;
    if (t < k - 0.5) {  // concave: growth slows toward W_max
      EXPECT_LE(step, prev_step + 0.01) << "t=" << t;
      ++concave;
    }
    if (t > k + 0.5) {  // convex: growth speeds up beyond it
      EXPECT_GE(step, prev_step - 0.01) << "t=" << t;
      ++convex;
    }
    if (std::abs(t - k) < 0.05) {
      EXPECT_NEAR(w, 1000.0, 1.0) << "the plateau at t = K";
    }
    prev_step = step;
    prev = w;
  }
  EXPECT_GT(concave, 50);
  EXPECT_GT(convex, 50);
}

TEST(TcpCubic, Rfc9438RenoFriendlyRegionWithShortRtt) {
  Cubic cc(kMss, 10);
  grow_to(cc, 100);
  cc.on_congestion(at_ms(0), 100 * kMss);
  cc.on_rtt(Duration::millis(1));
  // One RTT: W_est grows by alpha_cubic = 3 * 0.3 / 1.7 (RFC 9438 4.3) while below cwnd_prior.
  ack_one_window(cc, at_ms(0));
  EXPECT_NEAR(cc.w_est(), 70.0 + Cubic::kAlpha, 0.02);
  // 1 ms RTTs for one second: AIMD would be far ahead of the cubic curve, so cwnd = W_est.
  for (int r = 1; r <= 1000; ++r) ack_one_window(cc, Instant::from_micros(at_ms(0).us + r * 1000));
  double t = 1.0;
  EXPECT_GT(cc.w_est(), cc.w_cubic(t));
  EXPECT_NEAR(cc.cwnd() / double(kMss), cc.w_est(), 1.0);
  // Past cwnd_prior alpha_cubic is 1: about one segment per RTT.
  double before = cc.w_est();
  ack_one_window(cc, Instant::from_micros(at_ms(0).us + 1001 * 1000));
  EXPECT_NEAR(cc.w_est() - before, 1.0, 0.02);
}

TEST(TcpCubic, Rfc9438TimeoutRestartsTheCurveAtKZero) {
  Cubic cc(kMss, 10);
  grow_to(cc, 100);
  cc.on_rto(at_ms(0), 100 * kMss);
  EXPECT_EQ(cc.cwnd(), kMss);              // RFC 5681 3.1 (5) loss window
  EXPECT_EQ(cc.ssthresh(), 70 * kMss);     // RFC 9438 4.8: beta_cubic for ssthresh
  grow_to(cc, 70);                          // slow start back to ssthresh
  cc.on_ack(at_ms(500), kMss, cc.cwnd());   // the first congestion avoidance ACK
  EXPECT_EQ(cc.k(), 0.0);                   // RFC 9438 4.8: K = 0, W_max = cwnd_epoch
  EXPECT_NEAR(cc.w_max(), 70.0, 1e-9);
}

TEST(TcpCubic, Rfc9438SpuriousEventIsUndone) {
  Cubic cc(kMss, 10);
  grow_to(cc, 100);
  cc.on_congestion(at_ms(0), 100 * kMss);
  cc.on_congestion(at_ms(1), 70 * kMss);
  double w_max = cc.w_max();
  cc.on_congestion(at_ms(2), 49 * kMss);
  ASSERT_TRUE(cc.can_undo());
  cc.undo();  // RFC 9438 4.9: the state before the last event comes back
  EXPECT_EQ(cc.cwnd(), 49 * kMss);
  EXPECT_EQ(cc.ssthresh(), 49 * kMss);
  EXPECT_DOUBLE_EQ(cc.w_max(), w_max);
  EXPECT_FALSE(cc.can_undo());
}

TEST(TcpCongestion, ConfigChoosesCubicOrNewReno) {
  for (auto kind : {conf::CongestionControl::kCubic, conf::CongestionControl::kNewReno}) {
    TcpParams p = test_params();
    p.congestion = kind;
    Net net(p, p);
    auto [ha, hb] = net.establish();
    const CongestionControl* cc = net.a.layer.tcb(ha)->cc.get();
    bool is_cubic = dynamic_cast<const Cubic*>(cc) != nullptr;
    EXPECT_EQ(is_cubic, kind == conf::CongestionControl::kCubic);
    EXPECT_EQ(dynamic_cast<const NewReno*>(cc) != nullptr,
              kind == conf::CongestionControl::kNewReno);
  }
  conf::TcpConfig c;
  c.congestion = conf::CongestionControl::kNewReno;
  EXPECT_EQ(TcpParams::from_config(c, 1500, {1, 2}).congestion, conf::CongestionControl::kNewReno);
}

TEST(TcpCongestion, Rfc5681RestartWindowAfterIdle) {
  Net net;
  auto [ha, hb] = net.establish();
  Pump p{&net.a, ha, random_bytes(1 << 20, 11)};
  net.a.on_write = [&](SocketHandle) { p.push(); };
  p.push();
  ASSERT_TRUE(net.run_while_not([&] { return net.b.received.size() == p.data.size(); },
                                Duration::seconds(20)));
  net.run_for(Duration::millis(100));
  const Tcb& t = *net.a.layer.tcb(ha);
  uint32_t iw = 10 * t.snd_mss;
  ASSERT_GT(t.cc->cwnd(), iw);
  // Idle for longer than the RTO, then a burst: RFC 5681 4.1 restarts from
  // RW = min(IW, cwnd), so exactly the initial window leaves at once.
  net.run_for(Duration::seconds(2));
  net.a.on_write = nullptr;
  BufChain burst;
  burst.append_copy(random_bytes(100 * 1460, 12));
  net.a.out.clear();
  net.a.layer.send(ha, burst);
  EXPECT_EQ(net.a.out.size(), 10u);
  EXPECT_EQ(t.cc->cwnd(), iw);
  EXPECT_EQ(net.a.layer.counters().idle_restarts, 1u);
  // No restart when the pause is shorter than the RTO.
  ASSERT_TRUE(net.run_while_not([&] { return net.a.layer.unacked_bytes(ha) == 0; },
                                Duration::seconds(5)));
  uint64_t restarts = net.a.layer.counters().idle_restarts;
  net.run_for(Duration::millis(50));
  BufChain more;
  more.append_copy("x");
  net.a.layer.send(ha, more);
  EXPECT_EQ(net.a.layer.counters().idle_restarts, restarts);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing

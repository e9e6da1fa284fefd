// Loss recovery: the SACK scoreboard (RFC 6675 IsLost / SetPipe, RFC 2883 D-SACK), scripted
// recovery of several holes in one RTT (RFC 6675) against NewReno's one per RTT (RFC 6582), and
// spurious retransmissions undone (RFC 3522 Eifel, RFC 3708 D-SACK).
#include "stack/tcp/sack.h"
#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

using Blk = wire::TcpSackBlock;
constexpr uint32_t kSeg = 1460;
constexpr uint16_t kPeerPort = 40000;

TEST(TcpSack, Rfc6675IsLostAndPipe) {
  SackScoreboard sb;
  const TcpSeq una(0), max(10 * 1000);
  Blk blocks[] = {{TcpSeq(5000), TcpSeq(6000)}, {TcpSeq(3000), TcpSeq(4000)},
                  {TcpSeq(1000), TcpSeq(2000)}};
  auto u = sb.update(una, max, blocks, 3);
  EXPECT_EQ(u.newly_sacked, 3000u);
  EXPECT_FALSE(u.dsack);
  // DupThresh (3) SACKed blocks above [0, 1000): lost. Above [2000, 3000) only two blocks and
  // 2000 bytes (not more than (DupThresh - 1) * SMSS): not lost.
  EXPECT_TRUE(sb.is_lost(TcpSeq(0), una, 1000));
  EXPECT_FALSE(sb.is_lost(TcpSeq(2000), una, 1000));
  EXPECT_FALSE(sb.is_lost(TcpSeq(1500), una, 1000));  // SACKed
  // SetPipe: unSACKed and not lost: [1000, 10000) minus 3000 SACKed = 6000; with [0, 1000)
  // retransmitted (HighRxt 1000) it counts too.
  EXPECT_EQ(sb.pipe(una, max, TcpSeq(0), 1000), 6000u);
  EXPECT_EQ(sb.pipe(una, max, TcpSeq(1000), 1000), 7000u);
  // More than 2 SMSS SACKed above also makes a sequence lost.
  SackScoreboard big;
  Blk one[] = {{TcpSeq(4000), TcpSeq(7001)}};
  big.update(una, max, one, 1);
  EXPECT_TRUE(big.is_lost(TcpSeq(3000), una, 1000));
  // Adjacent and overlapping reports merge; the cumulative ACK trims.
  Blk more[] = {{TcpSeq(2000), TcpSeq(3000)}, {TcpSeq(5500), TcpSeq(6500)}};
  u = sb.update(una, max, more, 2);
  EXPECT_EQ(u.newly_sacked, 1500u);
  ASSERT_EQ(sb.blocks().size(), 2u);
  EXPECT_EQ(sb.blocks()[0].left, TcpSeq(1000));
  EXPECT_EQ(sb.blocks()[0].right, TcpSeq(4000));
  sb.advance(TcpSeq(3500));
  EXPECT_EQ(sb.blocks()[0].left, TcpSeq(3500));
  EXPECT_EQ(sb.high_sacked(TcpSeq(3500)), TcpSeq(6500));
}

TEST(TcpSack, Rfc2883DsackBlocksAreNotNewInformation) {
  SackScoreboard sb;
  const TcpSeq una(5000), max(20000);
  // Below the cumulative ACK: a D-SACK.
  Blk below[] = {{TcpSeq(1000), TcpSeq(2000)}, {TcpSeq(8000), TcpSeq(9000)}};
  auto u = sb.update(una, max, below, 2);
  EXPECT_TRUE(u.dsack);
  EXPECT_EQ(u.dsack_left, TcpSeq(1000));
  EXPECT_EQ(u.newly_sacked, 1000u);
  // Inside the second block: a D-SACK of data already SACKed.
  Blk inside[] = {{TcpSeq(8200), TcpSeq(8400)}, {TcpSeq(8000), TcpSeq(9000)}};
  u = sb.update(una, max, inside, 2);
  EXPECT_TRUE(u.dsack);
  EXPECT_EQ(u.newly_sacked, 0u);
  // Nonsense is ignored: inverted, empty, beyond SND.MAX, wholly acknowledged.
  Blk junk[] = {{TcpSeq(12000), TcpSeq(11000)}, {TcpSeq(13000), TcpSeq(13000)},
                {TcpSeq(19000), TcpSeq(25000)}, {TcpSeq(100), TcpSeq(200)}};
  u = sb.update(una, max, junk, 4);
  EXPECT_EQ(u.newly_sacked, 0u);
  ASSERT_EQ(sb.blocks().size(), 1u);
  EXPECT_EQ(sb.blocks()[0].left, TcpSeq(8000));
}

// The test plays the client of a listening host that sends a bulk response.
class Recovery : public ::testing::Test {
 protected:
  static TcpParams params() {
    TcpParams p = test_params();
    p.timestamps = false;  // exact segment sizes (1460) in the script
    return p;
  }
  Recovery() : host(kIpB, params()) { host.now = now; }

  TcpRepr seg(uint8_t fl, uint32_t seq, uint32_t ack) {
    TcpRepr h;
    h.src_port = kPeerPort;
    h.dst_port = 80;
    h.flags = fl;
    h.seq = TcpSeq(seq);
    h.ack = TcpSeq(ack);
    h.window = 65535;
    return h;
  }
  std::vector<Captured> inject(const TcpRepr& h) {
    host.out.clear();
    host.layer.on_segment(now, kIpA, kIpB, h, {});
    auto r = std::move(host.out);
    host.out.clear();
    return r;
  }
  // ESTABLISHED with SACK on or off; `segments` * 1460 bytes queued by the application.
  void establish(bool sack, size_t segments) {
    host.layer.listen(0, 80, 8);
    TcpRepr syn = seg(flags::kSyn, 1000, 0);
    syn.mss = 1460;
    syn.sack_permitted = sack;
    auto r = inject(syn);
    ASSERT_EQ(r.size(), 1u);
    iss = r[0].hdr.seq.raw();
    inject(seg(flags::kAck, 1001, iss + 1));
    ASSERT_EQ(host.accepted.size(), 1u);
    h = host.accepted.back();
    BufChain data;
    data.append_copy(random_bytes(segments * kSeg, 9));
    host.out.clear();
    host.layer.send(h, data);
    first_flight = std::move(host.out);
    host.out.clear();
  }
  // Sequence number of segment i (0-based) of the response.
  uint32_t s(uint32_t i) const { return iss + 1 + i * kSeg; }
  // The client's ACK: cumulative up to segment `upto`, SACK blocks [from, to) in segments.
  TcpRepr ack(uint32_t upto, std::vector<std::pair<uint32_t, uint32_t>> sacks = {}) {
    TcpRepr a = seg(flags::kAck, 1001, s(upto));
    for (auto [from, to] : sacks) a.sack[a.sack_count++] = {TcpSeq(s(from)), TcpSeq(s(to))};
    return a;
  }
  // Segment indexes of data segments in `out`.
  std::vector<uint32_t> indexes(const std::vector<Captured>& out) const {
    std::vector<uint32_t> v;
    for (const Captured& c : out)
      if (!c.payload.empty()) v.push_back((c.hdr.seq.raw() - iss - 1) / kSeg);
    return v;
  }

  Instant now = Instant::from_micros(5'000'000);
  Host host;
  uint32_t iss = 0;
  SocketHandle h;
  std::vector<Captured> first_flight;
};

TEST_F(Recovery, Rfc6675MultipleHolesRecoveredInOneRtt) {
  establish(/*sack=*/true, 40);
  ASSERT_EQ(indexes(first_flight), (std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // Segments 1, 4 and 7 are lost. The client ACKs what arrives, one RTT later, at once.
  now = now + Duration::millis(10);
  std::vector<uint32_t> sent;
  auto take = [&](const std::vector<Captured>& out) {
    for (uint32_t i : indexes(out)) sent.push_back(i);
  };
  take(inject(ack(1)));                                     // segment 0: slow start, 10 and 11
  take(inject(ack(1, {{2, 3}})));                           // RFC 3042: 12
  take(inject(ack(1, {{2, 4}})));                           // RFC 3042: 13
  take(inject(ack(1, {{5, 6}, {2, 4}})));                   // DupThresh: retransmit 1
  EXPECT_EQ(host.layer.counters().sack_recoveries, 1u);
  take(inject(ack(1, {{5, 7}, {2, 4}})));
  take(inject(ack(1, {{8, 9}, {5, 7}, {2, 4}})));           // 4 is lost now: retransmit it
  take(inject(ack(1, {{8, 10}, {5, 7}, {2, 4}})));
  for (uint32_t i = 11; i <= 14; ++i) take(inject(ack(1, {{8, i}, {5, 7}, {2, 4}})));
  // Every hole went out again in this one round trip, each once, in order; new data filled
  // what pipe allowed.
  std::vector<uint32_t> retransmitted;
  for (uint32_t i : sent)
    if (i < 10) retransmitted.push_back(i);
  EXPECT_EQ(retransmitted, (std::vector<uint32_t>{1, 4, 7}));
  EXPECT_EQ(host.layer.counters().fast_retransmits, 1u);
  EXPECT_EQ(host.layer.counters().retransmitted_segments, 3u);
  EXPECT_TRUE(host.layer.tcb(h)->in_recovery);
  // The retransmissions arrive: a cumulative ACK past RecoveryPoint ends recovery.
  const Tcb& t = *host.layer.tcb(h);
  uint32_t high = (t.snd_max.raw() - iss - 1) / kSeg;
  now = now + Duration::millis(10);
  inject(ack(high));
  EXPECT_FALSE(t.in_recovery);
  EXPECT_EQ(host.layer.counters().timeouts, 0u);
  EXPECT_LE(t.cc->cwnd(), t.cc->ssthresh());
}

TEST_F(Recovery, Rfc6582NewRenoPartialAcksRetransmitOneHolePerRtt) {
  establish(/*sack=*/false, 40);
  ASSERT_EQ(first_flight.size(), 10u);
  now = now + Duration::millis(10);
  std::vector<uint32_t> sent;
  auto take = [&](const std::vector<Captured>& out) {
    for (uint32_t i : indexes(out)) sent.push_back(i);
  };
  // Same losses (1, 4, 7): without SACK only duplicate ACKs of segment 1 come back.
  take(inject(ack(1)));
  for (int i = 0; i < 7; ++i) take(inject(ack(1)));  // 2, 3, 5, 6, 8, 9, then 10
  std::vector<uint32_t> rxt;
  for (uint32_t i : sent)
    if (i < 10) rxt.push_back(i);
  EXPECT_EQ(rxt, (std::vector<uint32_t>{1}));  // RFC 6582 3.2 (2): only the first hole
  EXPECT_TRUE(host.layer.tcb(h)->in_recovery);
  // RFC 6582 3.2 (3): each partial ACK retransmits the next hole, one per round trip.
  now = now + Duration::millis(10);
  auto r = inject(ack(4));
  ASSERT_FALSE(indexes(r).empty());
  EXPECT_EQ(indexes(r)[0], 4u);
  EXPECT_TRUE(host.layer.tcb(h)->in_recovery);
  now = now + Duration::millis(10);
  r = inject(ack(7));
  ASSERT_FALSE(indexes(r).empty());
  EXPECT_EQ(indexes(r)[0], 7u);
  now = now + Duration::millis(10);
  const Tcb& t = *host.layer.tcb(h);
  uint32_t high = (t.recover.raw() - iss - 1) / kSeg;
  inject(ack(high));  // the full ACK
  EXPECT_FALSE(t.in_recovery);
  EXPECT_EQ(host.layer.counters().fast_retransmits, 1u);
  EXPECT_EQ(host.layer.counters().timeouts, 0u);
  EXPECT_EQ(host.layer.counters().retransmitted_segments, 3u);
}

TEST_F(Recovery, Rfc3708DsackOfEveryRetransmissionUndoesTheReduction) {
  establish(/*sack=*/true, 40);
  now = now + Duration::millis(10);
  inject(ack(1));
  const Tcb& t = *host.layer.tcb(h);
  uint32_t cwnd_before = t.cc->cwnd();
  // Segment 1 is only late (reordered): three SACKs start recovery and retransmit it.
  inject(ack(1, {{2, 3}}));
  inject(ack(1, {{2, 4}}));
  inject(ack(1, {{2, 5}}));
  ASSERT_TRUE(t.in_recovery);
  EXPECT_LT(t.cc->cwnd(), cwnd_before);
  // The original arrives: everything sent is acknowledged; recovery ends.
  now = now + Duration::millis(1);
  const uint32_t high = (t.recover.raw() - iss - 1) / kSeg;
  inject(ack(high));
  EXPECT_FALSE(t.in_recovery);
  EXPECT_EQ(host.layer.counters().spurious_undos, 0u);
  // Then the retransmission arrives as a duplicate: the client reports it with a D-SACK
  // (RFC 2883 4: a block below the cumulative ACK). Every retransmission was unnecessary.
  now = now + Duration::millis(9);
  inject(ack(high, {{1, 2}}));
  EXPECT_EQ(host.layer.counters().dsacks_received, 1u);
  EXPECT_EQ(host.layer.counters().spurious_undos, 1u);
  EXPECT_GE(t.cc->cwnd(), cwnd_before);
  // A D-SACK is never a duplicate ACK: three of them start no recovery.
  for (int i = 0; i < 3; ++i) inject(ack(high, {{1, 2}}));
  EXPECT_FALSE(t.in_recovery);
  EXPECT_EQ(host.layer.counters().fast_retransmits, 1u);
}

}  // namespace
}  // namespace sluice::stack::tcp::testing

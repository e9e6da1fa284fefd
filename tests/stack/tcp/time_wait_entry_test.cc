// TIME-WAIT entries (stack/tcp/time_wait.h): a released connection in TIME-WAIT answers every kind
// of late segment exactly as its TCB did (RFC 9293 3.10.7.4, RFC 5961, RFC 7323 PAWS, RFC 2883
// D-SACK, RFC 6191 reuse), and the entries have their own bound, apart from max_connections.
#include <functional>
#include <string>

#include "tests/stack/tcp/harness.h"

namespace sluice::stack::tcp::testing {
namespace {

TcpParams params() {
  TcpParams p = test_params();
  p.time_wait = Duration::seconds(5);
  return p;
}

// b (the side that closed first) in TIME-WAIT, holding its TCB or released to an entry.
struct TimeWaitSide {
  explicit TimeWaitSide(bool release) : net(params(), params()) {
    auto [a, b] = net.establish();
    ha = a;
    hb = b;
    tuple = *net.b.layer.four_tuple(hb);
    net.close_in_turn(net.b, hb, ha);
    EXPECT_EQ(net.b.layer.state(hb), TcpState::kTimeWait);
    a_fin = net.log_a.back().hdr;  // a's FIN, as a would retransmit it
    EXPECT_TRUE(a_fin.fin());
    if (release) {
      net.b.layer.release(hb);
      EXPECT_EQ(net.b.layer.tcb(hb), nullptr);
      EXPECT_EQ(net.b.layer.time_wait_count(), 1u);
    } else {
      EXPECT_EQ(net.b.layer.time_wait_count(), 0u);
    }
    // b's answers never reach a (which would answer forged segments with RSTs).
    net.filter = [](size_t, bool from_a, const Captured&) { return from_a ? Fate::kDeliver : Fate::kDrop; };
    net.run_for(Duration::millis(100));
  }
  // What b sends in answer to `h` (with `payload` bytes of data).
  std::vector<TcpRepr> answer(const TcpRepr& h, size_t payload) {
    net.b.out.clear();
    BufChain data;
    data.append_copy(std::string(payload, 'x'));
    net.b.layer.on_segment(net.now, kIpA, kIpB, h, std::move(data));
    std::vector<TcpRepr> sent;
    for (const Captured& c : net.b.out) sent.push_back(c.hdr);
    return sent;
  }
  // Still in TIME-WAIT, and until when.
  std::optional<Instant> deadline() const {
    if (const Tcb* t = net.b.layer.tcb(hb); t && t->state == TcpState::kTimeWait) return t->state_at;
    return net.b.layer.time_wait_deadline(tuple);
  }

  Net net;
  SocketHandle ha, hb;
  FourTuple tuple;
  TcpRepr a_fin;
};

struct LateSegment {
  const char* name;
  std::function<TcpRepr(TcpRepr)> make;  // from a's FIN
  size_t payload = 0;
};

TcpRepr with(TcpRepr h, uint8_t fl) {
  h.flags = fl;
  return h;
}

const std::vector<LateSegment>& late_segments() {
  static const std::vector<LateSegment> cases = {
      {"the FIN again", [](TcpRepr h) { return h; }},
      {"the FIN without ACK", [](TcpRepr h) { return with(h, flags::kFin); }},
      {"the FIN with RST", [](TcpRepr h) { return with(h, flags::kFin | flags::kRst | flags::kAck); }},
      {"an exact RST", [](TcpRepr h) { h.seq = h.seq + 1; return with(h, flags::kRst); }},
      {"a RST elsewhere in the window", [](TcpRepr h) { h.seq = h.seq + 100; return with(h, flags::kRst); }},
      {"an old timestamp (PAWS)", [](TcpRepr h) { h.timestamps->tsval -= 1; return with(h, flags::kAck); }},
      {"a SYN in the window, not newer", [](TcpRepr h) { h.seq = h.seq + 10; return with(h, flags::kSyn); }},
      {"a pure ACK", [](TcpRepr h) { h.seq = h.seq + 1; return with(h, flags::kAck); }},
      {"an ACK of what was never sent", [](TcpRepr h) { h.seq = h.seq + 1; h.ack = h.ack + 1000; return with(h, flags::kAck); }},
      {"an ACK older than any window", [](TcpRepr h) { h.seq = h.seq + 1; h.ack = h.ack - (1u << 24); return with(h, flags::kAck); }},
      {"data wholly below RCV.NXT", [](TcpRepr h) { h.seq = h.seq - 100; return with(h, flags::kAck | flags::kPsh); }, 100},
      {"data across RCV.NXT", [](TcpRepr h) { h.seq = h.seq - 50; return with(h, flags::kAck | flags::kPsh); }, 100},
      {"data in the window", [](TcpRepr h) { h.seq = h.seq + 1; return with(h, flags::kAck | flags::kPsh); }, 10},
      {"data without ACK", [](TcpRepr h) { h.seq = h.seq + 1; return with(h, flags::kPsh); }, 10},
      {"a FIN at RCV.NXT", [](TcpRepr h) { h.seq = h.seq + 1; return with(h, flags::kFin | flags::kAck); }},
      {"a newer SYN (RFC 6191)", [](TcpRepr h) {
         h.seq = h.seq + 5000;
         h.timestamps->tsval += 1000;
         h.mss = 1460;
         return with(h, flags::kSyn);
       }},
  };
  return cases;
}

TEST(TcpTimeWaitEntry, AnswersEveryLateSegmentAsItsTcbDid) {
  for (const LateSegment& c : late_segments()) {
    SCOPED_TRACE(c.name);
    TimeWaitSide held(false), entry(true);
    const TcpRepr h = c.make(held.a_fin);
    ASSERT_EQ(h, c.make(entry.a_fin)) << "both runs are deterministic";
    const std::vector<TcpRepr> from_tcb = held.answer(h, c.payload);
    const std::vector<TcpRepr> from_entry = entry.answer(h, c.payload);
    EXPECT_EQ(from_entry, from_tcb);
    EXPECT_EQ(entry.deadline(), held.deadline());
    const TcpCounters& a = held.net.b.layer.counters();
    const TcpCounters& b = entry.net.b.layer.counters();
    EXPECT_EQ(b.unacceptable_segments, a.unacceptable_segments);
    EXPECT_EQ(b.challenge_acks, a.challenge_acks);
    EXPECT_EQ(b.resets_received, a.resets_received);
    EXPECT_EQ(b.time_wait_reuses, a.time_wait_reuses);
    EXPECT_EQ(b.dup_segments, a.dup_segments);
    EXPECT_EQ(b.segments_out, a.segments_out);
  }
}

TEST(TcpTimeWaitEntry, TheCasesSeeWhatTheRfcsSay) {
  auto run = [](const char* name) {
    for (const LateSegment& c : late_segments())
      if (std::string(c.name) == name) {
        auto side = std::make_unique<TimeWaitSide>(true);
        const Instant before = *side->deadline();
        auto sent = side->answer(c.make(side->a_fin), c.payload);
        return std::make_tuple(std::move(side), sent, before);
      }
    ADD_FAILURE() << name;
    return std::make_tuple(std::unique_ptr<TimeWaitSide>(), std::vector<TcpRepr>{}, Instant{});
  };
  {  // RFC 9293 3.10.7.4: ACK it, and restart the 2 MSL timeout.
    auto [side, sent, before] = run("the FIN again");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].flags, flags::kAck);
    EXPECT_EQ(sent[0].ack, side->a_fin.seq + 1);
    EXPECT_EQ(side->deadline(), side->net.now + Duration::seconds(5));
    EXPECT_GT(*side->deadline(), before);
  }
  {  // RFC 9293 3.10.7.4 second: an exact RST ends it; the tuple then meets no connection.
    auto [side, sent, before] = run("an exact RST");
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(side->net.b.layer.time_wait_count(), 0u);
    EXPECT_EQ(side->net.b.layer.connection_count(), 0u);
  }
  {  // RFC 2883 4: the duplicate is reported in a D-SACK block.
    auto [side, sent, before] = run("data wholly below RCV.NXT");
    ASSERT_EQ(sent.size(), 1u);
    ASSERT_EQ(sent[0].sack_count, 1u);
    EXPECT_EQ(sent[0].sack[0].left, side->a_fin.seq - 100);
    EXPECT_EQ(sent[0].sack[0].right, side->a_fin.seq);
    EXPECT_EQ(side->deadline(), before);
  }
  {  // RFC 6191: the newer SYN takes the tuple over and gets a SYN-ACK.
    auto [side, sent, before] = run("a newer SYN (RFC 6191)");
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(side->net.b.layer.time_wait_count(), 0u);
    EXPECT_EQ(side->net.b.layer.tcb_count(), 1u);
    EXPECT_EQ(side->net.b.layer.counters().time_wait_reuses, 1u);
  }
  {  // A pure ACK in the window: nothing to say.
    auto [side, sent, before] = run("a pure ACK");
    EXPECT_TRUE(sent.empty());
    EXPECT_EQ(side->deadline(), before);
  }
}

// n short connections, the server (b) closing first and letting go, as an HTTP server does.
void short_connections(Net& net, int n) {
  for (int i = 0; i < n; ++i) {
    auto h = net.a.layer.connect(net.now, kIpA, kIpB, 80);
    ASSERT_TRUE(h.has_value()) << i;
    net.run_for(Duration::millis(20));
    ASSERT_FALSE(net.b.accepted.empty()) << i;
    SocketHandle hb = net.b.accepted.back();
    net.b.accepted.clear();
    ASSERT_EQ(net.b.layer.state(hb), TcpState::kEstablished) << i;
    net.b.layer.close(hb);
    net.b.layer.release(hb);
    net.run_for(Duration::millis(20));
    net.a.layer.close(*h);
    net.a.layer.release(*h);
    net.run_for(Duration::millis(20));
  }
}

TEST(TcpTimeWaitEntry, TimeWaitDoesNotTakeThePlacesOfLiveConnections) {
  TcpParams p = test_params();
  p.max_connections = 4;
  Net net(p, p);
  ASSERT_TRUE(net.b.layer.listen(0, 80, 16).has_value());
  short_connections(net, 40);
  EXPECT_EQ(net.b.layer.time_wait_count(), 40u) << "60 s of TIME-WAIT, 10x max_connections";
  EXPECT_EQ(net.b.layer.tcb_count(), 0u);
  EXPECT_EQ(net.b.layer.counters().syn_drops, 0u);
  EXPECT_EQ(net.b.layer.counters().passive_opens, 40u);
}

TEST(TcpTimeWaitEntry, PastMaxTimeWaitConnectionsCloseWithoutIt) {
  TcpParams p = test_params();
  p.max_time_wait = 3;
  Net net(test_params(), p);
  ASSERT_TRUE(net.b.layer.listen(0, 80, 16).has_value());
  short_connections(net, 5);
  EXPECT_EQ(net.b.layer.time_wait_count(), 3u);
  EXPECT_EQ(net.b.layer.counters().time_wait_overflows, 2u);
  EXPECT_EQ(net.b.layer.connection_count(), 3u);
  EXPECT_EQ(net.b.layer.counters().closed, 2u) << "the two past the bound closed at once";
  net.run_for(Duration::seconds(61));
  EXPECT_EQ(net.b.layer.connection_count(), 0u);
  EXPECT_EQ(net.b.layer.counters().closed, 5u);
}

TEST(TcpTimeWaitEntry, ZeroMaxTimeWaitKeepsNone) {
  TcpParams p = test_params();
  p.max_time_wait = 0;
  Net net(test_params(), p);
  ASSERT_TRUE(net.b.layer.listen(0, 80, 16).has_value());
  short_connections(net, 3);
  EXPECT_EQ(net.b.layer.connection_count(), 0u);
  EXPECT_EQ(net.b.layer.counters().time_wait_overflows, 3u);
}

// A connection released after newer ones became entries still expires exactly time_wait after it
// entered TIME-WAIT (its deadline is earlier than theirs: it waits as a TCB).
TEST(TcpTimeWaitEntry, ALateReleaseStillExpiresOnTime) {
  Net net(params(), params());
  auto [ha1, hb1] = net.establish();
  net.close_in_turn(net.b, hb1, ha1);
  ASSERT_EQ(net.b.layer.state(hb1), TcpState::kTimeWait);
  const Instant first = net.b.layer.tcb(hb1)->state_at;
  net.run_for(Duration::seconds(1));
  auto h2 = net.a.layer.connect(net.now, kIpA, kIpB, 80);
  ASSERT_TRUE(h2.has_value());
  net.run_for(Duration::millis(50));
  SocketHandle hb2 = net.b.accepted.back();
  net.close_in_turn(net.b, hb2, *h2);
  ASSERT_EQ(net.b.layer.state(hb2), TcpState::kTimeWait);
  net.b.layer.release(hb2);
  ASSERT_EQ(net.b.layer.time_wait_count(), 1u);
  net.b.layer.release(hb1);  // its deadline is before the entry's
  EXPECT_EQ(net.b.layer.time_wait_count(), 1u);
  EXPECT_EQ(net.b.layer.tcb_count(), 1u);
  net.run_until(first - Duration::micros(1));
  EXPECT_EQ(net.b.layer.connection_count(), 2u);
  net.run_until(first);
  EXPECT_EQ(net.b.layer.connection_count(), 1u);
  EXPECT_EQ(net.b.layer.tcb_count(), 0u);
}

// RFC 1191 / RFC 5927: an ICMP fragmentation-needed quoting a TIME-WAIT connection's segment
// finds no data to resize and changes nothing.
TEST(TcpTimeWaitEntry, IcmpFragNeededForAnEntryIsIgnored) {
  TimeWaitSide side(true);
  side.net.b.out.clear();
  side.net.b.layer.on_icmp_frag_needed(side.net.now, side.tuple, side.a_fin.ack.raw() - 1, 576);
  EXPECT_TRUE(side.net.b.out.empty());
  EXPECT_EQ(side.net.b.layer.time_wait_count(), 1u);
  EXPECT_EQ(side.net.b.layer.counters().pmtu_updates, 0u);
}

// Held by the application, the TCB stays (state() says TIME-WAIT); release() turns it into an
// entry with the same deadline.
TEST(TcpTimeWaitEntry, AHeldConnectionBecomesAnEntryOnRelease) {
  TimeWaitSide side(false);
  const Instant deadline = side.net.b.layer.tcb(side.hb)->state_at;
  EXPECT_EQ(side.net.b.layer.tcb_count(), 1u);
  side.net.b.layer.release(side.hb);
  EXPECT_EQ(side.net.b.layer.tcb_count(), 0u);
  EXPECT_EQ(side.net.b.layer.time_wait_deadline(side.tuple), deadline);
  side.net.run_until(deadline - Duration::micros(1));
  EXPECT_EQ(side.net.b.layer.time_wait_count(), 1u);
  side.net.run_until(deadline);
  EXPECT_EQ(side.net.b.layer.time_wait_count(), 0u);
}

// The burst prefetch hints (StackTransport runs them before every burst) read, never change: an
// entry, a TCB and an unknown 4-tuple answer the same after them.
TEST(TcpTimeWaitEntry, PrefetchHintsChangeNothing) {
  for (bool release : {true, false}) {
    TimeWaitSide plain(release), hinted(release);
    for (const FourTuple& t : {hinted.tuple, FourTuple{kIpB, 1, kIpA, 2}}) {
      hinted.net.b.layer.prefetch_lookup(t);
      hinted.net.b.layer.prefetch_state(t);
    }
    EXPECT_EQ(hinted.deadline(), plain.deadline());
    const auto sent_plain = plain.answer(plain.a_fin, 0), sent_hinted = hinted.answer(hinted.a_fin, 0);
    ASSERT_EQ(sent_hinted.size(), sent_plain.size());
    ASSERT_EQ(sent_hinted.size(), 1u);
    EXPECT_EQ(sent_hinted[0].flags, sent_plain[0].flags);
    EXPECT_EQ(sent_hinted[0].ack, sent_plain[0].ack);
  }
}

}  // namespace
}  // namespace sluice::stack::tcp::testing

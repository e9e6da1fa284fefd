// See time_wait.h. The checks follow input_synchronized() (input.cc) for a TCB in TIME-WAIT, so a
// connection answers the same whether its TCB is still held or only its entry is left.
#include "stack/tcp/time_wait.h"

#include <algorithm>

namespace sluice::stack::tcp {
namespace flags = wire::tcp_flags;

namespace {

TimeWaitAnswer answer(TimeWaitVerdict v) { return TimeWaitAnswer{v, false, {}, {}}; }

// RFC 2883 4: an ACK that reports [l, r) as received twice.
TimeWaitAnswer ack_duplicate(const TimeWaitEntry& w, TcpSeq l, TcpSeq r) {
  return TimeWaitAnswer{TimeWaitVerdict::kAck, w.sack_ok, l, r};
}

}  // namespace

TimeWaitAnswer time_wait_input(TimeWaitEntry& w, const TcpRepr& h, uint32_t payload_len,
                               TcpCounters& c) {
  const uint32_t len = payload_len + h.syn() + h.fin();
  // RFC 7323 5.3 PAWS: a segment whose TSval is older than TS.Recent is a stale duplicate.
  if (w.ts_ok && h.timestamps && !h.rst() &&
      static_cast<int32_t>(h.timestamps->tsval - w.ts_recent) < 0) {
    c.unacceptable_segments++;
    return answer(TimeWaitVerdict::kAck);
  }
  // RFC 9293 3.10.7.4 first: the acceptability test.
  const bool ok = segment_acceptable(h.seq, len, w.rcv_nxt, w.rcv_wnd);
  // "If the RCV.WND is zero, no segments will be acceptable, but special allowance should be
  // made to accept valid ACKs, URGs, and RSTs."
  const bool zero_window_ack = !ok && w.rcv_wnd == 0 && h.seq == w.rcv_nxt && !h.rst();
  if (!ok && !zero_window_ack) {
    c.unacceptable_segments++;
    if (len > 0) c.dup_segments++;
    // "If an incoming segment is not acceptable, an acknowledgment should be sent in reply
    // (unless the RST bit is set)".
    if (h.rst()) return answer(TimeWaitVerdict::kDrop);
    TimeWaitAnswer a = answer(TimeWaitVerdict::kAck);
    // RFC 2883 4 (1): data wholly below RCV.NXT arrived again.
    if (payload_len > 0 && h.seq + len <= w.rcv_nxt) a = ack_duplicate(w, h.seq, h.seq + len);
    // TIME-WAIT: "The only thing that can arrive in this state is a retransmission of the remote
    // FIN. Acknowledge it, and restart the 2 MSL timeout." Only one with the ACK bit: "if the ACK
    // bit is off, drop the segment" comes before the FIN.
    if (h.fin() && h.seq + len == w.rcv_nxt && h.ack_set()) a.verdict = TimeWaitVerdict::kRestartAndAck;
    return a;
  }
  // Trim what lies before RCV.NXT: a retransmission of what we have, to be ACKed now.
  TimeWaitAnswer ack = answer(TimeWaitVerdict::kAck);
  bool ack_now = zero_window_ack;
  TcpSeq seq = h.seq;
  bool syn = h.syn() && !zero_window_ack;
  uint32_t data = zero_window_ack ? 0 : payload_len;
  if (seq < w.rcv_nxt) {
    uint32_t cut = static_cast<uint32_t>(w.rcv_nxt - seq);
    if (syn) { syn = false; --cut; }
    const uint32_t d = std::min(cut, data);
    // RFC 2883 4 (1): the part below RCV.NXT is a duplicate.
    if (d > 0) ack = ack_duplicate(w, w.rcv_nxt - d, w.rcv_nxt);
    data -= d;
    seq = w.rcv_nxt;
    ack_now = true;
  }
  // RFC 7323 4.3: TS.Recent <- SEG.TSval when SEG.SEQ =< Last.ACK.sent (RCV.NXT: the ACK of the
  // peer's FIN was our last word).
  if (w.ts_ok && h.timestamps && seq <= w.rcv_nxt) w.ts_recent = h.timestamps->tsval;
  // Second: the RST bit. RFC 5961 3.2: only an exact one resets; one elsewhere in the window
  // draws a challenge ACK.
  if (h.rst()) {
    if (seq != w.rcv_nxt) {
      c.challenge_acks++;
      return ack;
    }
    c.resets_received++;
    return answer(TimeWaitVerdict::kReset);
  }
  // Fourth: a SYN in the window (not one that may take the 4-tuple over). RFC 5961 4.
  if (syn) {
    c.challenge_acks++;
    return ack;
  }
  // Fifth: "if the ACK bit is off, drop the segment".
  if (!h.ack_set()) return answer(TimeWaitVerdict::kDrop);
  // "If the ACK acks something not yet sent (SEG.ACK > SND.NXT) then send an ACK, drop".
  if (h.ack > w.snd_nxt) return ack;
  // RFC 5961 5.2: an ACK older than the window the peer could have seen.
  if (h.ack < w.ack_floor) {
    c.challenge_acks++;
    return ack;
  }
  // Seventh: text is ignored once the peer's FIN is in. Eighth: a FIN again is acknowledged.
  if (h.fin() && seq == w.rcv_nxt && data == 0) ack_now = true;
  return ack_now ? ack : answer(TimeWaitVerdict::kDrop);
}

TcpRepr time_wait_ack(const TimeWaitEntry& w, Instant now, const TimeWaitAnswer& a) {
  TcpRepr h;
  h.src_port = w.tuple.local_port;
  h.dst_port = w.tuple.remote_port;
  h.seq = w.snd_nxt;
  h.ack = w.rcv_nxt;
  h.flags = flags::kAck;
  h.window = w.window;
  // RFC 7323 3.2: TSopt in every non-RST segment once negotiated; TSecr echoes TS.Recent.
  if (w.ts_ok) h.timestamps = wire::TcpTimestamps{ts_clock(now, w.ts_offset), w.ts_recent};
  if (a.dsack) {
    h.sack[0] = {a.dsack_left, a.dsack_right};
    h.sack_count = 1;
  }
  return h;
}

bool time_wait_reusable(bool ts_ok, uint32_t ts_recent, TcpSeq rcv_nxt, const TcpRepr& syn) {
  // RFC 6191 2: with timestamps, a SYN whose TSval is greater than TS.Recent; otherwise
  // (RFC 9293 3.6.1 / RFC 1122 4.2.2.13) a SYN whose sequence number is above RCV.NXT.
  if (ts_ok && syn.timestamps) return static_cast<int32_t>(syn.timestamps->tsval - ts_recent) > 0;
  return syn.seq > rcv_nxt;
}

// ---- TimeWaitTable

uint32_t TimeWaitTable::add(const TimeWaitEntry& e) {
  uint32_t i;
  if (!free_.empty()) {
    i = free_.back();
    free_.pop_back();
  } else {
    i = static_cast<uint32_t>(entries_.size());
    entries_.emplace_back();
  }
  const uint32_t generation = entries_[i].generation;
  entries_[i] = e;
  entries_[i].generation = generation;
  entries_[i].used = true;
  ++size_;
  enqueue(i);
  return i;
}

void TimeWaitTable::enqueue(uint32_t i) {
  TimeWaitEntry& e = entries_[i];
  // Deadlines are now + time_wait with a clock that does not go back, so they come in order
  // (add() is only given in_order() ones); should one not be, it is held to the back's: late,
  // never early.
  if (!deadlines_.can_push(e.expires_us)) e.expires_us = deadlines_.back_at();
  deadlines_.push(i, e.generation, e.expires_us);
  deadlines_.compact_if_due([this](const TimeWaitQueue::Entry& q) { return live(q); });
}

void TimeWaitTable::restart(uint32_t i, int64_t expires_us) {
  deadlines_.leave();  // its current FIFO entry goes stale
  entries_[i].expires_us = expires_us;
  enqueue(i);
}

void TimeWaitTable::remove(uint32_t i) {
  TimeWaitEntry& e = entries_[i];
  if (!e.used) return;
  deadlines_.leave();
  e.used = false;
  ++e.generation;
  --size_;
  free_.push_back(i);
}

bool TimeWaitTable::live(const TimeWaitQueue::Entry& q) const {
  const TimeWaitEntry& e = entries_[q.slot];
  return e.used && e.generation == q.generation && e.expires_us == q.at_us;
}

std::optional<int64_t> TimeWaitTable::next_deadline() const {
  if (deadlines_.empty()) return std::nullopt;
  return deadlines_.front().at_us;
}

std::optional<uint32_t> TimeWaitTable::pop_due(int64_t now_us) {
  while (!deadlines_.empty() && deadlines_.front().at_us <= now_us) {
    TimeWaitQueue::Entry q = deadlines_.front();
    deadlines_.pop_front();
    if (live(q)) return q.slot;  // its remove() counts the FIFO entry as gone

  }
  return std::nullopt;
}

}  // namespace sluice::stack::tcp

// The layer's TIME-WAIT entries (time_wait.h): a TCB in TIME-WAIT that the application let go
// becomes a 64-byte entry in the connection table, answered by time_wait_input() until 2 MSL
// pass (RFC 9293 3.10.7.4), a newer SYN takes the 4-tuple over (RFC 6191) or an exact RST ends it.
#include <algorithm>

#include "stack/tcp/input.h"
#include "stack/tcp/layer.h"
#include "stack/tcp/output.h"

namespace sluice::stack::tcp {

void TcpLayer::entered_time_wait(Tcb& t) { to_compact_.push_back({t.slot, t.generation}); }

void TcpLayer::compact_time_waits() {
  for (SocketHandle h : to_compact_) {
    Tcb* t = find(h);
    // Still held by the application: release() brings it back here.
    if (!t || t->state != TcpState::kTimeWait || t->app_owned) continue;
    // Released after newer entries were made, its deadline would come out of order: it waits as
    // a TCB on the timer heap instead, so that it expires exactly on time.
    if (!time_waits_.in_order(t->state_at.us)) continue;
    keep_time_wait(*t);
  }
  to_compact_.clear();
}

void TcpLayer::keep_time_wait(Tcb& t) {
  if (time_waits_.full()) {
    // max_time_wait reached: the connection closes without TIME-WAIT, as Linux does past
    // tcp_max_tw_buckets (a later duplicate then meets no connection and draws a RST).
    counters_.time_wait_overflows++;
    closed(t, CloseReason::kClosed);
    return;
  }
  TimeWaitEntry e;
  e.tuple = t.tuple;
  e.snd_nxt = t.snd_nxt;
  e.ack_floor = t.snd_una - t.max_snd_wnd;  // MAX.SND.WND as of now: no more window updates come
  e.rcv_nxt = t.rcv_nxt;
  e.window = advertise_window(*this, t);
  e.rcv_wnd = static_cast<uint32_t>(std::max<int32_t>(t.rcv_adv - t.rcv_nxt, 0));
  e.ts_ok = t.ts_ok;
  e.sack_ok = t.sack_ok;
  e.ts_recent = t.ts_recent;
  e.ts_offset = t.ts_offset;
  e.expires_us = t.state_at.us;  // the 2 MSL already running
  const uint32_t index = time_waits_.add(e);
  retire(t);  // counted as closed when the entry ends
  table_.insert_or_assign(t.tuple, index | kTimeWaitTag);
  to_free_.push_back(t.slot);
}

bool TcpLayer::time_wait_segment(uint32_t index, const TcpRepr& h, uint32_t payload_len) {
  TimeWaitEntry& w = time_waits_.at(index);
  // RFC 6191 / RFC 9293 3.10.7.4: a new incarnation may take over the TIME-WAIT 4-tuple.
  if (h.syn() && !h.ack_set() && !h.rst() &&
      time_wait_reusable(w.ts_ok, w.ts_recent, w.rcv_nxt, h)) {
    counters_.time_wait_reuses++;
    end_time_wait(index);
    return false;
  }
  const TimeWaitAnswer a = time_wait_input(w, h, payload_len, counters_);
  switch (a.verdict) {
    case TimeWaitVerdict::kDrop: return true;
    case TimeWaitVerdict::kReset: end_time_wait(index); return true;
    case TimeWaitVerdict::kRestartAndAck:
      time_waits_.restart(index, (now_ + params_.time_wait).us);
      break;
    case TimeWaitVerdict::kAck: break;
  }
  counters_.segments_out++;
  emit(w.tuple, time_wait_ack(w, now_, a), BufChain{});
  return true;
}

void TcpLayer::end_time_wait(uint32_t index) {
  table_.erase(time_waits_.at(index).tuple);
  time_waits_.remove(index);
  counters_.closed++;
}

void TcpLayer::expire_time_waits(Instant now, size_t budget) {
  for (; budget > 0; --budget) {
    std::optional<uint32_t> index = time_waits_.pop_due(now.us);
    if (!index) return;
    end_time_wait(*index);  // RFC 9293 3.10.7.4: 2 MSL are over
  }
}

std::optional<Instant> TcpLayer::time_wait_deadline(const FourTuple& t) const {
  const uint32_t* value = table_.find(t);
  if (!value || !is_time_wait(*value)) return std::nullopt;
  return Instant::from_micros(time_waits_.at(time_wait_index(*value)).expires_us);
}

}  // namespace sluice::stack::tcp

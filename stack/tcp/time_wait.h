// TIME-WAIT without a TCB (RFC 9293 3.10.7.4).
//
// Once the application has let go of a connection in TIME-WAIT, all that is left for 2 MSL is to
// answer the peer's last segments: ACK a retransmitted FIN (and restart the timer), ACK what falls
// outside the window, honour an exact RST, let a newer SYN take the 4-tuple over (RFC 6191). That
// needs a few sequence numbers and the timestamps: a TimeWaitEntry is one 64-byte cache line
// where a Tcb is about 1.8 KB. A short-connection server holds rate x time_wait of them (60 s at 100k
// connections/s is 6 million), which is why Linux keeps an inet_timewait_sock instead of the
// tcp_sock.
//
// The entries have their own bound (max_time_wait) beside the connection limit, so TIME-WAIT
// never takes the place of a live connection; past it a connection closes without TIME-WAIT and
// the layer counts it, as Linux does past tcp_max_tw_buckets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/time.h"
#include "stack/tcp/counters.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/time_wait_queue.h"
#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

struct TimeWaitEntry {
  FourTuple tuple;
  TcpSeq snd_nxt;       // SND.NXT = SND.UNA = SND.MAX: our FIN + 1
  TcpSeq ack_floor;     // SND.UNA - MAX.SND.WND: older ACKs are not believed (RFC 5961 5.2)
  TcpSeq rcv_nxt;       // the peer's FIN + 1
  uint32_t rcv_wnd = 0; // RCV.ADV - RCV.NXT: the window our last ACK offered
  uint32_t ts_recent = 0;
  uint32_t ts_offset = 0;
  uint16_t window = 0;  // the window field of our ACKs (scaled)
  bool ts_ok = false;
  bool sack_ok = false;
  bool used = false;
  uint32_t generation = 0;
  int64_t expires_us = 0;
};
static_assert(sizeof(TimeWaitEntry) <= 64);

// What a segment for a TIME-WAIT entry calls for. A SYN that may take the 4-tuple over is the
// layer's to check first (time_wait_reusable).
enum class TimeWaitVerdict : uint8_t {
  kDrop,
  kAck,           // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
  kRestartAndAck, // a retransmission of the peer's FIN: ACK it, 2 MSL starts again
  kReset,         // an exact RST: the entry goes
};
struct TimeWaitAnswer {
  TimeWaitVerdict verdict = TimeWaitVerdict::kDrop;
  bool dsack = false;  // RFC 2883 4: the ACK reports [dsack_left, dsack_right) as a duplicate
  TcpSeq dsack_left, dsack_right;
};

// RFC 9293 3.10.7.4 for a connection in TIME-WAIT, in the order the RFC checks (PAWS first,
// RFC 7323 5.3). Updates TS.Recent (RFC 7323 4.3) and the counters.
TimeWaitAnswer time_wait_input(TimeWaitEntry& w, const TcpRepr& h, uint32_t payload_len,
                               TcpCounters& c);
// The ACK a TIME-WAIT entry sends: TSopt when negotiated (RFC 7323 3.2), the D-SACK block the
// answer reports (RFC 2883 4).
TcpRepr time_wait_ack(const TimeWaitEntry& w, Instant now, const TimeWaitAnswer& a);
// RFC 6191 2: may this SYN take over a TIME-WAIT 4-tuple?
bool time_wait_reusable(bool ts_ok, uint32_t ts_recent, TcpSeq rcv_nxt, const TcpRepr& syn);

// The entries and their deadlines: a slab with a free list, and the FIFO of deadlines (every
// entry waits the same time_wait, so they expire in the order they came; a restarted or removed
// entry leaves a stale FIFO entry behind, skipped when it comes up).
class TimeWaitTable {
 public:
  explicit TimeWaitTable(size_t max_entries) : max_(max_entries) {}

  bool full() const { return size_ >= max_; }
  // Deadlines join in order: one earlier than the latest queued cannot (see keep_time_wait()).
  bool in_order(int64_t expires_us) const { return deadlines_.can_push(expires_us); }
  size_t size() const { return size_; }
  // A new entry (not full()): its index; e.expires_us is its deadline.
  uint32_t add(const TimeWaitEntry& e);
  TimeWaitEntry& at(uint32_t i) { return entries_[i]; }
  const TimeWaitEntry& at(uint32_t i) const { return entries_[i]; }
  void restart(uint32_t i, int64_t expires_us);
  void remove(uint32_t i);
  // The earliest deadline, if any (possibly of a stale FIFO entry: it only wakes the loop early).
  std::optional<int64_t> next_deadline() const;
  // The index of one entry due at now_us (it stays until remove()), or nullopt.
  std::optional<uint32_t> pop_due(int64_t now_us);

 private:
  bool live(const TimeWaitQueue::Entry& q) const;
  void enqueue(uint32_t i);

  size_t max_;
  size_t size_ = 0;
  std::vector<TimeWaitEntry> entries_;
  std::vector<uint32_t> free_;
  TimeWaitQueue deadlines_;
};

}  // namespace sluice::stack::tcp

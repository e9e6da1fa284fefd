// RACK (RFC 8985 6): a segment is lost when a segment sent sufficiently later was delivered, so
// loss is told from reordering by time rather than by counting DupThresh segments.
//
// It works beside the RFC 6675 scoreboard (recovery.cc) and speaks its language: its verdict is
// a sequence number below which every unSACKed octet is lost (the originals leave in sequence
// order, so "sent before time T" is "below sequence S"). Until reordering has been seen the
// DupThresh rule also stands (RFC 8985 6.2 step 4 gives RACK no reordering window then either);
// once seen, only RACK decides, with a window of min_RTT / 4 that D-SACKs widen.
#pragma once
#include <cstdint>

#include "core/time.h"
#include "stack/tcp/sack.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/transmit_log.h"
#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

struct Tcb;
class TcbEnv;

struct Rack {
  TransmitLog log;                 // original transmissions of new data
  bool have_segment = false;       // xmit / end_seq / rtt describe a delivered segment
  Instant xmit;                    // RACK.xmit_ts
  TcpSeq end_seq;                  // RACK.end_seq
  Duration rtt;                    // RACK.rtt
  Duration min_rtt = Duration{INT64_MAX};
  bool reordering_seen = false;    // RACK.reordering_seen
  uint8_t reo_wnd_mult = 1;        // RACK.reo_wnd_mult
  uint8_t reo_wnd_persist = 0;     // RACK.reo_wnd_persist
  bool dsack_round_set = false;    // RACK.dsack_round
  TcpSeq dsack_round;
  bool retransmitted = false;      // something was retransmitted: below rexmit_high, times are
  TcpSeq rexmit_high;              //   ambiguous (RFC 8985 6.2 step 2)
  TcpSeq lost_below;               // the verdict: unSACKed octets below it are lost (valid
                                   //   only within [SND.UNA, SND.MAX])
};

// New data [begin, end) left now.
void rack_on_send(const TcbEnv& env, Tcb& t, TcpSeq begin, TcpSeq end);
// A retransmission of [begin, end) left: its octets' times are ambiguous from now on.
void rack_on_retransmit(Tcb& t, TcpSeq begin, TcpSeq end);
// RFC 8985 6.2 steps 1-4 for an ACK, given SND.UNA and the highest SACKed octet from before it
// and the scoreboard's update.
void rack_on_ack(TcbEnv& env, Tcb& t, const TcpRepr& h, TcpSeq una_before, TcpSeq fack_before,
                 const SackScoreboard::Update& u);
// RFC 8985 6.2 step 5 and 6.3: recompute the verdict; arms the reorder timer (Tcb::reo_at) for
// when it would move without another ACK.
void rack_detect_loss(const TcbEnv& env, Tcb& t);
// RFC 8985 6.2 step 4: the reordering window.
Duration rack_reo_wnd(const Tcb& t);
// A fast retransmission proved spurious (Eifel or D-SACK, recovery.cc): the path reorders.
void rack_on_spurious_retransmit(Tcb& t);
// A loss recovery ended (RFC 8985 6.2 step 4: reo_wnd_persist).
void rack_on_recovery_exit(Tcb& t);

}  // namespace sluice::stack::tcp

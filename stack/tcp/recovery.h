// The ACK field's effect on the sender (RFC 9293 3.10.7.4 fifth, "SND.UNA < SEG.ACK =< SND.NXT"
// and duplicates), and loss recovery:
//   - RFC 6675 with SACK: scoreboard, DupAcks, IsLost, pipe-limited transmission via NextSeg;
//   - RFC 6582 NewReno without SACK: partial ACKs retransmit, window inflation;
//   - RFC 8985 6 RACK's time-based loss verdict beside RFC 6675's (rack.h);
//   - RFC 3042 limited transmit (output.cc), RFC 2883 D-SACK (never counted as new SACKs);
//   - spurious retransmissions: RFC 3522 Eifel detection with timestamps and RFC 3708 D-SACK
//     detection, answered by restoring the window (RFC 4015, RFC 9438 4.9).
#pragma once
#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {

// The ACK of an acceptable segment with SND.UNA - MAX.SND.WND =< SEG.ACK =< SND.MAX.
// `seg_len` is the segment's sequence length (data, SYN, FIN): ACKs carrying data are not
// duplicate ACKs (RFC 5681 2).
void process_ack(TcbEnv& env, Tcb& t, const TcpRepr& h, uint32_t seg_len);
// RFC 6675 5 (C): transmissions while cwnd - pipe >= 1 SMSS, chosen by NextSeg(). True when
// something was sent.
bool recovery_output(TcbEnv& env, Tcb& t);
// A retransmission timeout began an episode (timers.cc): undo bookkeeping, RFC 6675 5.1.
void recovery_on_rto(TcbEnv& env, Tcb& t);
// RACK's reorder timer fired (RFC 8985 6.3): what it marks lost is resent.
void recovery_on_reorder_timeout(TcbEnv& env, Tcb& t);

}  // namespace sluice::stack::tcp

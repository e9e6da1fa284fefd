// Segments out of a connection: SYN / SYN-ACK, data (segmentizer with Nagle and SWS avoidance),
// ACKs and window updates, RSTs, retransmissions and probes.
//
// RFCs: RFC 9293 3.7.1 (MSS), 3.7.4 (Nagle), 3.8.6 (windows, SWS avoidance, delayed ACKs),
// 3.10.7.1 (RST replies); RFC 7323 2-3 (window scale, timestamps); RFC 2018 (SACK);
// RFC 6298 5.1 (starting the retransmission timer); RFC 5681 4.1 (restart after idle), RFC 3042
// (limited transmit), RFC 6675 5.1 (SACKed ranges skipped after a timeout), RFC 1191 (path MTU
// cap on the MSS). SACK recovery's transmissions are chosen in recovery.cc.
#pragma once
#include <cstdint>

#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {

// SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) at ISS, with our options.
void send_syn(TcbEnv& env, Tcb& t);
// Everything the windows, Nagle and the FIN allow; then a pure ACK if one is owed now.
void tcp_output(TcbEnv& env, Tcb& t);
// A pure ACK <SEQ=SND.NXT><ACK=RCV.NXT> now.
void send_ack(TcbEnv& env, Tcb& t);
// <SEQ=SND.NXT><CTL=RST> for an abort (RFC 9293 3.10.4 ABORT) or data after close.
void send_rst(TcbEnv& env, Tcb& t);
// RFC 9293 3.10.7.1: the RST answering `seg` (of sequence length seg_len) when no connection takes
// it. `t` is the tuple as seen by us (local = the segment's destination).
void send_rst_reply(TcbEnv& env, const FourTuple& t, const TcpRepr& seg, uint32_t seg_len);
// Retransmits one segment from SND.UNA (fast retransmit, NewReno partial ACK, RTO).
void retransmit_first(TcbEnv& env, Tcb& t);
// Retransmits at most max_len (and one SMSS) of sent data from seq, with the FIN if it is next.
// Returns the sequence space covered (0: nothing there).
uint32_t retransmit_range(TcbEnv& env, Tcb& t, TcpSeq seq, uint32_t max_len);
// One segment at SND.NXT within SND.UNA + wnd (Nagle, SWS avoidance, the FIN, SACKed ranges
// skipped after a timeout). False when nothing may be sent.
bool send_one(TcbEnv& env, Tcb& t, uint32_t wnd);
// Bookkeeping for every retransmitted segment: counter, Karn, the undo count.
void note_retransmission(TcbEnv& env, Tcb& t);
// One byte (or what the window allows) past the window: persist probe / SWS override.
void send_probe(TcbEnv& env, Tcb& t);
// Keepalive probe <SEQ=SND.UNA-1><ACK=RCV.NXT> (RFC 1122 4.2.3.6).
void send_keepalive(TcbEnv& env, Tcb& t);
// RFC 9293 3.8.6.2.2: true when reading opened the window enough to announce it.
bool window_update_due(const TcbEnv& env, const Tcb& t);
// RFC 9293 3.8.6.2.2: the window field for the next segment (moves RCV.ADV, never left).
uint16_t advertise_window(const TcbEnv& env, Tcb& t);
// Our options and window scale for a new connection (RFC 7323 2.3: shift from the buffer size).
uint8_t choose_rcv_wscale(uint32_t receive_buffer);
// Data bytes per segment from the peer's MSS option, ours, and the options we will send.
void set_effective_mss(TcbEnv& env, Tcb& t);
// Arms the retransmission timer if it is off (RFC 6298 5.1).
void arm_rto(TcbEnv& env, Tcb& t);

}  // namespace sluice::stack::tcp

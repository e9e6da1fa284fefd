// Segment arrival for an existing connection, split along RFC 9293 3.10.7.3 (SYN-SENT) and
// 3.10.7.4 (the other states: sequence check, RST, SYN, ACK, text, FIN). CLOSED and LISTEN
// (3.10.7.1, 3.10.7.2) are handled by the layer, which owns the table and the listeners.
#pragma once
#include "core/buf.h"
#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {

// RFC 9293 3.10.7.3.
void input_syn_sent(TcbEnv& env, Tcb& t, const TcpRepr& h, BufChain payload);
// RFC 9293 3.10.7.4.
void input_synchronized(TcbEnv& env, Tcb& t, const TcpRepr& h, BufChain payload);
// Options from the peer's SYN or SYN-ACK (RFC 9293 3.7.1, RFC 7323 2.2/3.2, RFC 2018 2).
void negotiate_options(TcbEnv& env, Tcb& t, const TcpRepr& syn);
// RFC 6191 2: may a SYN take over this TIME-WAIT connection's 4-tuple?
bool time_wait_reusable(const Tcb& t, const TcpRepr& syn);
// RTT sample from an ACK of new data (RFC 7323 4.1 timestamps, else RFC 6298 3 timing + Karn).
void take_rtt_sample(TcbEnv& env, Tcb& t, const TcpRepr& h);
// TIME-WAIT entry: 2*MSL (configured) and the application learns the connection is done.
void enter_time_wait(TcbEnv& env, Tcb& t);

}  // namespace sluice::stack::tcp

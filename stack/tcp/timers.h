// Per-connection timers, run by the layer when a connection's earliest deadline passes:
// retransmission (RFC 6298 5.4-5.7, SYN retries), persist (RFC 9293 3.8.6.1), delayed ACK
// (RFC 9293 3.8.6.3), TIME-WAIT (RFC 9293 3.3.2, 2*MSL as configured), orphaned FIN-WAIT-2,
// keepalive (RFC 1122 4.2.3.6).
#pragma once
#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {

// Runs every timer of `t` that is due at env.now().
void tcp_timers(TcbEnv& env, Tcb& t);

}  // namespace sluice::stack::tcp

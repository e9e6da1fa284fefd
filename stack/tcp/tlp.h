// Tail loss probes (RFC 8985 7, the TLP half of RACK-TLP): when the last segments of a burst or
// their ACKs are lost, no duplicate ACKs come back and only the retransmission timer (at least
// 200 ms) would notice. Instead, a probe timeout of about two round trips sends one segment (new
// data if the windows allow, else the last one sent again), whose ACK either shows that nothing
// was lost (a D-SACK for the probe, RFC 2883) or repairs the tail, answered by a congestion
// window reduction (RFC 8985 7.4.2).
//
// The probe timeout shares the retransmission timer (Tcb::rto_at, with Tcb::pto_armed telling
// which of the two it is), as in Linux: arm_rto() chooses.
#pragma once
#include <optional>

#include "stack/tcp/sack.h"
#include "stack/tcp/tcb.h"

namespace sluice::stack::tcp {

// The probe timeout when a probe may be scheduled now (RFC 8985 7.2), else nullopt.
std::optional<Duration> probe_timeout(const TcbEnv& env, const Tcb& t);
// The probe timeout expired (RFC 8985 7.3).
void on_probe_timeout(TcbEnv& env, Tcb& t);
// An ACK arrived (after SND.UNA and the scoreboard were updated): was the probe answered, and did
// it repair a loss? (RFC 8985 7.4)
void tlp_on_ack(TcbEnv& env, Tcb& t, const SackScoreboard::Update& u);

}  // namespace sluice::stack::tcp

// Before the clock starts: one connection to the target, opened and closed again. It resolves the
// next hop's MAC (the userspace stack's ARP would otherwise hold the first burst of SYNs and drop
// what does not fit in its queue, charging the run a 1 s retransmission) and fails fast, with the
// reason, when the target does not answer at all.
#pragma once
#include <string>

#include "core/loop.h"
#include "transport/transport.h"

namespace sluice::bench {

// True once a connection to `target` was established (and closed again) within `timeout`.
bool preflight(EventLoop& loop, transport::Transport& t, const transport::Address& target, Duration timeout,
               std::string* err);

}  // namespace sluice::bench

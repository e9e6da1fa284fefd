#include "transport/transport.h"

namespace sluice::transport {

const char* to_string(CloseReason r) {
  switch (r) {
    case CloseReason::kClosed: return "closed";
    case CloseReason::kReset: return "reset by peer";
    case CloseReason::kTimedOut: return "timed out";
    case CloseReason::kRefused: return "connection refused";
    case CloseReason::kUnreachable: return "unreachable";
    case CloseReason::kAborted: return "aborted";
    case CloseReason::kError: return "error";
  }
  return "?";
}

}  // namespace sluice::transport

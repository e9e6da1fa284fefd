// The impairments of one direction of the emulated link, and the parser of their text form.
//
// Syntax: comma-separated key=value pairs, e.g.
//   "loss=2%,delay=50ms,jitter=10ms,dup=1%,rate=20mbit,queue=100"
//   "loss=ge:0.01:0.3:0.5"
// Keys:
//   loss=P               random loss; P is a percentage ("2%") or a fraction ("0.02")
//   loss=ge:p:r[:h[:k]]  Gilbert-Elliott: p = P(good->bad), r = P(bad->good), h = loss in the bad
//                        state (default 1), k = loss in the good state (default 0), per frame
//   delay=D  jitter=D    propagation delay and its spread; D in us, ms or s ("50ms", "1.5ms")
//   dist=uniform|normal  jitter law: uniform in [-jitter, +jitter] (default), or normal with
//                        sigma = jitter truncated at +/-3 sigma; total delay never goes below 0
//   order=keep|jitter    keep (default): jitter never reorders, a frame leaves no earlier than the
//                        one before it; jitter: every frame keeps its own delay, so jitter reorders
//   reorder=P            a fraction P of frames is reordered on purpose, see reorder_mode
//   reorder_mode=early|late   early (default): skip the propagation delay and pass frames in
//                        flight (needs delay > 0); late: held back by reorder_delay more
//   reorder_delay=D      extra hold of a late frame (default 10ms)
//   dup=P                a fraction P of frames is sent twice (the copy is impaired on its own)
//   rate=R               bottleneck rate: R in bit, kbit, mbit or gbit per second ("20mbit"),
//                        counting every byte of the Ethernet frame as captured
//   queue=N | queue=D    bottleneck queue: N frames, or D of backlog ("50ms"); tail drop. Default
//                        100 frames; only used with rate.
// Later keys override earlier ones, so "--both" can be refined per direction.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace sluice::linkemu {

enum class JitterDist { uniform, normal };
enum class ReorderMode { early, late };

// Gilbert-Elliott two-state loss (the netem "gemodel" parameters).
struct GilbertElliott {
  double p = 0;          // P(good -> bad) per frame
  double r = 1;          // P(bad -> good) per frame
  double loss_bad = 1;   // P(loss) in the bad state
  double loss_good = 0;  // P(loss) in the good state
};

struct LinkSpec {
  double loss = 0;  // random loss probability, used when ge is empty
  std::optional<GilbertElliott> ge;
  Duration delay{};
  Duration jitter{};
  JitterDist dist = JitterDist::uniform;
  bool keep_order = true;
  double reorder = 0;
  ReorderMode reorder_mode = ReorderMode::early;
  Duration reorder_delay = Duration::millis(10);
  double dup = 0;
  uint64_t rate_bps = 0;  // 0: no bottleneck
  uint32_t queue_frames = 100;
  Duration queue_time{};  // > 0: the queue is bounded by backlog time instead of frames
};

// Applies the keys of `text` on top of `spec`. Returns an error message, or empty on success
// (on error `spec` may be partly updated).
std::string apply_spec(std::string_view text, LinkSpec& spec);

// A one-line human description, for the start-up banner.
std::string describe(const LinkSpec& spec);

}  // namespace sluice::linkemu

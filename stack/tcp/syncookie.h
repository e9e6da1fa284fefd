// SYN cookies (RFC 4987 3.6): when the SYN backlog is full, the SYN-ACK's ISS carries the state
// a TCB would have held, and the connection is created from the final ACK alone.
//
// ISS layout (RFC 4987 3.6): the top 5 bits are t mod 32 (t counts 64-second periods), the next
// 3 bits index a table of MSS values (the largest not above the peer's), the low 24 bits are a
// keyed hash (SipHash-2-4) of the 4-tuple, the peer's ISN, t, the MSS index and the option bits.
// With timestamps, window scale and SACK-permitted ride in the low 6 bits of our TSval, which the
// peer echoes in TSecr (as Linux does); they are in the hash too, so a forged echo fails.
// Without timestamps the connection runs without window scaling and SACK.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

#include "core/time.h"
#include "stack/tcp/seq.h"
#include "stack/tcp/types.h"

namespace sluice::stack::tcp {

class SynCookies {
 public:
  static constexpr std::array<uint16_t, 8> kMssTable{536, 1200, 1300, 1360, 1400, 1440, 1452, 1460};
  static constexpr Duration kPeriod = Duration::seconds(64);
  static constexpr uint32_t kMaxAge = 1;  // periods: a cookie lives 64 to 128 s
  static constexpr uint8_t kNoWscale = 0xf;
  static constexpr uint32_t kTsBits = 0x3f;

  // What the SYN offered that the cookie keeps.
  struct Options {
    uint16_t mss = 536;
    std::optional<uint8_t> wscale;  // only with timestamps
    bool sack = false;              // only with timestamps
    bool timestamps = false;
  };

  explicit SynCookies(std::array<uint64_t, 2> key);
  // The largest table entry not above `mss`.
  static uint8_t mss_index(uint16_t mss);
  // Window scale and SACK in 6 bits (4 + 1; 1 spare); the options a cookie can keep.
  static uint8_t option_bits(const Options& o);
  static Options decode_bits(uint8_t bits, uint16_t mss, bool timestamps);
  // Our TSval with the option bits in its low 6 bits, never above `ts`.
  static uint32_t encode_tsval(uint32_t ts, uint8_t bits);

  // The ISS for a SYN with ISN peer_isn from `t`.
  uint32_t make(const FourTuple& t, TcpSeq peer_isn, Instant now, const Options& o) const;
  // The options of a valid cookie (the final ACK's SEG.ACK - 1), or nullopt.
  std::optional<Options> check(const FourTuple& t, TcpSeq peer_isn, uint32_t cookie, Instant now,
                               bool timestamps, uint32_t tsecr) const;

 private:
  uint32_t hash(const FourTuple& t, TcpSeq peer_isn, uint32_t period, uint8_t mss_index,
                uint8_t bits) const;
  std::array<uint64_t, 2> key_;
};

}  // namespace sluice::stack::tcp

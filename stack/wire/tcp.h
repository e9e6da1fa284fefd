// TCP header wire format.
//
// RFCs: RFC 9293 3.1 (header format), 3.2 (options: EOL, NOP, MSS); RFC 7323 2.2 (window scale),
// 3.2 (timestamps); RFC 2018 2-3 (SACK-permitted, SACK blocks).
//
// TcpView is a bounds-checked view over header bytes (length and data offset validated once by
// check(); no accessor can then read out of bounds). TcpRepr is the parsed, validated header with
// its options, with parse / header_len / emit.
//
// Checksums: the caller verifies. tcp_checksum() sums the IPv4 pseudo-header, the header bytes and
// a payload BufChain (which may be split across mbuf segments, at any byte alignment); a received
// segment is valid when the sum over it (checksum field included) is 0. It is the only place that
// knows the pseudo-header and is kept separate so stack/wire/checksum.h can replace it.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "core/buf.h"
#include "stack/tcp/seq.h"

namespace sluice::stack::wire {

using tcp::TcpSeq;

namespace tcp_flags {
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10,
                         kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
}

class TcpView {
 public:
  static constexpr size_t kMinHeader = 20;
  static constexpr size_t kMaxHeader = 60;
  // Field offsets (RFC 9293 3.1).
  static constexpr size_t kSrcPort = 0, kDstPort = 2, kSeq = 4, kAck = 8, kDataOffset = 12,
                          kFlags = 13, kWindow = 14, kChecksum = 16, kUrgent = 18;

  // nullopt when len < 20, the data offset is < 5 words or the header overruns len.
  static std::optional<TcpView> check(const uint8_t* p, size_t len);

  uint16_t src_port() const { return be16(kSrcPort); }
  uint16_t dst_port() const { return be16(kDstPort); }
  TcpSeq seq() const { return TcpSeq(be32(kSeq)); }
  TcpSeq ack() const { return TcpSeq(be32(kAck)); }
  size_t header_len() const { return static_cast<size_t>(p_[kDataOffset] >> 4) * 4; }
  uint8_t flags() const { return p_[kFlags]; }
  uint16_t window() const { return be16(kWindow); }
  uint16_t checksum() const { return be16(kChecksum); }
  uint16_t urgent() const { return be16(kUrgent); }
  const uint8_t* options() const { return p_ + kMinHeader; }
  size_t options_len() const { return header_len() - kMinHeader; }
  size_t len() const { return len_; }  // header + whatever payload bytes were given

 private:
  TcpView(const uint8_t* p, size_t len) : p_(p), len_(len) {}
  uint16_t be16(size_t o) const { return static_cast<uint16_t>(p_[o] << 8 | p_[o + 1]); }
  uint32_t be32(size_t o) const {
    return uint32_t(p_[o]) << 24 | uint32_t(p_[o + 1]) << 16 | uint32_t(p_[o + 2]) << 8 | p_[o + 3];
  }
  const uint8_t* p_;
  size_t len_;
};

struct TcpTimestamps {
  uint32_t tsval = 0;
  uint32_t tsecr = 0;
  bool operator==(const TcpTimestamps&) const = default;
};

struct TcpSackBlock {
  TcpSeq left, right;  // [left, right)
  bool operator==(const TcpSackBlock&) const = default;
};

enum class TcpParseError { kOk, kTruncated, kBadDataOffset, kBadOption };
const char* to_string(TcpParseError e);

struct TcpRepr {
  static constexpr size_t kMaxSackBlocks = 4;

  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  TcpSeq seq;
  TcpSeq ack;
  uint8_t flags = 0;
  uint16_t window = 0;   // raw, unscaled
  uint16_t urgent = 0;
  // Options.
  std::optional<uint16_t> mss;
  std::optional<uint8_t> window_scale;
  bool sack_permitted = false;
  std::optional<TcpTimestamps> timestamps;
  std::array<TcpSackBlock, kMaxSackBlocks> sack{};
  uint8_t sack_count = 0;

  bool has(uint8_t f) const { return (flags & f) != 0; }
  bool syn() const { return has(tcp_flags::kSyn); }
  bool fin() const { return has(tcp_flags::kFin); }
  bool rst() const { return has(tcp_flags::kRst); }
  bool ack_set() const { return has(tcp_flags::kAck); }

  // Parses the header at p (len bytes: at least the header; payload may follow). On success sets
  // *header_len. Rejects a bad data offset and malformed options (zero/short lengths, lengths that
  // overrun the option space, wrong fixed lengths, SACK lengths that are not 2 + 8n).
  static TcpParseError parse(const uint8_t* p, size_t len, TcpRepr& out, size_t* header_len);

  // Header bytes emit() writes: 20 plus options padded to 4; SACK blocks are cut to fit 40.
  size_t header_len() const;
  // Writes header_len() bytes to out, checksum field zero.
  void emit(uint8_t* out) const;

  bool operator==(const TcpRepr&) const = default;
};

// One's-complement sum (RFC 1071) of the IPv4 pseudo-header (RFC 9293 3.1), `hdr` and `payload`,
// folded and inverted: the value for the checksum field when hdr's checksum is zero, and 0 when
// verifying a received segment whose checksum field is in hdr. IPs in host byte order.
uint16_t tcp_checksum(uint32_t src_ip, uint32_t dst_ip, const uint8_t* hdr, size_t hdr_len,
                      const BufChain& payload);
// Fills the checksum field of an emitted header.
void tcp_fill_checksum(uint32_t src_ip, uint32_t dst_ip, uint8_t* hdr, size_t hdr_len,
                       const BufChain& payload);
inline bool tcp_checksum_ok(uint32_t src_ip, uint32_t dst_ip, const uint8_t* hdr, size_t hdr_len,
                            const BufChain& payload) {
  return tcp_checksum(src_ip, dst_ip, hdr, hdr_len, payload) == 0;
}

}  // namespace sluice::stack::wire

// IPv4 headers.
// RFCs: RFC 791 (format), RFC 1122 3.2.1 (what a host checks on receive), RFC 6864 (the
// Identification field of atomic datagrams), RFC 2474/3168 (the old TOS byte is DSCP + ECN).
// Options are allowed on receive (skipped using IHL) and never emitted.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace sluice::stack {

namespace ipproto {
constexpr uint8_t kIcmp = 1;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;
}  // namespace ipproto

// "10.0.0.1" for a host-order address.
std::string ipv4_to_string(uint32_t addr);
// A host-order address from its four bytes, for tests and configuration: ipv4(10, 0, 0, 1).
constexpr uint32_t ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

// Why a datagram was refused; the interface counts each.
enum class Ipv4Error : uint8_t {
  kTruncated,      // shorter than 20 bytes, or than its own IHL
  kBadVersion,     // version != 4
  kBadHeaderLen,   // IHL < 5
  kBadTotalLen,    // total length < IHL*4, or more than the bytes received
  kBadChecksum,
};
const char* to_string(Ipv4Error e);

// A view over an IPv4 datagram, checked once by check(): the buffer holds the whole header
// (options included) and `total length` bytes, the version is 4 and IHL >= 5. The view covers
// exactly `total length` bytes, so link-layer padding is not part of it.
class Ipv4View {
 public:
  static constexpr size_t kVerIhl = 0;
  static constexpr size_t kDscpEcn = 1;
  static constexpr size_t kTotalLen = 2;
  static constexpr size_t kIdent = 4;
  static constexpr size_t kFlagsFrag = 6;
  static constexpr size_t kTtl = 8;
  static constexpr size_t kProtocol = 9;
  static constexpr size_t kChecksum = 10;
  static constexpr size_t kSrc = 12;
  static constexpr size_t kDst = 16;
  static constexpr size_t kMinHeaderLen = 20;
  static constexpr uint16_t kFlagDf = 0x4000;
  static constexpr uint16_t kFlagMf = 0x2000;
  static constexpr uint16_t kFragOffsetMask = 0x1fff;

  static std::optional<Ipv4View> check(std::span<const uint8_t> bytes, Ipv4Error& why);

  uint8_t version() const { return b_[kVerIhl] >> 4; }
  size_t header_len() const { return size_t(b_[kVerIhl] & 0x0f) * 4; }
  uint8_t dscp_ecn() const { return b_[kDscpEcn]; }
  uint16_t total_len() const { return u16(kTotalLen); }
  uint16_t ident() const { return u16(kIdent); }
  bool dont_fragment() const { return (u16(kFlagsFrag) & kFlagDf) != 0; }
  bool more_fragments() const { return (u16(kFlagsFrag) & kFlagMf) != 0; }
  uint16_t frag_offset() const { return uint16_t((u16(kFlagsFrag) & kFragOffsetMask) * 8); }  // bytes
  uint8_t ttl() const { return b_[kTtl]; }
  uint8_t protocol() const { return b_[kProtocol]; }
  uint16_t checksum() const { return u16(kChecksum); }
  uint32_t src() const { return u32(kSrc); }
  uint32_t dst() const { return u32(kDst); }
  std::span<const uint8_t> header() const { return b_.first(header_len()); }
  std::span<const uint8_t> payload() const { return b_.subspan(header_len()); }
  // RFC 791: the ones'-complement sum over the header (options included) is all ones.
  bool checksum_ok() const;

 private:
  explicit Ipv4View(std::span<const uint8_t> b) : b_(b) {}
  uint16_t u16(size_t o) const { return uint16_t(b_[o] << 8 | b_[o + 1]); }
  uint32_t u32(size_t o) const {
    return uint32_t(b_[o]) << 24 | uint32_t(b_[o + 1]) << 16 | uint32_t(b_[o + 2]) << 8 | b_[o + 3];
  }
  std::span<const uint8_t> b_;
};

struct Ipv4Repr {
  uint32_t src = 0;          // host order
  uint32_t dst = 0;          // host order
  uint8_t protocol = 0;
  uint8_t ttl = 64;
  uint8_t dscp_ecn = 0;
  uint16_t ident = 0;
  bool dont_fragment = true;
  // Received datagrams only (never emitted): fragment position and the options' presence.
  bool more_fragments = false;
  uint16_t frag_offset = 0;  // bytes
  uint8_t header_len = 20;   // bytes, options included
  uint16_t payload_len = 0;  // total length - header length

  // Checks the view's header checksum unless `verify_checksum` is false (the NIC already did).
  static std::optional<Ipv4Repr> parse(const Ipv4View& v, bool verify_checksum, Ipv4Error& why);
  // Convenience: check + parse.
  static std::optional<Ipv4Repr> parse(std::span<const uint8_t> bytes, bool verify_checksum, Ipv4Error& why);

  bool is_fragment() const { return more_fragments || frag_offset != 0; }
  // What emit() writes: a 20-byte header, never options.
  static constexpr size_t emitted_header_len() { return Ipv4View::kMinHeaderLen; }
  // Writes the 20-byte header (total length = 20 + payload_len). With `fill_checksum` false the
  // checksum field is left 0 for the NIC to fill (RTE_MBUF_F_TX_IP_CKSUM).
  bool emit(std::span<uint8_t> out, bool fill_checksum) const;
};

}  // namespace sluice::stack

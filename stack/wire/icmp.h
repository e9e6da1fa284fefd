// ICMP for IPv4.
// RFCs: RFC 792 (messages), RFC 1122 3.2.2 (host requirements), RFC 1191 (fragmentation needed
// carries the next-hop MTU), RFC 1812 4.3.2.3 (original datagram quoted in errors).
#pragma once
#include <cstdint>
#include <optional>
#include <span>

namespace sluice::stack {

namespace icmptype {
constexpr uint8_t kEchoReply = 0;
constexpr uint8_t kDestUnreachable = 3;
constexpr uint8_t kSourceQuench = 4;
constexpr uint8_t kRedirect = 5;
constexpr uint8_t kEchoRequest = 8;
constexpr uint8_t kTimeExceeded = 11;
constexpr uint8_t kParamProblem = 12;
constexpr uint8_t kTimestamp = 13;
constexpr uint8_t kTimestampReply = 14;
}  // namespace icmptype

// Destination unreachable codes (RFC 792, RFC 1122 3.2.2.1).
namespace icmpunreach {
constexpr uint8_t kNet = 0;
constexpr uint8_t kHost = 1;
constexpr uint8_t kProtocol = 2;
constexpr uint8_t kPort = 3;
constexpr uint8_t kFragNeeded = 4;  // RFC 1191: next-hop MTU in bytes 6..7
}  // namespace icmpunreach

enum class IcmpError : uint8_t { kTruncated, kBadChecksum };
const char* to_string(IcmpError e);

// A view over an ICMP message of at least its 8-byte header.
class IcmpView {
 public:
  static constexpr size_t kType = 0;
  static constexpr size_t kCode = 1;
  static constexpr size_t kChecksum = 2;
  static constexpr size_t kEchoIdent = 4;   // echo request / reply
  static constexpr size_t kEchoSeq = 6;
  static constexpr size_t kNextHopMtu = 6;  // destination unreachable, code 4
  static constexpr size_t kHeaderLen = 8;

  static std::optional<IcmpView> check(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderLen) return std::nullopt;
    return IcmpView(bytes);
  }
  uint8_t type() const { return b_[kType]; }
  uint8_t code() const { return b_[kCode]; }
  uint16_t checksum() const { return u16(kChecksum); }
  uint16_t echo_ident() const { return u16(kEchoIdent); }
  uint16_t echo_seq() const { return u16(kEchoSeq); }
  uint16_t next_hop_mtu() const { return u16(kNextHopMtu); }
  std::span<const uint8_t> data() const { return b_.subspan(kHeaderLen); }
  // RFC 792: the checksum covers the whole message, header and data.
  bool checksum_ok() const;

 private:
  explicit IcmpView(std::span<const uint8_t> b) : b_(b) {}
  uint16_t u16(size_t o) const { return uint16_t(b_[o] << 8 | b_[o + 1]); }
  std::span<const uint8_t> b_;
};

struct IcmpRepr {
  uint8_t type = 0;
  uint8_t code = 0;
  uint16_t echo_ident = 0;    // echo request / reply
  uint16_t echo_seq = 0;
  uint16_t next_hop_mtu = 0;  // destination unreachable / fragmentation needed (0: not given)
  // Echo: the data to echo. Errors: the quoted original datagram (its IPv4 header + >= 8 bytes).
  // Points into the parsed buffer.
  std::span<const uint8_t> data;

  static std::optional<IcmpRepr> parse(std::span<const uint8_t> bytes, bool verify_checksum, IcmpError& why);
  size_t length() const { return IcmpView::kHeaderLen + data.size(); }
  // Writes header and data, checksum included. `data` may already sit at out[8...] (no copy then).
  bool emit(std::span<uint8_t> out) const;
  bool is_echo() const { return type == icmptype::kEchoRequest || type == icmptype::kEchoReply; }
};

}  // namespace sluice::stack

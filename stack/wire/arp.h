// ARP packets for IPv4 over Ethernet.
// RFCs: RFC 826 (packet format), RFC 5227 (announcements: sender = target = our address).
#pragma once
#include <cstdint>
#include <optional>
#include <span>

#include "stack/wire/ethernet.h"

namespace sluice::stack {

enum class ArpOp : uint16_t { kRequest = 1, kReply = 2 };

// Why an ARP packet was refused; the interface counts each.
enum class ArpError : uint8_t {
  kTruncated,           // shorter than the 28 bytes of an Ethernet/IPv4 ARP packet
  kUnsupportedHardware, // ar$hrd != 1 (Ethernet) or ar$hln != 6
  kUnsupportedProtocol, // ar$pro != 0x0800 or ar$pln != 4
  kBadOperation,        // neither request nor reply
};
const char* to_string(ArpError e);

// A view over an ARP packet of at least 28 bytes (Ethernet hardware, IPv4 protocol sizes).
class ArpView {
 public:
  static constexpr size_t kHtype = 0;
  static constexpr size_t kPtype = 2;
  static constexpr size_t kHlen = 4;
  static constexpr size_t kPlen = 5;
  static constexpr size_t kOper = 6;
  static constexpr size_t kSha = 8;
  static constexpr size_t kSpa = 14;
  static constexpr size_t kTha = 18;
  static constexpr size_t kTpa = 24;
  static constexpr size_t kLen = 28;

  static std::optional<ArpView> check(std::span<const uint8_t> bytes) {
    if (bytes.size() < kLen) return std::nullopt;
    return ArpView(bytes);
  }
  uint16_t htype() const { return u16(kHtype); }
  uint16_t ptype() const { return u16(kPtype); }
  uint8_t hlen() const { return b_[kHlen]; }
  uint8_t plen() const { return b_[kPlen]; }
  uint16_t oper() const { return u16(kOper); }
  MacAddr sha() const { return MacAddr::from(b_.data() + kSha); }
  uint32_t spa() const { return u32(kSpa); }
  MacAddr tha() const { return MacAddr::from(b_.data() + kTha); }
  uint32_t tpa() const { return u32(kTpa); }

 private:
  explicit ArpView(std::span<const uint8_t> b) : b_(b) {}
  uint16_t u16(size_t o) const { return uint16_t(b_[o] << 8 | b_[o + 1]); }
  uint32_t u32(size_t o) const {
    return uint32_t(b_[o]) << 24 | uint32_t(b_[o + 1]) << 16 | uint32_t(b_[o + 2]) << 8 | b_[o + 3];
  }
  std::span<const uint8_t> b_;
};

struct ArpRepr {
  ArpOp op = ArpOp::kRequest;
  MacAddr sender_mac;
  uint32_t sender_ip = 0;  // host order
  MacAddr target_mac;
  uint32_t target_ip = 0;  // host order

  static std::optional<ArpRepr> parse(std::span<const uint8_t> bytes, ArpError& why);
  static constexpr size_t length() { return ArpView::kLen; }
  bool emit(std::span<uint8_t> out) const;
  bool operator==(const ArpRepr&) const = default;
};

}  // namespace sluice::stack

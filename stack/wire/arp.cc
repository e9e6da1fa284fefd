#include "stack/wire/arp.h"

#include "stack/wire/checksum.h"

namespace sluice::stack {
namespace {
constexpr uint16_t kHtypeEthernet = 1;
}  // namespace

const char* to_string(ArpError e) {
  switch (e) {
    case ArpError::kTruncated: return "truncated";
    case ArpError::kUnsupportedHardware: return "unsupported_hardware";
    case ArpError::kUnsupportedProtocol: return "unsupported_protocol";
    case ArpError::kBadOperation: return "bad_operation";
  }
  return "?";
}

std::optional<ArpRepr> ArpRepr::parse(std::span<const uint8_t> bytes, ArpError& why) {
  auto v = ArpView::check(bytes);
  if (!v) { why = ArpError::kTruncated; return std::nullopt; }
  // RFC 826 packet reception: "?Do I have the hardware type in ar$hrd?" / "?Do I speak the protocol
  // in ar$pro?" -- only Ethernet (6-byte) and IPv4 (4-byte) are spoken here.
  if (v->htype() != kHtypeEthernet || v->hlen() != 6) { why = ArpError::kUnsupportedHardware; return std::nullopt; }
  if (v->ptype() != ethertype::kIpv4 || v->plen() != 4) { why = ArpError::kUnsupportedProtocol; return std::nullopt; }
  if (v->oper() != uint16_t(ArpOp::kRequest) && v->oper() != uint16_t(ArpOp::kReply)) {
    why = ArpError::kBadOperation;
    return std::nullopt;
  }
  return ArpRepr{ArpOp(v->oper()), v->sha(), v->spa(), v->tha(), v->tpa()};
}

bool ArpRepr::emit(std::span<uint8_t> out) const {
  if (out.size() < length()) return false;
  uint8_t* p = out.data();
  be::store16(p + ArpView::kHtype, kHtypeEthernet);
  be::store16(p + ArpView::kPtype, ethertype::kIpv4);
  p[ArpView::kHlen] = 6;
  p[ArpView::kPlen] = 4;
  be::store16(p + ArpView::kOper, uint16_t(op));
  sender_mac.write(p + ArpView::kSha);
  be::store32(p + ArpView::kSpa, sender_ip);
  target_mac.write(p + ArpView::kTha);
  be::store32(p + ArpView::kTpa, target_ip);
  return true;
}

}  // namespace sluice::stack

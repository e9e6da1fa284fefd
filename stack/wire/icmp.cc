#include "stack/wire/icmp.h"

#include <cstring>

#include "stack/wire/checksum.h"

namespace sluice::stack {

const char* to_string(IcmpError e) {
  switch (e) {
    case IcmpError::kTruncated: return "truncated";
    case IcmpError::kBadChecksum: return "bad_checksum";
  }
  return "?";
}

bool IcmpView::checksum_ok() const { return internet_checksum(b_) == 0; }

std::optional<IcmpRepr> IcmpRepr::parse(std::span<const uint8_t> bytes, bool verify_checksum, IcmpError& why) {
  auto v = IcmpView::check(bytes);
  if (!v) { why = IcmpError::kTruncated; return std::nullopt; }
  // RFC 1122 3.2.2: ICMP messages with a bad checksum are silently discarded.
  if (verify_checksum && !v->checksum_ok()) { why = IcmpError::kBadChecksum; return std::nullopt; }
  IcmpRepr r;
  r.type = v->type();
  r.code = v->code();
  r.data = v->data();
  if (r.is_echo()) {
    r.echo_ident = v->echo_ident();
    r.echo_seq = v->echo_seq();
  } else if (r.type == icmptype::kDestUnreachable && r.code == icmpunreach::kFragNeeded) {
    r.next_hop_mtu = v->next_hop_mtu();  // RFC 1191 4: 0 from routers that predate it
  }
  return r;
}

bool IcmpRepr::emit(std::span<uint8_t> out) const {
  if (out.size() < length()) return false;
  uint8_t* p = out.data();
  p[IcmpView::kType] = type;
  p[IcmpView::kCode] = code;
  be::store16(p + IcmpView::kChecksum, 0);
  if (is_echo()) {
    be::store16(p + IcmpView::kEchoIdent, echo_ident);
    be::store16(p + IcmpView::kEchoSeq, echo_seq);
  } else {
    be::store16(p + 4, 0);  // unused
    be::store16(p + IcmpView::kNextHopMtu, next_hop_mtu);
  }
  if (!data.empty() && data.data() != p + IcmpView::kHeaderLen)
    std::memmove(p + IcmpView::kHeaderLen, data.data(), data.size());
  be::store16(p + IcmpView::kChecksum, internet_checksum(out.first(length())));
  return true;
}

}  // namespace sluice::stack

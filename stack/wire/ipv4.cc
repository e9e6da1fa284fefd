#include "stack/wire/ipv4.h"

#include <cstdio>

#include "stack/wire/checksum.h"

namespace sluice::stack {

std::string ipv4_to_string(uint32_t a) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff);
  return buf;
}

const char* to_string(Ipv4Error e) {
  switch (e) {
    case Ipv4Error::kTruncated: return "truncated";
    case Ipv4Error::kBadVersion: return "bad_version";
    case Ipv4Error::kBadHeaderLen: return "bad_header_len";
    case Ipv4Error::kBadTotalLen: return "bad_total_len";
    case Ipv4Error::kBadChecksum: return "bad_checksum";
  }
  return "?";
}

std::optional<Ipv4View> Ipv4View::check(std::span<const uint8_t> b, Ipv4Error& why) {
  if (b.size() < kMinHeaderLen) { why = Ipv4Error::kTruncated; return std::nullopt; }
  // RFC 1122 3.2.1.1: a datagram whose version number is not 4 MUST be silently discarded.
  if ((b[kVerIhl] >> 4) != 4) { why = Ipv4Error::kBadVersion; return std::nullopt; }
  // RFC 791: IHL counts 32-bit words; the minimum value for a correct header is 5.
  size_t ihl = size_t(b[kVerIhl] & 0x0f) * 4;
  if (ihl < kMinHeaderLen) { why = Ipv4Error::kBadHeaderLen; return std::nullopt; }
  if (b.size() < ihl) { why = Ipv4Error::kTruncated; return std::nullopt; }
  // RFC 791: total length covers header and data; it cannot be shorter than the header, and the
  // link must have delivered at least that many bytes (more are link padding).
  size_t total = size_t(b[kTotalLen] << 8 | b[kTotalLen + 1]);
  if (total < ihl || total > b.size()) { why = Ipv4Error::kBadTotalLen; return std::nullopt; }
  return Ipv4View(b.first(total));
}

bool Ipv4View::checksum_ok() const { return internet_checksum(header()) == 0; }

std::optional<Ipv4Repr> Ipv4Repr::parse(const Ipv4View& v, bool verify_checksum, Ipv4Error& why) {
  // RFC 1122 3.2.1.2: a host MUST verify the header checksum and silently discard a bad datagram.
  if (verify_checksum && !v.checksum_ok()) { why = Ipv4Error::kBadChecksum; return std::nullopt; }
  Ipv4Repr r;
  r.src = v.src();
  r.dst = v.dst();
  r.protocol = v.protocol();
  r.ttl = v.ttl();
  r.dscp_ecn = v.dscp_ecn();
  r.ident = v.ident();
  r.dont_fragment = v.dont_fragment();
  r.more_fragments = v.more_fragments();
  r.frag_offset = v.frag_offset();
  r.header_len = uint8_t(v.header_len());
  r.payload_len = uint16_t(v.total_len() - v.header_len());
  return r;
}

std::optional<Ipv4Repr> Ipv4Repr::parse(std::span<const uint8_t> bytes, bool verify_checksum, Ipv4Error& why) {
  auto v = Ipv4View::check(bytes, why);
  if (!v) return std::nullopt;
  return parse(*v, verify_checksum, why);
}

bool Ipv4Repr::emit(std::span<uint8_t> out, bool fill_checksum) const {
  constexpr size_t kLen = emitted_header_len();
  if (out.size() < kLen || size_t(payload_len) + kLen > 0xffff) return false;
  uint8_t* p = out.data();
  p[Ipv4View::kVerIhl] = 0x45;
  p[Ipv4View::kDscpEcn] = dscp_ecn;
  be::store16(p + Ipv4View::kTotalLen, uint16_t(kLen + payload_len));
  be::store16(p + Ipv4View::kIdent, ident);
  be::store16(p + Ipv4View::kFlagsFrag, dont_fragment ? Ipv4View::kFlagDf : 0);
  p[Ipv4View::kTtl] = ttl;
  p[Ipv4View::kProtocol] = protocol;
  be::store16(p + Ipv4View::kChecksum, 0);
  be::store32(p + Ipv4View::kSrc, src);
  be::store32(p + Ipv4View::kDst, dst);
  if (fill_checksum) be::store16(p + Ipv4View::kChecksum, internet_checksum(out.first(kLen)));
  return true;
}

}  // namespace sluice::stack

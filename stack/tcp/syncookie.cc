// RFC 4987 3.6 (SYN cookies); see syncookie.h for the layout.
#include "stack/tcp/syncookie.h"

#include "stack/tcp/isn.h"

namespace sluice::stack::tcp {
namespace {

uint32_t period_of(Instant now) { return static_cast<uint32_t>(now.us / SynCookies::kPeriod.us); }

void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}

}  // namespace

SynCookies::SynCookies(std::array<uint64_t, 2> key)
    // A key of its own, derived from the ISN secret (RFC 4987 3.6: a secret the attacker does
    // not know; domain-separated so cookies reveal nothing about ISNs).
    : key_{key[0] ^ 0x5359'4e43'4f4f'4b49ull, key[1] ^ 0x4553'2d52'4643'3439ull} {}

uint8_t SynCookies::mss_index(uint16_t mss) {
  uint8_t idx = 0;
  for (uint8_t i = 0; i < kMssTable.size(); ++i)
    if (kMssTable[i] <= mss) idx = i;
  return idx;
}

uint8_t SynCookies::option_bits(const Options& o) {
  if (!o.timestamps) return 0;
  uint8_t ws = o.wscale ? std::min<uint8_t>(*o.wscale, 14) : kNoWscale;
  return static_cast<uint8_t>(ws | (o.sack ? 0x10 : 0));
}

SynCookies::Options SynCookies::decode_bits(uint8_t bits, uint16_t mss, bool timestamps) {
  Options o;
  o.mss = mss;
  o.timestamps = timestamps;
  if (!timestamps) return o;
  uint8_t ws = bits & 0xf;
  if (ws != kNoWscale) o.wscale = ws;
  o.sack = (bits & 0x10) != 0;
  return o;
}

uint32_t SynCookies::encode_tsval(uint32_t ts, uint8_t bits) {
  uint32_t v = (ts & ~kTsBits) | (bits & kTsBits);
  if (static_cast<int32_t>(v - ts) > 0) v -= kTsBits + 1;  // keep our timestamp clock monotonic
  return v;
}

uint32_t SynCookies::hash(const FourTuple& t, TcpSeq peer_isn, uint32_t period, uint8_t mss_index,
                          uint8_t bits) const {
  uint8_t buf[20];
  put32(buf, t.local_ip);
  put32(buf + 4, t.remote_ip);
  put32(buf + 8, uint32_t(t.local_port) << 16 | t.remote_port);
  put32(buf + 12, peer_isn.raw());
  buf[16] = static_cast<uint8_t>(period & 31);
  buf[17] = mss_index;
  buf[18] = bits;
  buf[19] = 0x5c;
  return static_cast<uint32_t>(siphash24(key_, buf, sizeof buf)) & 0xffffff;
}

uint32_t SynCookies::make(const FourTuple& t, TcpSeq peer_isn, Instant now,
                          const Options& o) const {
  uint32_t period = period_of(now) & 31;
  uint8_t idx = mss_index(o.mss);
  uint8_t bits = static_cast<uint8_t>(option_bits(o) | (o.timestamps ? 0x20 : 0));
  return period << 27 | uint32_t(idx) << 24 | hash(t, peer_isn, period, idx, bits);
}

std::optional<SynCookies::Options> SynCookies::check(const FourTuple& t, TcpSeq peer_isn,
                                                     uint32_t cookie, Instant now, bool timestamps,
                                                     uint32_t tsecr) const {
  uint32_t period = cookie >> 27;
  uint32_t age = (period_of(now) - period) & 31;
  if (age > kMaxAge) return std::nullopt;  // expired (or from the future)
  uint8_t idx = (cookie >> 24) & 7;
  uint8_t opt = timestamps ? static_cast<uint8_t>(tsecr & kTsBits & 0x1f) : 0;
  uint8_t bits = static_cast<uint8_t>(opt | (timestamps ? 0x20 : 0));
  if (timestamps && (tsecr & 0x20) != 0) return std::nullopt;  // the spare bit is always 0
  if (hash(t, peer_isn, period, idx, bits) != (cookie & 0xffffff)) return std::nullopt;
  return decode_bits(opt, kMssTable[idx], timestamps);
}

}  // namespace sluice::stack::tcp

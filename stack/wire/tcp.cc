// RFC 9293 3.1-3.2, RFC 7323 2.2/3.2, RFC 2018 2-3: see tcp.h.
#include "stack/wire/tcp.h"

#include <algorithm>

namespace sluice::stack::wire {
namespace {

// RFC 9293 3.2 option kinds; RFC 7323 (3, 8); RFC 2018 (4, 5).
constexpr uint8_t kOptEnd = 0, kOptNop = 1, kOptMss = 2, kOptWscale = 3, kOptSackPerm = 4,
                  kOptSack = 5, kOptTimestamps = 8;

void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
void put32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v >> 24); p[1] = uint8_t(v >> 16); p[2] = uint8_t(v >> 8); p[3] = uint8_t(v);
}
uint16_t get16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }
uint32_t get32(const uint8_t* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

// Bytes of options before SACK blocks, as emit() lays them out.
size_t fixed_options_len(const TcpRepr& r) {
  size_t n = 0;
  if (r.mss) n += 4;
  if (r.timestamps) n += 12;                          // [SACK-perm|NOP NOP] TS
  else if (r.sack_permitted) n += 4;                  // NOP NOP SACK-perm
  if (r.window_scale) n += 4;                         // NOP WS
  return n;
}

size_t sack_blocks_that_fit(const TcpRepr& r) {
  size_t room = 40 - fixed_options_len(r);
  if (r.sack_count == 0 || room < 12) return 0;
  return std::min<size_t>(r.sack_count, (room - 4) / 8);  // NOP NOP kind len + 8n
}

// One's-complement accumulation across pieces of any length (RFC 1071).
struct Csum {
  uint64_t sum = 0;
  bool odd = false;  // the next byte is the low half of a 16-bit word
  void add(const uint8_t* p, size_t n) {
    if (n == 0) return;
    if (odd) { sum += *p++; --n; odd = false; }
    while (n >= 2) { sum += uint32_t(p[0]) << 8 | p[1]; p += 2; n -= 2; }
    if (n) { sum += uint32_t(p[0]) << 8; odd = true; }
  }
  uint16_t fold() const {
    uint64_t s = sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<uint16_t>(~s & 0xffff);
  }
};

}  // namespace

std::optional<TcpView> TcpView::check(const uint8_t* p, size_t len) {
  if (p == nullptr || len < kMinHeader) return std::nullopt;
  size_t hl = static_cast<size_t>(p[kDataOffset] >> 4) * 4;
  if (hl < kMinHeader || hl > len) return std::nullopt;
  return TcpView(p, len);
}

const char* to_string(TcpParseError e) {
  switch (e) {
    case TcpParseError::kOk: return "ok";
    case TcpParseError::kTruncated: return "truncated";
    case TcpParseError::kBadDataOffset: return "bad data offset";
    case TcpParseError::kBadOption: return "bad option";
  }
  return "?";
}

TcpParseError TcpRepr::parse(const uint8_t* p, size_t len, TcpRepr& out, size_t* header_len) {
  if (p == nullptr || len < TcpView::kMinHeader) return TcpParseError::kTruncated;
  auto v = TcpView::check(p, len);
  if (!v) return TcpParseError::kBadDataOffset;
  TcpRepr r;
  r.src_port = v->src_port();
  r.dst_port = v->dst_port();
  r.seq = v->seq();
  r.ack = v->ack();
  r.flags = v->flags();
  r.window = v->window();
  r.urgent = v->urgent();
  const uint8_t* o = v->options();
  size_t n = v->options_len();
  size_t i = 0;
  while (i < n) {
    uint8_t kind = o[i];
    if (kind == kOptEnd) break;                   // RFC 9293 3.2: end of option list
    if (kind == kOptNop) { ++i; continue; }
    if (i + 1 >= n) return TcpParseError::kBadOption;
    uint8_t olen = o[i + 1];
    // RFC 9293 3.2 / RFC 1122 4.2.2.5: every option but EOL/NOP has a length >= 2 that fits.
    if (olen < 2 || i + olen > n) return TcpParseError::kBadOption;
    const uint8_t* d = o + i + 2;
    switch (kind) {
      case kOptMss:
        if (olen != 4) return TcpParseError::kBadOption;
        r.mss = get16(d);
        break;
      case kOptWscale:
        if (olen != 3) return TcpParseError::kBadOption;
        r.window_scale = d[0];
        break;
      case kOptSackPerm:
        if (olen != 2) return TcpParseError::kBadOption;
        r.sack_permitted = true;
        break;
      case kOptSack: {
        if ((olen - 2) % 8 != 0 || olen == 2) return TcpParseError::kBadOption;
        size_t blocks = (olen - 2) / 8;
        r.sack_count = static_cast<uint8_t>(std::min(blocks, kMaxSackBlocks));
        for (size_t b = 0; b < r.sack_count; ++b)
          r.sack[b] = {TcpSeq(get32(d + 8 * b)), TcpSeq(get32(d + 8 * b + 4))};
        break;
      }
      case kOptTimestamps:
        if (olen != 10) return TcpParseError::kBadOption;
        r.timestamps = TcpTimestamps{get32(d), get32(d + 4)};
        break;
      default:
        break;  // RFC 9293 3.2 / RFC 1122 4.2.2.5: unknown options are ignored
    }
    i += olen;
  }
  out = r;
  if (header_len) *header_len = v->header_len();
  return TcpParseError::kOk;
}

size_t TcpRepr::header_len() const {
  size_t blocks = sack_blocks_that_fit(*this);
  size_t opts = fixed_options_len(*this) + (blocks ? 4 + 8 * blocks : 0);
  return TcpView::kMinHeader + opts;  // every piece is already a multiple of 4
}

void TcpRepr::emit(uint8_t* out) const {
  size_t hl = header_len();
  put16(out + TcpView::kSrcPort, src_port);
  put16(out + TcpView::kDstPort, dst_port);
  put32(out + TcpView::kSeq, seq.raw());
  put32(out + TcpView::kAck, ack.raw());
  out[TcpView::kDataOffset] = static_cast<uint8_t>((hl / 4) << 4);
  out[TcpView::kFlags] = flags;
  put16(out + TcpView::kWindow, window);
  put16(out + TcpView::kChecksum, 0);
  put16(out + TcpView::kUrgent, urgent);
  uint8_t* o = out + TcpView::kMinHeader;
  if (mss) { o[0] = kOptMss; o[1] = 4; put16(o + 2, *mss); o += 4; }
  if (timestamps) {
    if (sack_permitted) { o[0] = kOptSackPerm; o[1] = 2; }
    else { o[0] = kOptNop; o[1] = kOptNop; }
    o[2] = kOptTimestamps; o[3] = 10;
    put32(o + 4, timestamps->tsval);
    put32(o + 8, timestamps->tsecr);
    o += 12;
  } else if (sack_permitted) {
    o[0] = kOptNop; o[1] = kOptNop; o[2] = kOptSackPerm; o[3] = 2;
    o += 4;
  }
  if (window_scale) { o[0] = kOptNop; o[1] = kOptWscale; o[2] = 3; o[3] = *window_scale; o += 4; }
  size_t blocks = sack_blocks_that_fit(*this);
  if (blocks) {
    o[0] = kOptNop; o[1] = kOptNop; o[2] = kOptSack; o[3] = static_cast<uint8_t>(2 + 8 * blocks);
    o += 4;
    for (size_t b = 0; b < blocks; ++b, o += 8) {
      put32(o, sack[b].left.raw());
      put32(o + 4, sack[b].right.raw());
    }
  }
}

uint16_t tcp_checksum(uint32_t src_ip, uint32_t dst_ip, const uint8_t* hdr, size_t hdr_len,
                      const BufChain& payload) {
  Csum c;
  uint8_t pseudo[12];
  put32(pseudo, src_ip);
  put32(pseudo + 4, dst_ip);
  pseudo[8] = 0;
  pseudo[9] = 6;  // IPPROTO_TCP
  put16(pseudo + 10, static_cast<uint16_t>(hdr_len + payload.size()));
  c.add(pseudo, sizeof pseudo);
  c.add(hdr, hdr_len);
  for (const Slice& s : payload.slices()) c.add(s.data(), s.size());
  return c.fold();
}

void tcp_fill_checksum(uint32_t src_ip, uint32_t dst_ip, uint8_t* hdr, size_t hdr_len,
                       const BufChain& payload) {
  put16(hdr + TcpView::kChecksum, 0);
  put16(hdr + TcpView::kChecksum, tcp_checksum(src_ip, dst_ip, hdr, hdr_len, payload));
}

}  // namespace sluice::stack::wire

// stack/wire/tcp: RFC 9293 3.1 header, 3.2 options; RFC 7323; RFC 2018.
#include <gtest/gtest.h>

#include "stack/wire/tcp.h"

namespace sluice::stack::wire {
namespace {

TEST(TcpWire, Rfc9293HeaderRoundTripWithAllOptions) {
  TcpRepr r;
  r.src_port = 12345;
  r.dst_port = 80;
  r.seq = TcpSeq(0xfffffff0);
  r.ack = TcpSeq(7);
  r.flags = tcp_flags::kSyn | tcp_flags::kAck;
  r.window = 0xabcd;
  r.mss = 1460;
  r.window_scale = 7;
  r.sack_permitted = true;
  r.timestamps = TcpTimestamps{111, 222};
  uint8_t buf[60];
  size_t hl = r.header_len();
  EXPECT_EQ(hl % 4, 0u);
  EXPECT_EQ(hl, 20u + 4 + 12 + 4);
  r.emit(buf);
  TcpRepr p;
  size_t plen = 0;
  ASSERT_EQ(TcpRepr::parse(buf, hl, p, &plen), TcpParseError::kOk);
  EXPECT_EQ(plen, hl);
  EXPECT_EQ(p, r);
}

TEST(TcpWire, Rfc2018SackBlocksCutToFitFortyBytes) {
  TcpRepr r;
  r.flags = tcp_flags::kAck;
  r.timestamps = TcpTimestamps{1, 2};
  r.sack_count = 4;
  for (int i = 0; i < 4; ++i) r.sack[i] = {TcpSeq(100 * i), TcpSeq(100 * i + 50)};
  EXPECT_EQ(r.header_len(), 60u);  // 12 TS + 4 + 3 blocks
  uint8_t buf[60];
  r.emit(buf);
  TcpRepr p;
  ASSERT_EQ(TcpRepr::parse(buf, 60, p, nullptr), TcpParseError::kOk);
  EXPECT_EQ(p.sack_count, 3);
  EXPECT_EQ(p.sack[2], r.sack[2]);
  EXPECT_EQ(p.timestamps, r.timestamps);
}

TEST(TcpWire, RejectsBadDataOffsetAndTruncation) {
  uint8_t buf[40] = {};
  TcpRepr p;
  EXPECT_EQ(TcpRepr::parse(buf, 19, p, nullptr), TcpParseError::kTruncated);
  buf[12] = 4 << 4;  // data offset 4 words < 5
  EXPECT_EQ(TcpRepr::parse(buf, 40, p, nullptr), TcpParseError::kBadDataOffset);
  buf[12] = 11 << 4;  // 44 bytes > 40
  EXPECT_EQ(TcpRepr::parse(buf, 40, p, nullptr), TcpParseError::kBadDataOffset);
  EXPECT_FALSE(TcpView::check(buf, 40).has_value());
  buf[12] = 5 << 4;
  EXPECT_TRUE(TcpView::check(buf, 20).has_value());
}

TEST(TcpWire, RejectsMalformedOptions) {
  auto parse_opts = [](std::initializer_list<uint8_t> opts) {
    uint8_t buf[60] = {};
    size_t n = opts.size();
    size_t hl = 20 + (n + 3) / 4 * 4;
    buf[12] = static_cast<uint8_t>((hl / 4) << 4);
    std::copy(opts.begin(), opts.end(), buf + 20);
    TcpRepr p;
    return TcpRepr::parse(buf, hl, p, nullptr);
  };
  EXPECT_EQ(parse_opts({2, 4, 5, 0xb4}), TcpParseError::kOk);
  EXPECT_EQ(parse_opts({2, 8, 5, 0xb4}), TcpParseError::kBadOption);   // overruns
  EXPECT_EQ(parse_opts({2, 3, 5, 0}), TcpParseError::kBadOption);      // MSS length 3
  EXPECT_EQ(parse_opts({99, 0, 0, 0}), TcpParseError::kBadOption);     // length 0
  EXPECT_EQ(parse_opts({1, 1, 1, 2}), TcpParseError::kBadOption);      // kind without length
  EXPECT_EQ(parse_opts({5, 6, 0, 0, 0, 0, 0, 0}), TcpParseError::kBadOption);  // SACK 2+4
  EXPECT_EQ(parse_opts({99, 4, 0, 0}), TcpParseError::kOk);            // unknown: skipped
  EXPECT_EQ(parse_opts({0, 2, 8, 0}), TcpParseError::kOk);             // after EOL: ignored
}

TEST(TcpWire, ChecksumOverSplitOddPayload) {
  TcpRepr r;
  r.src_port = 1;
  r.dst_port = 2;
  r.flags = tcp_flags::kAck;
  uint8_t hdr[60];
  size_t hl = r.header_len();
  r.emit(hdr);
  BufChain whole, split;
  whole.append_copy("hello, checksum world!!");
  split.append_copy("hel");
  split.append_copy("lo, c");
  split.append_copy("hecksum world!!");
  uint16_t c1 = tcp_checksum(0x0a000001, 0x0a000002, hdr, hl, whole);
  uint16_t c2 = tcp_checksum(0x0a000001, 0x0a000002, hdr, hl, split);
  EXPECT_EQ(c1, c2);
  tcp_fill_checksum(0x0a000001, 0x0a000002, hdr, hl, split);
  EXPECT_TRUE(tcp_checksum_ok(0x0a000001, 0x0a000002, hdr, hl, whole));
  hdr[4] ^= 1;
  EXPECT_FALSE(tcp_checksum_ok(0x0a000001, 0x0a000002, hdr, hl, whole));
}

}  // namespace
}  // namespace sluice::stack::wire

// Range requests (RFC 9110 14, 13.1.5), multipart/byteranges (14.6), Accept-Encoding negotiation
// (12.5.3), and the body sources they are built from.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "http/accept_encoding.h"
#include "http/body_source.h"
#include "http/conditional.h"
#include "http/date_cache.h"
#include "http/multipart.h"
#include "http/range.h"

namespace sluice::http {
namespace {

RangePlan plan(std::string_view field, uint64_t length, uint32_t max_ranges = 16) {
  RangePolicy p;
  p.max_ranges = max_ranges;
  return plan_ranges(field, length, p);
}

std::vector<ByteRange> ranges(std::string_view field, uint64_t length) {
  RangePlan p = plan(field, length);
  EXPECT_EQ(p.outcome, RangeOutcome::kPartial) << field;
  return p.ranges;
}

// RFC 9110 14.1.2 examples, for a representation of 10000 bytes.
TEST(Range, Rfc9110Examples) {
  EXPECT_EQ(ranges("bytes=0-499", 10000), (std::vector<ByteRange>{{0, 499}}));
  EXPECT_EQ(ranges("bytes=500-999", 10000), (std::vector<ByteRange>{{500, 999}}));
  EXPECT_EQ(ranges("bytes=-500", 10000), (std::vector<ByteRange>{{9500, 9999}}));
  EXPECT_EQ(ranges("bytes=9500-", 10000), (std::vector<ByteRange>{{9500, 9999}}));
  EXPECT_EQ(ranges("bytes=0-0,-1", 10000), (std::vector<ByteRange>{{0, 0}, {9999, 9999}}));
  // Overlapping/adjacent neighbours are coalesced (14.6 allows it).
  EXPECT_EQ(ranges("bytes=500-600,601-999", 10000), (std::vector<ByteRange>{{500, 999}}));
  EXPECT_EQ(ranges("bytes=500-700,601-999", 10000), (std::vector<ByteRange>{{500, 999}}));
}

// RFC 9110 14.1.1: clipping and satisfiability.
TEST(Range, ClippingAndSatisfiability) {
  EXPECT_EQ(ranges("bytes=0-99999", 100), (std::vector<ByteRange>{{0, 99}}));
  EXPECT_EQ(ranges("bytes=-1000", 100), (std::vector<ByteRange>{{0, 99}}));  // suffix longer than all
  EXPECT_EQ(ranges("bytes=99-", 100), (std::vector<ByteRange>{{99, 99}}));
  EXPECT_EQ(plan("bytes=100-", 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(plan("bytes=100-200,300-", 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(plan("bytes=-0", 100).outcome, RangeOutcome::kUnsatisfiable);
  EXPECT_EQ(plan("bytes=99999999999999999999999-", 100).outcome, RangeOutcome::kUnsatisfiable);
  // An unsatisfiable member is dropped when another is satisfiable.
  EXPECT_EQ(ranges("bytes=200-300,0-9", 100), (std::vector<ByteRange>{{0, 9}}));
  // A zero-length representation is sent whole.
  EXPECT_EQ(plan("bytes=0-", 0).outcome, RangeOutcome::kIgnore);
  EXPECT_EQ(plan("bytes=-5", 0).outcome, RangeOutcome::kIgnore);
}

// RFC 9110 14.2: invalid fields and unknown units are ignored (the whole content is sent).
TEST(Range, InvalidOrForeignFieldsAreIgnored) {
  for (const char* f : {"bytes=", "bytes=abc", "bytes=5-4", "bytes=1-2-3", "bytes 0-4", "items=0-4",
                        "bytes=0x1-5", "bytes=- 5", "bytes=+1-2", "=0-4", "", "bytes=,,"}) {
    EXPECT_EQ(plan(f, 100).outcome, RangeOutcome::kIgnore) << f;
  }
  EXPECT_EQ(ranges("BYTES=0-4", 100), (std::vector<ByteRange>{{0, 4}}));  // units are case-insensitive
  EXPECT_EQ(ranges("bytes=0-4 , , 200-204", 1000), (std::vector<ByteRange>{{0, 4}, {200, 204}}));  // 5.6.1
}

// The abuse limits (range.h): too many specs or more bytes than the file -> the whole content.
TEST(Range, AbusiveListsGetTheWholeContent) {
  std::string many = "bytes=0-0";
  for (int i = 1; i < 17; ++i) many += "," + std::to_string(i * 100) + "-" + std::to_string(i * 100);
  EXPECT_EQ(plan(many, 10000).outcome, RangeOutcome::kIgnore);
  EXPECT_EQ(plan(many, 10000, 17).outcome, RangeOutcome::kPartial);
  EXPECT_EQ(plan("bytes=0-,0-", 1000).outcome, RangeOutcome::kIgnore);
  EXPECT_EQ(plan("bytes=0-99,-100,50-60,0-", 1000).outcome, RangeOutcome::kIgnore);
  EXPECT_EQ(plan("bytes=0-4", 100, 0).outcome, RangeOutcome::kIgnore);  // max_ranges 0: off
  // Small gaps are merged, large ones are not; the list order is kept.
  EXPECT_EQ(ranges("bytes=0-9,50-59", 1000), (std::vector<ByteRange>{{0, 59}}));
  EXPECT_EQ(ranges("bytes=500-509,0-9", 1000), (std::vector<ByteRange>{{500, 509}, {0, 9}}));
}

// RFC 9110 13.1.5.
TEST(Range, IfRange) {
  std::string etag = make_etag(784111000, 13);
  std::string date = format_http_date(784111000);
  EXPECT_TRUE(if_range_holds(etag, etag, 784111000));
  EXPECT_FALSE(if_range_holds("W/" + etag, etag, 784111000));  // weak tags never match
  EXPECT_FALSE(if_range_holds("\"other\"", etag, 784111000));
  EXPECT_TRUE(if_range_holds(date, etag, 784111000));
  EXPECT_FALSE(if_range_holds(format_http_date(784111001), etag, 784111000));  // exact date only
  EXPECT_FALSE(if_range_holds(format_http_date(784110999), etag, 784111000));
  EXPECT_FALSE(if_range_holds("yesterday", etag, 784111000));
  EXPECT_FALSE(if_range_holds("", etag, 784111000));
}

TEST(Range, ContentRangeFields) {
  EXPECT_EQ(content_range({0, 499}, 1234), "bytes 0-499/1234");
  EXPECT_EQ(unsatisfied_range(1234), "bytes */1234");
  EXPECT_EQ(make_etag(0x2ebc9598, 13, "gz"), "\"2ebc9598-d-gz\"");
}

std::string drain(BodySource& b, size_t step) {
  BufChain out;
  while (b.pull(out, step) == PullResult::kMore) {
  }
  return out.to_string();
}

// RFC 9110 14.6: the exact bytes of a multipart/byteranges body.
TEST(Multipart, ExactBytes) {
  std::string content = "0123456789abcdefghij";
  auto part = [&](uint64_t off, uint64_t len) { return MemoryBody::of(content.substr(off, len)); };
  MultipartBody mp = make_byteranges({{0, 2}, {15, 19}}, 20, "text/plain", "B0UND", part);
  EXPECT_EQ(mp.content_type, "multipart/byteranges; boundary=B0UND");
  std::string expected =
      "\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-2/20\r\n\r\n012"
      "\r\n--B0UND\r\nContent-Type: text/plain\r\nContent-Range: bytes 15-19/20\r\n\r\nfghij"
      "\r\n--B0UND--\r\n";
  ASSERT_TRUE(mp.body->length());
  EXPECT_EQ(*mp.body->length(), expected.size());
  for (size_t step : {1u, 7u, 4096u}) {
    MultipartBody again = make_byteranges({{0, 2}, {15, 19}}, 20, "text/plain", "B0UND", part);
    EXPECT_EQ(drain(*again.body, step), expected) << step;
  }
  EXPECT_EQ(make_boundary(1).size(), 20u);
  EXPECT_NE(make_boundary(1), make_boundary(2));
  EXPECT_EQ(make_boundary(7), make_boundary(7));
}

// RFC 9110 12.5.3 and 12.4.2.
TEST(AcceptEncoding, QValues) {
  EXPECT_TRUE(accepts_coding("gzip", "gzip"));
  EXPECT_TRUE(accepts_coding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(accepts_coding("deflate, GZIP;q=0.5", "gzip"));
  EXPECT_TRUE(accepts_coding("x-gzip", "gzip"));
  EXPECT_TRUE(accepts_coding("*", "gzip"));
  EXPECT_TRUE(accepts_coding("br;q=1.0, gzip ; q=0.001", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;q=0", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;q=0.000", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;Q=0.0, *", "gzip"));  // listed with 0 beats "*"
  EXPECT_FALSE(accepts_coding("*;q=0", "gzip"));
  EXPECT_FALSE(accepts_coding("identity", "gzip"));
  EXPECT_FALSE(accepts_coding("", "gzip"));
  EXPECT_FALSE(accepts_coding("gzipx, xgzip", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;q=2", "gzip"));      // invalid weight: member ignored
  EXPECT_FALSE(accepts_coding("gzip;q=1.5", "gzip"));
  EXPECT_FALSE(accepts_coding("gzip;q=0.1234", "gzip"));
  EXPECT_TRUE(accepts_coding("gzip;q=abc, *;q=0.3", "gzip"));
}

TEST(BodySource, ConcatStopsBeforeAFileRegion) {
  char tmpl[] = "/tmp/sluice-concat-XXXXXX";
  int fd = mkstemp(tmpl);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "ABCDEFGHIJ", 10), 10);
  ::unlink(tmpl);
  auto file = std::make_shared<const OpenFile>(fd);
  std::vector<std::unique_ptr<BodySource>> parts;
  parts.push_back(MemoryBody::of("head:"));
  parts.push_back(std::make_unique<FileBody>(file, 2, 5));
  parts.push_back(MemoryBody::of(":tail"));
  ConcatBody body(std::move(parts));
  EXPECT_EQ(*body.length(), 15u);
  BufChain out;
  EXPECT_EQ(body.pull(out, 1000), PullResult::kMore);
  EXPECT_EQ(out.to_string(), "head:");  // stops: the next part can go by sendfile
  auto region = body.file_region();
  ASSERT_TRUE(region);
  EXPECT_EQ(region->fd, fd);
  EXPECT_EQ(region->offset, 2u);
  EXPECT_EQ(region->length, 5u);
  body.skip_file_bytes(3);  // as if 3 bytes went out by send_file()
  EXPECT_EQ(body.pull(out, 1000), PullResult::kDone);
  EXPECT_EQ(out.to_string(), "head:FG:tail");
  EXPECT_FALSE(body.file_region());
}

}  // namespace
}  // namespace sluice::http

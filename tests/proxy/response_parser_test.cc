// The upstream response parser: framing (RFC 9112 6.3), chunked (7.1), HEAD/204/304 (RFC 9110
// 6.4.1), interim responses (15.2), 101, and strictness: anything malformed is an error.
#include "proxy/response_parser.h"

#include <gtest/gtest.h>

namespace sluice::proxy {
namespace {

struct Result {
  ResponseParser::Status status;
  std::string body;
  std::string rest;
};

// Feeds `bytes` in slices of `piece` bytes.
Result run(ResponseParser& p, std::string_view bytes, size_t piece = SIZE_MAX) {
  BufChain in, body;
  for (size_t i = 0; i < bytes.size(); i += piece) in.append_copy(bytes.substr(i, piece));
  Result r{p.parse(in, body), body.to_string(), in.to_string()};
  return r;
}

TEST(ResponseParser, ContentLengthBodyInAnySplit) {
  std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhelloNEXT";
  for (size_t piece : {size_t(1), size_t(3), size_t(7), SIZE_MAX}) {
    ResponseParser p(8192);
    p.reset(false);
    Result r = run(p, resp, piece);
    EXPECT_EQ(r.status, ResponseParser::Status::kDone) << piece;
    EXPECT_EQ(r.body, "hello");
    EXPECT_EQ(r.rest, "NEXT");
    EXPECT_EQ(p.status(), 200);
    EXPECT_EQ(p.content_length(), 5u);
    EXPECT_TRUE(p.keep_alive());
    ASSERT_EQ(p.headers().size(), 2u);
    EXPECT_EQ(p.headers()[0].first, "Content-Type");
    EXPECT_EQ(p.headers()[0].second, "text/plain");
  }
}

TEST(ResponseParser, ChunkedBodyIsDecoded) {
  ResponseParser p(8192);
  p.reset(false);
  Result r = run(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nT: v\r\n\r\n", 4);
  EXPECT_EQ(r.status, ResponseParser::Status::kDone);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_TRUE(p.chunked());
  EXPECT_FALSE(p.content_length());
}

TEST(ResponseParser, CloseDelimitedBodyEndsWithFinish) {
  ResponseParser p(8192);
  p.reset(false);
  Result r = run(p, "HTTP/1.1 200 OK\r\n\r\nsome bytes");
  EXPECT_EQ(r.status, ResponseParser::Status::kNeedMore);
  EXPECT_EQ(r.body, "some bytes");
  EXPECT_EQ(p.finish(), ResponseParser::Status::kDone);
  EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParser, TruncatedBodiesAreErrors) {
  ResponseParser p(8192);
  p.reset(false);
  run(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(p.finish(), ResponseParser::Status::kError);
  p.reset(false);
  run(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
  EXPECT_EQ(p.finish(), ResponseParser::Status::kError);
  p.reset(false);
  run(p, "HTTP/1.1 200 OK\r\nContent-Le");
  EXPECT_EQ(p.finish(), ResponseParser::Status::kError);
  p.reset(false);
  EXPECT_EQ(p.finish(), ResponseParser::Status::kError);  // closed before any byte
}

TEST(ResponseParser, HeadResponseHasNoBodyWhateverTheLength) {
  ResponseParser p(8192);
  p.reset(true);
  Result r = run(p, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 204");
  EXPECT_EQ(r.status, ResponseParser::Status::kDone);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.rest, "HTTP/1.1 204");
  EXPECT_TRUE(p.bodiless());
  EXPECT_EQ(p.content_length(), 100u);
}

TEST(ResponseParser, NoContentStatuses) {
  for (const char* status : {"204 No Content", "304 Not Modified"}) {
    ResponseParser p(8192);
    p.reset(false);
    Result r = run(p, std::string("HTTP/1.1 ") + status + "\r\n\r\nX");
    EXPECT_EQ(r.status, ResponseParser::Status::kDone) << status;
    EXPECT_EQ(r.rest, "X");
    EXPECT_TRUE(p.bodiless());
  }
}

TEST(ResponseParser, InterimResponsesAreSkipped) {
  ResponseParser p(8192);
  p.reset(false);
  Result r = run(p, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                    "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", 5);
  EXPECT_EQ(r.status, ResponseParser::Status::kDone);
  EXPECT_EQ(p.status(), 201);
  EXPECT_EQ(r.body, "ok");
  ASSERT_EQ(p.headers().size(), 1u);
  EXPECT_EQ(p.headers()[0].first, "Content-Length");
}

TEST(ResponseParser, SwitchingProtocolsLeavesTheRestUnparsed) {
  ResponseParser p(8192);
  p.reset(false);
  Result r = run(p, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi");
  EXPECT_EQ(r.status, ResponseParser::Status::kDone);
  EXPECT_TRUE(p.upgraded());
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(r.rest, "\x81\x02" "hi");
}

TEST(ResponseParser, Http10AndConnectionClose) {
  ResponseParser p(8192);
  p.reset(false);
  run(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(p.done());
  EXPECT_FALSE(p.keep_alive());
  EXPECT_EQ(p.minor_version(), 0);
  p.reset(false);
  run(p, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  EXPECT_TRUE(p.done());
  EXPECT_FALSE(p.keep_alive());
}

TEST(ResponseParser, MalformedResponsesAreErrors) {
  const char* bad[] = {
      "HTTP/1.1 2000 OK\r\n\r\n",                                                  // status
      "HTTX/1.1 200 OK\r\n\r\n",                                                   // version
      "HTTP/1.1 200 OK\r\nBad Field: x\r\n\r\n",                                   // space in name
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",         // two lengths
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",  // both framings
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",               // chunk size
      "HTTP/1.1 200 OK\nContent-Length: 0\n\n",                                     // bare LF
      "garbage\r\n\r\n",
      "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",                                      // control character
      "HTTP/1.1 200 OK\r\nX(y): 1\r\n\r\n",                                       // separator in name
  };
  for (const char* text : bad) {
    ResponseParser p(8192);
    p.reset(false);
    EXPECT_EQ(run(p, text).status, ResponseParser::Status::kError) << text;
    EXPECT_NE(p.error(), nullptr);
  }
}

// RFC 9112 5.2: a proxy replaces obs-fold in a response with SP (or refuses the message).
TEST(ResponseParser, ObsFoldBecomesSpace) {
  ResponseParser p(8192);
  p.reset(false);
  EXPECT_EQ(run(p, "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n").status,
            ResponseParser::Status::kDone);
  ASSERT_EQ(p.headers().size(), 2u);
  EXPECT_EQ(p.headers()[0].second, "a b");
}

TEST(ResponseParser, HeadLargerThanTheLimitIsAnError) {
  std::string big = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(5000, 'a') + "\r\n\r\n";
  for (size_t piece : {size_t(100), SIZE_MAX}) {
    ResponseParser p(4096);
    p.reset(false);
    EXPECT_EQ(run(p, big, piece).status, ResponseParser::Status::kError);
    EXPECT_STREQ(p.error(), "the response head is larger than proxy_buffer_size");
  }
  ResponseParser ok(8192);
  ok.reset(false);
  EXPECT_EQ(run(ok, big).status, ResponseParser::Status::kNeedMore);  // close-delimited body follows
  EXPECT_TRUE(ok.head_done());
}

TEST(ResponseParser, TooManyFieldsIsAnError) {
  std::string head = "HTTP/1.1 200 OK\r\n";
  for (int i = 0; i < 5; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  ResponseParser p(8192, 4);
  p.reset(false);
  EXPECT_EQ(run(p, head + "\r\n").status, ResponseParser::Status::kError);
}

TEST(ResponseParser, BodySlicesShareTheInput) {
  ResponseParser p(8192);
  p.reset(false);
  BufChain in, body;
  Slice s = Slice::copy_of("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody");
  in.append(s);
  ASSERT_EQ(p.parse(in, body), ResponseParser::Status::kDone);
  ASSERT_EQ(body.slice_count(), 1u);
  EXPECT_EQ(body.front().owner(), s.owner());  // a view, not a copy
}

}  // namespace
}  // namespace sluice::proxy

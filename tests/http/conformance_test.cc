// Issue 4 through HttpSession over the fake transport: the raw-request corpus (refusals with the
// right status, counter and close; edge cases accepted), limits, one write per small response,
// internal redirects, and the body discarded before an answer.
#include <gtest/gtest.h>

#include "tests/http/corpus.h"
#include "tests/http/harness.h"

namespace sluice::testing {
namespace {

using http::BadRequest;

constexpr const char* kGet = "GET /fixed HTTP/1.1\r\nHost: example.test\r\n\r\n";

// Issue 4: a small response's head and body leave in one write (one segment on the wire).
TEST(Session, SmallResponseHeadAndBodyInOneWrite) {
  Harness h;
  auto c = h.connect();
  h.send(*c, kGet);
  EXPECT_EQ(c->writes, 1u);
  EXPECT_EQ(parse_one(c->take()).body, "fixed:/fixed");
  h.send(*c, std::string(kGet) + kGet);  // pipelined: still one write per response
  EXPECT_EQ(c->writes, 3u);
  EXPECT_EQ(parse_responses(c->take()).size(), 2u);
}

// nginx's internal redirect (try_files' fallback): same request, new path, its own location.
TEST(Session, InternalRedirectAndCycle) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "GET /redirect HTTP/1.1\r\nHost: a\r\n\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "fixed:/fixed");
  h.send(*c, "GET /redirect-loop HTTP/1.1\r\nHost: a\r\n\r\n");
  auto loop = parse_one(c->take());
  EXPECT_EQ(loop.status, 500);
  EXPECT_TRUE(c->open());
  h.send(*c, "GET /redirect HTTP/1.1\r\nHost: a\r\n\r\n");  // the count is per request
  EXPECT_EQ(parse_one(c->take()).status, 200);
}

// nginx discards an unread body before answering: a bad chunk that already arrived makes the
// answer a 400 and a close, never a keep-alive response followed by a reset.
TEST(Session, BadChunkInDiscardedBodyIs400) {
  Harness h;
  auto c = h.connect();
  h.send(*c, "POST /fixed HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
  auto r = parse_one(c->take());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.header("Connection"), "close");
  EXPECT_EQ(h.server->counters().bad(BadRequest::kMalformed), 1u);
  // A good body that was not read is discarded and the connection goes on.
  auto d = h.connect();
  h.send(*d, "POST /fixed HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
                 std::string(kGet));
  auto two = parse_responses(d->take());
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].header("Connection"), "keep-alive");
  EXPECT_EQ(two[1].status, 200);
}

struct Refusal {
  const char* name;
  std::string request;
  int status;
  BadRequest reason;
};

void expect_refused(const Refusal& r) {
  Harness h;
  auto c = h.connect();
  h.send(*c, r.request);
  auto resp = parse_responses(c->take());
  ASSERT_EQ(resp.size(), 1u) << r.name;
  EXPECT_EQ(resp[0].status, r.status) << r.name;
  EXPECT_EQ(resp[0].header("Connection"), "close") << r.name;
  EXPECT_EQ(resp[0].header("Content-Type"), "text/html") << r.name;
  EXPECT_TRUE(c->shut_wr || c->closed) << r.name;
  EXPECT_EQ(h.server->counters().bad(r.reason), 1u) << r.name;
  c->send_eof();
  h.settle();
  EXPECT_TRUE(c->closed) << r.name;
  EXPECT_EQ(h.server->active_connections(), 0u) << r.name;
}

// RFC 9112 6.3 (issue 4): every ambiguity in framing or field syntax is a 400 and a close; the
// corpus file also holds edge cases that must be accepted (and whether the connection stays).
TEST(Session, SmugglingAndMalformedCorpus) {
  auto corpus = load_corpus(SLUICE_REQUEST_CORPUS);
  ASSERT_GE(corpus.size(), 50u);
  size_t refused = 0;
  for (const CorpusCase& k : corpus) {
    if (k.counter == "-") {
      Harness h;
      auto c = h.connect();
      h.send(*c, k.request);
      auto resp = parse_responses(c->take());
      ASSERT_EQ(resp.size(), 1u) << k.name;
      EXPECT_EQ(resp[0].status, k.status) << k.name;
      EXPECT_EQ(resp[0].header("Connection"), k.close ? "close" : "keep-alive") << k.name;
      EXPECT_EQ(c->shut_wr || c->closed, k.close) << k.name;
      continue;
    }
    auto reason = BadRequest::kCount;
    for (size_t i = 0; i < size_t(BadRequest::kCount); ++i) {
      if (k.counter == http::to_string(BadRequest(i))) reason = BadRequest(i);
    }
    ASSERT_NE(reason, BadRequest::kCount) << k.name << ": unknown counter " << k.counter;
    ASSERT_TRUE(k.close) << k.name;
    expect_refused(Refusal{k.name.c_str(), k.request, k.status, reason});
    ++refused;
  }
  EXPECT_GE(refused, 45u);
}

TEST(Session, LimitsAnswerWithTheRightStatus) {
  const Refusal cases[] = {
      {"414", "GET /" + std::string(9000, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, BadRequest::kRequestLineTooLong},
      {"431 size", "GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(33000, 'b') + "\r\n\r\n", 431, BadRequest::kHeaderTooLarge},
      {"431 count", [] {
         std::string s = "GET / HTTP/1.1\r\nHost: a\r\n";
         for (int i = 0; i < 101; ++i) s += "X-" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }(), 431, BadRequest::kTooManyHeaders},
      {"413 declared", "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n", 413, BadRequest::kBodyTooLarge},
      {"505", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, BadRequest::kBadVersion},
      {"501", "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 501, BadRequest::kUnknownMethod},
      {"417", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n", 417, BadRequest::kExpectation},
  };
  for (const Refusal& r : cases) expect_refused(r);
}

}  // namespace
}  // namespace sluice::testing

// The upstream request head: URI mapping, hop-by-hop removal (RFC 9110 7.6.1), forwarding fields,
// Host rules, proxy_set_header, Via (RFC 9110 7.6.3), framing; and the client-bound response fields.
#include <gtest/gtest.h>

#include "http/parser.h"
#include "proxy/request_head.h"
#include "proxy/response_head.h"
#include "proxy/vars.h"

namespace sluice::proxy {
namespace {

struct Parsed {
  explicit Parsed(std::string_view raw) : parser(http::ParserLimits{}) {
    in.append_copy(raw);
    EXPECT_EQ(parser.parse_head(in), http::ParseStatus::kDone) << raw;
  }
  const http::Request& req() const { return parser.request(); }
  http::RequestParser parser;
  BufChain in;
};

conf::LocationConfig loc(std::string path, std::optional<std::string> uri = std::nullopt) {
  conf::LocationConfig l;
  l.path = std::move(path);
  l.proxy.upstream = "app";
  l.proxy.proxy_host = "app";
  l.proxy.uri = std::move(uri);
  return l;
}

std::string head(const Parsed& p, const conf::LocationConfig& l, std::string_view remote = "192.0.2.7",
                 BodyFraming framing = BodyFraming::kNone, uint64_t length = 0, bool keep_alive = true) {
  RequestHeadInput in{p.req(), l, remote, "http"};
  in.framing = framing;
  in.length = length;
  in.keep_alive = keep_alive;
  return build_request_head(in);
}

TEST(UpstreamTarget, WithoutUriPartTheTargetIsUnchanged) {
  Parsed p("GET /api/a%20b/../c?x=1&y HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(upstream_target(p.req(), loc("/api/")), "/api/a%20b/../c?x=1&y");
}

TEST(UpstreamTarget, UriPartReplacesTheLocationPrefix) {
  Parsed p("GET /api/v2/items%20x?q=1 HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(upstream_target(p.req(), loc("/api/", "/backend/")), "/backend/v2/items%20x?q=1");
  EXPECT_EQ(upstream_target(p.req(), loc("/api/", "/")), "/v2/items%20x?q=1");
  conf::LocationConfig exact = loc("/api/v2/items x", "/one");
  exact.match = conf::MatchKind::kExact;
  EXPECT_EQ(upstream_target(p.req(), exact), "/one?q=1");
}

TEST(UpstreamTarget, AbsoluteFormBecomesOriginForm) {
  Parsed p("GET http://example.test/api/x?y HTTP/1.1\r\nHost: example.test\r\n\r\n");
  EXPECT_EQ(upstream_target(p.req(), loc("/api/")), "/api/x?y");
}

TEST(RequestHead, HopByHopFieldsAreRemovedAndForwardingFieldsAdded) {
  Parsed p("GET /api/x HTTP/1.1\r\nHost: client.test\r\nConnection: keep-alive, X-Secret\r\n"
           "Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X-T\r\nUpgrade: h2c\r\nProxy-Authorization: b\r\n"
           "Proxy: http://evil\r\nX-Secret: s\r\nAccept: */*\r\nX-Forwarded-For: 203.0.113.1\r\nX-Real-IP: spoof\r\n"
           "X-Forwarded-Proto: https\r\n\r\n");
  EXPECT_EQ(head(p, loc("/api/")),
            "GET /api/x HTTP/1.1\r\nHost: app\r\nAccept: */*\r\nX-Real-IP: 192.0.2.7\r\n"
            "X-Forwarded-For: 203.0.113.1, 192.0.2.7\r\nX-Forwarded-Proto: http\r\n\r\n");
}

TEST(RequestHead, SeveralForwardedForFieldsAreOneList) {
  Parsed p("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\nX-Forwarded-For: 2.2.2.2, 3.3.3.3\r\n\r\n");
  EXPECT_NE(head(p, loc("/")).find("X-Forwarded-For: 1.1.1.1, 2.2.2.2, 3.3.3.3, 192.0.2.7\r\n"), std::string::npos);
}

TEST(RequestHead, UnknownClientAddressPassesForwardedForAsIs) {
  Parsed p("GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 1.1.1.1\r\n\r\n");
  std::string h = head(p, loc("/"), "");
  EXPECT_NE(h.find("X-Forwarded-For: 1.1.1.1\r\n"), std::string::npos);
  EXPECT_EQ(h.find("X-Real-IP"), std::string::npos);
}

TEST(RequestHead, HostPassedOrRewritten) {
  Parsed p("GET / HTTP/1.1\r\nHost: Client.Test:8080\r\n\r\n");
  conf::LocationConfig l = loc("/");
  EXPECT_NE(head(p, l).find("\r\nHost: app\r\n"), std::string::npos);
  l.proxy.pass_host = true;
  EXPECT_NE(head(p, l).find("\r\nHost: Client.Test:8080\r\n"), std::string::npos);
  l.proxy.pass_host = false;
  l.proxy.proxy_host = "backend.internal";
  EXPECT_NE(head(p, l).find("\r\nHost: backend.internal\r\n"), std::string::npos);
}

TEST(RequestHead, SetHeaderOverridesAddsAndRemoves) {
  Parsed p("GET /p?q=1 HTTP/1.1\r\nHost: h.test\r\nX-Custom: old\r\nUser-Agent: ua\r\n\r\n");
  conf::LocationConfig l = loc("/");
  l.proxy.set_header = {{"X-Custom", "new-$host"},
                        {"X-Real-IP", ""},
                        {"X-Key", "$request_method $request_uri $args $http_user_agent $scheme"},
                        {"Host", "$proxy_host:81"}};
  std::string h = head(p, l);
  EXPECT_EQ(h,
            "GET /p?q=1 HTTP/1.1\r\nHost: app:81\r\nUser-Agent: ua\r\nX-Forwarded-For: 192.0.2.7\r\n"
            "X-Forwarded-Proto: http\r\nX-Custom: new-h.test\r\nX-Key: GET /p?q=1 q=1 ua http\r\n\r\n");
}

TEST(RequestHead, ViaIsAppended) {
  Parsed p("GET / HTTP/1.1\r\nHost: h\r\nVia: 1.0 fred\r\n\r\n");
  conf::LocationConfig l = loc("/");
  EXPECT_EQ(head(p, l).find("Via"), std::string::npos);  // off: the client's Via is not passed either
  l.proxy.via = true;
  EXPECT_NE(head(p, l).find("Via: 1.0 fred, 1.1 sluice\r\n"), std::string::npos);
}

TEST(RequestHead, FramingIsOurs) {
  Parsed cl("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  std::string h = head(cl, loc("/"), "", BodyFraming::kLength, 5, false);
  EXPECT_NE(h.find("\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"), std::string::npos) << h;
  EXPECT_EQ(h.find("Expect"), std::string::npos);
  Parsed ch("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
  h = head(ch, loc("/"), "", BodyFraming::kChunked);
  EXPECT_NE(h.find("\r\nTransfer-Encoding: chunked\r\n\r\n"), std::string::npos) << h;
  EXPECT_EQ(h.find("Transfer-Encoding: chunked\r\nTransfer"), std::string::npos);
}

TEST(RequestHead, WebSocketUpgradeIsForwardedOnlyWhenTunnelling) {
  Parsed p("GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_TRUE(wants_websocket(p.req()));
  std::string plain = head(p, loc("/"));
  EXPECT_EQ(plain.find("Upgrade"), std::string::npos);
  EXPECT_NE(plain.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), std::string::npos);
  RequestHeadInput in{p.req(), loc("/"), "", "http"};
  in.upgrade = true;
  std::string up = build_request_head(in);
  EXPECT_NE(up.find("\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n"), std::string::npos) << up;
  Parsed post("POST /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n");
  EXPECT_FALSE(wants_websocket(post.req()));
}

TEST(ResponseFields, HopByHopFramingDateServerAndHiddenFieldsGo) {
  UpstreamFields f = {{"Server", "nginx"},       {"Date", "x"},           {"Content-Length", "5"},
                      {"Transfer-Encoding", "chunked"}, {"Connection", "close, X-Hop"}, {"X-Hop", "1"},
                      {"Keep-Alive", "timeout=5"}, {"Content-Type", "text/plain"}, {"X-Powered-By", "php"},
                      {"Set-Cookie", "a=1"},     {"Set-Cookie", "b=2"}};
  conf::LocationConfig c = loc("/");
  c.proxy.hide_header = {"x-powered-by"};
  http::HeaderList out = client_fields(f, 1, c, false);
  http::HeaderList want = {{"Content-Type", "text/plain"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
  EXPECT_EQ(out, want);
  c.proxy.via = true;
  out = client_fields({{"Via", "1.1 origin"}}, 0, c, false);
  EXPECT_EQ(out, (http::HeaderList{{"Via", "1.1 origin, 1.0 sluice"}}));
}

TEST(ResponseFields, SwitchingProtocolsKeepsUpgrade) {
  UpstreamFields f = {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", "abc"}};
  http::HeaderList out = client_fields(f, 1, loc("/"), true);
  http::HeaderList want = {{"Sec-WebSocket-Accept", "abc"}, {"Upgrade", "websocket"}, {"Connection", "upgrade"}};
  EXPECT_EQ(out, want);
}

TEST(ResponseFields, RedirectsToTheUpstreamAreRewrittenLikeNginx) {
  conf::LocationConfig plain = loc("/");
  plain.proxy.proxy_host = "10.0.0.9:8080";
  EXPECT_EQ(rewrite_redirect("http://10.0.0.9:8080/upload/a.bin", plain), "/upload/a.bin");
  EXPECT_EQ(rewrite_redirect("http://other/x", plain), "http://other/x");
  EXPECT_EQ(rewrite_redirect("/relative", plain), "/relative");
  conf::LocationConfig mapped = loc("/one/", "/two/");
  EXPECT_EQ(rewrite_redirect("http://app/two/some/uri/", mapped), "/one/some/uri/");
  mapped.proxy.redirect = false;
  EXPECT_EQ(rewrite_redirect("http://app/two/some/uri/", mapped), "http://app/two/some/uri/");
  http::HeaderList out = client_fields({{"Location", "http://app/two/x"}, {"Refresh", "3; url=http://app/two/y"}}, 1,
                                       loc("/one/", "/two/"), false);
  EXPECT_EQ(out, (http::HeaderList{{"Location", "/one/x"}, {"Refresh", "3; url=/one/y"}}));
}

TEST(Vars, ExpandAndForwardedFor) {
  Parsed p("GET /a/b?c=d HTTP/1.1\r\nHost: Ex.Test\r\nX-Forwarded-For: 10.0.0.1\r\nX-Api-Key: k\r\n\r\n");
  VarContext v{p.req(), "192.0.2.7", "https", "up"};
  EXPECT_EQ(expand("$scheme://$host$uri?$args $remote_addr $proxy_host $http_x_api_key [$http_none] $$", v),
            "https://ex.test/a/b?c=d 192.0.2.7 up k [] $$");
  EXPECT_EQ(variable("proxy_add_x_forwarded_for", v), "10.0.0.1, 192.0.2.7");
}

}  // namespace
}  // namespace sluice::proxy

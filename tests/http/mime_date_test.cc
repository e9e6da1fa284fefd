#include <gtest/gtest.h>

#include "http/conditional.h"
#include "http/date_cache.h"
#include "http/mime.h"

namespace sluice::http {
namespace {

TEST(Mime, CommonTypes) {
  EXPECT_TRUE(mime_table_is_sorted());
  EXPECT_TRUE(mime_lookups_agree());
  EXPECT_EQ(mime_type_for_path("/site.webmanifest"), "application/manifest+json");  // 11 letters
  EXPECT_EQ(mime_type_for_path("/F.WOFF2"), "font/woff2");
  EXPECT_EQ(mime_type_for_extension(std::string_view("js\0", 3)), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_extension("jsx"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_extension("j"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_extension("abcdefghi"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_path("/index.html"), "text/html");
  EXPECT_EQ(mime_type_for_path("/a/style.css"), "text/css");
  EXPECT_EQ(mime_type_for_path("/app.min.js"), "application/javascript");
  EXPECT_EQ(mime_type_for_path("/d.json"), "application/json");
  EXPECT_EQ(mime_type_for_path("/i.png"), "image/png");
  EXPECT_EQ(mime_type_for_path("/i.jpg"), "image/jpeg");
  EXPECT_EQ(mime_type_for_path("/i.jpeg"), "image/jpeg");
  EXPECT_EQ(mime_type_for_path("/i.gif"), "image/gif");
  EXPECT_EQ(mime_type_for_path("/i.svg"), "image/svg+xml");
  EXPECT_EQ(mime_type_for_path("/favicon.ico"), "image/x-icon");
  EXPECT_EQ(mime_type_for_path("/i.webp"), "image/webp");
  EXPECT_EQ(mime_type_for_path("/i.avif"), "image/avif");
  EXPECT_EQ(mime_type_for_path("/f.woff"), "font/woff");
  EXPECT_EQ(mime_type_for_path("/f.woff2"), "font/woff2");
  EXPECT_EQ(mime_type_for_path("/r.txt"), "text/plain");
  EXPECT_EQ(mime_type_for_path("/r.xml"), "text/xml");
  EXPECT_EQ(mime_type_for_path("/r.pdf"), "application/pdf");
  EXPECT_EQ(mime_type_for_path("/v.mp4"), "video/mp4");
  EXPECT_EQ(mime_type_for_path("/v.webm"), "video/webm");
  EXPECT_EQ(mime_type_for_path("/m.wasm"), "application/wasm");
  EXPECT_EQ(mime_type_for_path("/z.zip"), "application/zip");
  EXPECT_EQ(mime_type_for_path("/z.tar.gz"), "application/gzip");
}

TEST(Mime, CaseInsensitiveAndDefaults) {
  EXPECT_EQ(mime_type_for_path("/INDEX.HTML"), "text/html");
  EXPECT_EQ(mime_type_for_extension("PnG"), "image/png");
  EXPECT_EQ(mime_type_for_path("/noext"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_path("/.bashrc"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_path("/dir.html/file"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_path("/x.unknownext"), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_path("/x."), kDefaultMimeType);
  EXPECT_EQ(mime_type_for_extension(std::string(100, 'a')), kDefaultMimeType);
}

// RFC 9110 5.6.7.
TEST(HttpDate, FormatsImfFixdateAndParsesAllThreeForms) {
  EXPECT_EQ(format_http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 UTC"));
  EXPECT_FALSE(parse_http_date("Sun, 6 Nov 1994 08:49:37 GMT"));
  EXPECT_FALSE(parse_http_date("garbage"));
  EXPECT_FALSE(parse_http_date(""));
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMTx"));
  EXPECT_FALSE(parse_http_date("Sun, 36 Nov 1994 08:49:37 GMT"));
}

TEST(DateCache, UpdatesOncePerSecond) {
  DateCache d(784111777);
  EXPECT_EQ(d.http_date(), "Sun, 06 Nov 1994 08:49:37 GMT");
  d.update(784111778);
  EXPECT_EQ(d.http_date(), "Sun, 06 Nov 1994 08:49:38 GMT");
  EXPECT_EQ(d.seconds(), 784111778);
  EXPECT_EQ(d.log_time().size(), std::string("06/Nov/1994:08:49:38 +0000").size());
}

TEST(ETag, NginxStyleAndComparison) {
  EXPECT_EQ(make_etag(0x5f5e1000, 0x1234), "\"5f5e1000-1234\"");
  EXPECT_TRUE(etag_list_matches("\"a\"", "\"a\"", false));
  EXPECT_TRUE(etag_list_matches("W/\"a\"", "\"a\"", true));
  EXPECT_FALSE(etag_list_matches("W/\"a\"", "\"a\"", false));  // strong comparison
  EXPECT_TRUE(etag_list_matches("\"x\", \"a\"", "\"a\"", true));
  EXPECT_TRUE(etag_list_matches("\"x,y\",\"a\"", "\"a\"", true));
  EXPECT_TRUE(etag_list_matches(" * ", "\"a\"", true));
  EXPECT_FALSE(etag_list_matches("\"b\"", "\"a\"", true));
  EXPECT_FALSE(etag_list_matches("a", "\"a\"", true));  // unquoted: malformed
}

}  // namespace
}  // namespace sluice::http

// The static module's test fixture: a temporary tree served by a real session over the fake
// transport (tests/http/harness.h).
#pragma once
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "http/conditional.h"
#include "http/date_cache.h"
#include "modules/modules.h"
#include "modules/static/static_handler.h"
#include "tests/http/harness.h"

namespace sluice::testing {

namespace fs = std::filesystem;
constexpr int64_t kMtime = 784111000;

class StaticTest : public ::testing::Test {
 protected:
  // The static module of `mods` (its file cache).
  static modules::StaticModule& static_module(const http::ModuleRegistry& mods) {
    return *static_cast<modules::StaticModule*>(mods.modules()[0].get());
  }

  void SetUp() override {
    char tmpl[] = "/tmp/sluice-static-XXXXXX";
    ASSERT_TRUE(mkdtemp(tmpl));
    dir_ = tmpl;
    www_ = dir_ + "/www";
    fs::create_directories(www_ + "/dir");
    fs::create_directories(www_ + "/sub");
    fs::create_directories(www_ + "/auto/sub dir");
    write("index.html", "<h1>home</h1>\n");
    write("a.txt", "hello static\n");
    write("sub/index.html", "sub index\n");
    write("404.html", "custom not found\n");
    write("auto/b.txt", "b");
    write("auto/<x>&\"y\".txt", "x");
    write("auto/.hidden", "h");
    write(std::string("../secret.txt"), "outside root\n");
    digits_.clear();
    for (int i = 0; i < 100; ++i) digits_ += "0123456789";
    write("digits.txt", digits_);
    write("six.bin", std::string(600, 's'));
    write("g.txt", "plain text, uncompressed\n");
    write("g.txt.gz", "GZDATA");
    write("only.txt.gz", "ONLYGZ");
    fs::create_directories(www_ + "/app/dir");
    write("app/index.html", "app shell\n");
    write("app/real.txt", "real file\n");
    write("app/dir/index.html", "dir index\n");
    fs::create_symlink("/etc", www_ + "/escape");
    fs::create_symlink(dir_ + "/secret.txt", www_ + "/secret-link");
    fs::create_symlink("a.txt", www_ + "/inlink");
    big_.resize(5 * 1024 * 1024 + 123);
    std::mt19937 rng(7);
    for (char& c : big_) c = char(rng());
    write("big.bin", big_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& rel, const std::string& content) {
    std::string p = www_ + "/" + rel;
    std::ofstream(p, std::ios::binary) << content;
    timespec ts[2] = {{kMtime, 0}, {kMtime, 0}};
    ::utimensat(AT_FDCWD, p.c_str(), ts, AT_SYMLINK_NOFOLLOW);
  }

  std::shared_ptr<conf::Config> config() {
    auto c = std::make_shared<conf::Config>();
    conf::ServerConfig s;
    s.listen = {*transport::Address::parse("127.0.0.1:8080")};
    s.server_name = {"example.test"};
    s.access_log = "off";
    auto root = location("/");
    root.root = www_;
    root.error_page[404] = "/404.html";
    auto autoidx = location("/auto/");
    autoidx.root = www_;
    autoidx.autoindex = true;
    auto alias = location("/static/");
    alias.alias = www_ + "/";
    alias.expires = Duration::seconds(3600);
    auto allow = location("/allow/");
    allow.alias = www_;
    allow.allow_symlinks = true;
    auto cc = location("/cc/");
    cc.alias = www_;
    cc.cache_control = "public, max-age=60";
    auto plain = location("/plain/");
    plain.alias = www_;
    auto gz = location("/gz/");
    gz.alias = www_;
    gz.gzip_static = true;
    auto app = location("/app/");
    app.root = www_;
    app.try_files = {"$uri", "$uri/", "/app/index.html"};
    auto code = location("/code/");
    code.root = www_;
    code.try_files = {"$uri", "=403"};
    auto loop = location("/loop/");
    loop.root = www_;
    loop.try_files = {"$uri", "/loop/missing"};
    auto fb = location("/fb/");
    fb.root = www_;
    fb.try_files = {"/nowhere$uri", "/a.txt?x=1"};
    s.locations = {root, autoidx, alias, allow, cc, plain, gz, app, code, loop, fb};
    c->servers.push_back(s);
    return c;
  }

  ParsedResponse get(Harness& h, const std::string& target, const std::string& extra = "",
                     const std::string& method = "GET") {
    auto c = h.connect();
    h.send(*c, method + " " + target + " HTTP/1.1\r\nHost: example.test\r\n" + extra + "\r\n");
    return parse_one(c->take(), method == "HEAD");
  }

  std::string dir_, www_, big_, digits_;
};

}  // namespace sluice::testing

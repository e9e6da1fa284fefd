#include "modules/static/static_handler.h"

#include <sys/stat.h>

#include <cstdlib>

#include "http/accept_encoding.h"
#include "http/path.h"
#include "modules/static/autoindex.h"

namespace sluice::modules {

using http::Exchange;
using http::Method;
using http::Response;

namespace {

// "$uri" in a try_files element becomes the request's path.
std::string expand_uri(std::string_view item, const std::string& path) {
  std::string out;
  for (size_t i = 0; i < item.size();) {
    if (item.substr(i, 4) == "$uri") {
      out += path;
      i += 4;
    } else {
      out += item[i++];
    }
  }
  return out;
}

}  // namespace

StaticHandler::StaticHandler(const conf::LocationConfig& loc, std::string base, bool is_alias,
                             FileCache& cache)
    : loc_(loc), base_(std::move(base)), is_alias_(is_alias), cache_(cache) {}

// The path relative to base_. For alias, the location prefix is cut off; what is left is still
// resolved under the alias directory only (nginx would append it to the alias text).
std::string StaticHandler::relative_path(const std::string& path) const {
  std::string_view rel = path;
  if (is_alias_ && loc_.match == conf::MatchKind::kPrefix && rel.substr(0, loc_.path.size()) == loc_.path) {
    rel.remove_prefix(loc_.path.size());
  } else if (is_alias_ && loc_.match == conf::MatchKind::kExact) {
    rel = {};
  }
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return std::string(rel);
}

// The resolved path, and the symlink policy it was opened under (it decides what may be opened).
std::string StaticHandler::cache_key(const std::string& rel) const {
  std::string key;
  key.reserve(2 + base_.size() + rel.size());  // one allocation per request, not one per append
  key += loc_.allow_symlinks ? 'L' : 'B';
  key += base_;
  key += '/';
  key += rel;
  return key;
}

void StaticHandler::handle(Exchange& ex) {
  // RFC 9110 15.5.6: 405 lists the allowed methods.
  if (ex.method() != Method::kGet && ex.method() != Method::kHead) {
    ex.respond_error(405, {{"Allow", "GET, HEAD"}});
    return;
  }
  if (!loc_.try_files.empty() && !ex.is_error_page()) {
    serve_try_files(ex);
    return;
  }
  serve_path(ex, ex.path());
}

OpenResult StaticHandler::open_rel(const std::string& rel, Instant now, Kind* kind, FileRep* rep,
                                   OpenedFile* dir) {
  std::string key = cache_key(rel);
  if (const CachedFile* c = cache_.find_fresh(key, now)) {
    *kind = Kind::kFile;
    *rep = FileRep{c->mtime, c->id.size, c->content, nullptr, false, c->etag, c->last_modified};
    return OpenResult::kOk;
  }
  OpenedFile f;
  OpenResult r = open_under(base_, rel, loc_.allow_symlinks, &f);
  if (r != OpenResult::kOk || !S_ISREG(f.st.st_mode)) cache_.drop(key);
  if (r != OpenResult::kOk) return r;
  if (S_ISDIR(f.st.st_mode)) {
    *kind = Kind::kDirectory;
    dir->st = f.st;
    dir->fd = f.release();
    return r;
  }
  if (!S_ISREG(f.st.st_mode)) {
    *kind = Kind::kSpecial;
    return r;
  }
  *kind = Kind::kFile;
  const CachedFile* c = cache_.enabled() ? cache_.load(key, f.fd, f.st, now) : nullptr;
  if (c) {
    *rep = FileRep{c->mtime, c->id.size, c->content, nullptr, false, c->etag, c->last_modified};
  } else {
    *rep = FileRep{int64_t(f.st.st_mtime), uint64_t(f.st.st_size), {},
                   std::make_shared<const http::OpenFile>(f.release()), false, {}, {}};
  }
  return r;
}

void StaticHandler::serve_path(Exchange& ex, const std::string& path) {
  std::string rel = relative_path(path);
  bool dir_syntax = !path.empty() && path.back() == '/';
  if (!dir_syntax && try_gzip(ex, rel, path)) return;
  Kind kind;
  FileRep rep;
  OpenedFile dir;
  OpenResult r = open_rel(rel, ex.now(), &kind, &rep, &dir);
  if (r != OpenResult::kOk) {
    fail(ex, r);
    return;
  }
  switch (kind) {
    case Kind::kDirectory: serve_directory(ex, dir, path, rel); return;
    case Kind::kSpecial: ex.respond_error(404); return;  // devices, sockets, FIFOs are never served
    case Kind::kFile:
      if (dir_syntax) {
        ex.respond_error(404);  // "file/" names a directory that is not there
        return;
      }
      respond(ex, rep, path);
      return;
  }
}

// nginx's try_files: the first element that exists is served; the last is the fallback.
void StaticHandler::serve_try_files(Exchange& ex) {
  const std::vector<std::string>& items = loc_.try_files;
  for (size_t i = 0; i + 1 < items.size(); ++i) {
    std::string path = expand_uri(items[i], ex.path());
    if (exists(ex, path)) {
      serve_path(ex, path);
      return;
    }
  }
  const std::string& last = items.back();
  if (last[0] == '=') {
    ex.respond_error(std::atoi(last.c_str() + 1));  // validated 200..599 by conf/
    return;
  }
  std::string target = expand_uri(last, ex.path());
  ex.internal_redirect(target.substr(0, target.find('?')));
}

// "x/" must be a directory, anything else a regular file.
bool StaticHandler::exists(Exchange& ex, const std::string& path) {
  bool want_dir = !path.empty() && path.back() == '/';
  Kind kind;
  FileRep rep;
  OpenedFile dir;
  if (open_rel(relative_path(path), ex.now(), &kind, &rep, &dir) != OpenResult::kOk) return false;
  return want_dir ? kind == Kind::kDirectory : kind == Kind::kFile;
}

// nginx's gzip_static: FILE.gz instead of FILE when the client takes gzip.
bool StaticHandler::try_gzip(Exchange& ex, const std::string& rel, std::string_view name) {
  const http::Request& req = ex.request();
  if (!loc_.gzip_static || !req.has_header("Accept-Encoding") ||
      !http::accepts_coding(req.header("Accept-Encoding"), "gzip"))
    return false;
  Kind kind;
  FileRep rep;
  OpenedFile dir;
  if (open_rel(rel + ".gz", ex.now(), &kind, &rep, &dir) != OpenResult::kOk || kind != Kind::kFile)
    return false;
  rep.gzip = true;
  respond(ex, rep, name);
  return true;
}

// `path` is the URI being served (try_files may have chosen "$uri/" for the request's path).
void StaticHandler::serve_directory(Exchange& ex, OpenedFile& dir, const std::string& path,
                                    const std::string& rel) {
  if (path.back() != '/') {
    // RFC 9110 15.4.2: the directory lives at path + "/".
    std::string location = http::percent_encode_path(path + "/");
    if (!ex.request().parsed.query.empty() && !ex.is_error_page()) {
      location += '?';
      location += ex.request().parsed.query;
    }
    ex.respond_error(301, {{"Location", location}});
    return;
  }
  for (const std::string& index : loc_.index) {
    std::string index_rel = rel.empty() ? index : rel + (rel.back() == '/' ? "" : "/") + index;
    if (try_gzip(ex, index_rel, index)) return;
    Kind kind;
    FileRep rep;
    OpenedFile sub;
    OpenResult r = open_rel(index_rel, ex.now(), &kind, &rep, &sub);
    if (r == OpenResult::kOk && kind == Kind::kFile) {
      respond(ex, rep, index);
      return;
    }
    if (r != OpenResult::kOk && r != OpenResult::kNotFound) {
      fail(ex, r);
      return;
    }
  }
  if (!loc_.autoindex) {
    ex.respond_error(403);  // nginx: directory index of "..." is forbidden
    return;
  }
  auto entries = read_directory(dir.fd);
  if (!entries) {
    ex.respond_error(403);
    return;
  }
  Response resp;
  resp.add("Content-Type", "text/html");
  resp.body = http::MemoryBody::of(render_autoindex(path, std::move(*entries)));
  ex.respond(std::move(resp));
}

void StaticHandler::respond(Exchange& ex, const FileRep& rep, std::string_view name) {
  respond_with_file(ex, rep, name, loc_, ++responses_);
}

void StaticHandler::fail(Exchange& ex, OpenResult r) {
  switch (r) {
    case OpenResult::kNotFound: ex.respond_error(404); return;
    case OpenResult::kForbidden: ex.respond_error(403); return;
    case OpenResult::kNameTooLong: ex.respond_error(414); return;
    default: ex.respond_error(500); return;
  }
}

StaticModule::StaticModule(http::BufferAllocator& alloc)
    : cache_(std::make_unique<FileCache>(alloc, conf::FileCacheConfig{})) {}

std::unique_ptr<http::ContentHandler> StaticModule::make_handler(const http::LocationScope& scope,
                                                                 std::string* err) const {
  const conf::LocationConfig& loc = scope.location;
  if (!loc.root && !loc.alias) return nullptr;
  if (loc.root && loc.alias) {
    *err = "both root and alias";
    return nullptr;
  }
  std::string base = loc.root ? *loc.root : *loc.alias;
  if (!base.empty() && base[0] != '/' && !scope.config.base_dir.empty())
    base = scope.config.base_dir + "/" + base;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (base.empty()) {
    *err = "empty root";
    return nullptr;
  }
  cache_->configure(scope.config.file_cache);  // this snapshot's limits (idempotent per location)
  return std::make_unique<StaticHandler>(loc, std::move(base), loc.alias.has_value(), *cache_);
}

}  // namespace sluice::modules

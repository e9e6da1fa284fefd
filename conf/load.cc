// Parse with toml++, then hand each section to its loader (sections.h), then the rules that span
// sections. The first syntax error ends loading; everything after parsing collects all errors.
#include "conf/load.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "conf/reader.h"
#include "conf/sections.h"

namespace sluice::conf {

std::string Error::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message;
}

namespace {

using detail::Diagnostics;
using detail::LoadContext;
using detail::TableReader;

constexpr off_t kMaxFileSize = 16 * 1024 * 1024;

// Reads one [section] table with `load` if the file has it.
template <typename Load>
void load_section(TableReader& top, std::string_view name, Load&& load) {
  const toml::table* table = top.read_table(name);
  if (!table) return;
  TableReader r(*table, std::string(name), top.diag());
  load(r);
  r.check_unknown_keys();
}

void load_servers(TableReader& top, const LoadContext& ctx, Config& config) {
  const toml::array* servers = top.read_table_array("server");
  if (!servers || servers->empty()) {
    if (!top.get("server") || servers)  // absent or empty; a wrong type was reported by read_table_array
      ctx.diag.error(detail::Pos{}, "no [[server]]: at least one server with a listen address and a location is required");
    return;
  }
  for (size_t i = 0; i < servers->size(); ++i) {
    TableReader r(*servers->get(i)->as_table(), "server[" + std::to_string(i) + "]", ctx.diag);
    ServerConfig server;
    detail::load_server(r, ctx, config, server);
    r.check_unknown_keys();
    config.servers.push_back(std::move(server));
  }
}

// backend = "dpdk" (the default) needs [dpdk] with an address for the stack to own.
void check_backend(TableReader& top, const Config& config) {
  if (config.network.backend != Backend::kDpdk) return;
  const toml::node* dpdk = top.get("dpdk");
  if (dpdk && dpdk->is_table()) {
    if (!dpdk->as_table()->contains("address"))
      top.diag().error(detail::pos_of(*dpdk), "dpdk.address: missing; backend = \"dpdk\" needs the stack's own "
                                              "address and prefix length, such as address = \"198.18.0.2/24\"");
    return;
  }
  if (dpdk) return;  // not a table: already reported
  const toml::node* backend = top.table().at_path("network.backend").node();
  if (backend && !(backend->is_string() && backend->as_string()->get() == "dpdk")) return;  // reported
  std::string message = backend ? "network.backend is \"dpdk\"" : "network.backend is \"dpdk\" by default";
  message += ", which needs a [dpdk] table with the stack's address (address = \"198.18.0.2/24\"); "
             "set backend = \"kernel\" under [network] to use kernel sockets instead";
  top.diag().error(backend ? detail::pos_of(*backend) : detail::Pos{}, message);
}

// Log and pid paths, whether from the file or defaults, become absolute ("stderr" and "off" stay).
void resolve_runtime_paths(const LoadContext& ctx, Config& config) {
  auto resolve = [&](std::string& path) {
    if (path != "stderr" && path != "off") path = detail::resolve_path(ctx.base_dir, path);
  };
  resolve(config.process.pid_file);
  resolve(config.process.error_log);
  for (ServerConfig& server : config.servers) resolve(server.access_log);
}

void load_root(TableReader& top, const LoadContext& ctx, Config& config) {
  load_section(top, "process", [&](TableReader& r) { detail::load_process(r, ctx, config.process); });
  load_section(top, "network", [&](TableReader& r) { detail::load_network(r, config.network); });
  load_section(top, "dpdk", [&](TableReader& r) { detail::load_dpdk(r, config.dpdk); });
  load_section(top, "tcp", [&](TableReader& r) { detail::load_tcp(r, config.tcp); });
  load_section(top, "http", [&](TableReader& r) { detail::load_http(r, config.http); });
  load_section(top, "file_cache", [&](TableReader& r) { detail::load_file_cache(r, config.file_cache); });
  check_backend(top, config);
  detail::load_upstreams(top, config.upstreams);
  load_servers(top, ctx, config);
  detail::check_proxy_targets(ctx.diag, config);
  detail::check_tls_listeners(ctx.diag, config);
  top.check_unknown_keys();
  resolve_runtime_paths(ctx, config);
}

LoadResult load_text(std::string_view text, const std::string& path_for_messages, const std::string& base_dir,
                     const std::string& config_path) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(path_for_messages));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    LoadResult result;
    result.errors.push_back(
        Error{path_for_messages, int(at.line), int(at.column), "TOML syntax error: " + std::string(e.description())});
    return result;
  }
  auto config = std::make_unique<Config>();
  config->path = config_path;
  config->base_dir = std::filesystem::absolute(base_dir).lexically_normal().string();
  Diagnostics diag(path_for_messages);
  LoadContext ctx{diag, config->base_dir, detail::count_available_cpus(), wall_clock_seconds()};
  TableReader top(root, "", diag);
  load_root(top, ctx, *config);
  LoadResult result;
  if (diag.has_errors())
    result.errors = diag.take_sorted();
  else
    result.config = std::move(config);
  return result;
}

LoadResult file_error(const std::string& path, const std::string& message) {
  LoadResult result;
  result.errors.push_back(Error{path, 0, 0, message});
  return result;
}

// Reads the whole file into `text`; on failure returns a message saying why.
std::string read_file(const std::string& path, std::string& text) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("cannot open: ") + std::strerror(errno);
  struct stat st {};
  std::string error;
  if (::fstat(fd, &st) != 0)
    error = std::string("cannot stat: ") + std::strerror(errno);
  else if (S_ISDIR(st.st_mode))
    error = "is a directory, not a configuration file";
  else if (st.st_size > kMaxFileSize)
    error = "is larger than 16 MiB; that is not a configuration file";
  char buf[65536];
  while (error.empty()) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = std::string("cannot read: ") + std::strerror(errno);
    if (n <= 0) break;
    text.append(buf, size_t(n));
    if (text.size() > size_t(kMaxFileSize)) error = "is larger than 16 MiB; that is not a configuration file";
  }
  ::close(fd);
  return error;
}

}  // namespace

LoadResult load_string(std::string_view toml, const std::string& path_for_messages, const std::string& base_dir) {
  return load_text(toml, path_for_messages, base_dir, path_for_messages);
}

LoadResult load_file(const std::string& path) {
  std::string text;
  if (std::string error = read_file(path, text); !error.empty()) return file_error(path, error);
  std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  return load_text(text, path, absolute.parent_path().string(), absolute.string());
}

std::optional<std::string> pid_file_path(const std::string& path, std::string* err) {
  std::string text;
  if (std::string error = read_file(path, text); !error.empty()) {
    *err = path + ": " + error;
    return std::nullopt;
  }
  std::string pid_file = ProcessConfig{}.pid_file;
  try {
    toml::table root = toml::parse(text, std::string_view(path));
    if (auto v = root["process"]["pid_file"].value<std::string>()) pid_file = *v;
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    *err = path + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) +
           ": TOML syntax error: " + std::string(e.description());
    return std::nullopt;
  }
  std::filesystem::path absolute = std::filesystem::absolute(path).lexically_normal();
  return detail::resolve_path(absolute.parent_path().string(), pid_file);
}

}  // namespace sluice::conf

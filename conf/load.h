// Loading the configuration: TOML text in, a validated immutable Config (or every error) out.
//
//   auto r = sluice::conf::load_file("/etc/sluice/sluice.toml");
//   if (!r.ok()) { for (auto& e : r.errors) fprintf(stderr, "%s\n", e.to_string().c_str()); }
//   else use(*r.config);
//
// All errors are collected (unknown keys, wrong types, out-of-range values, cross-field rules), not
// just the first; a TOML syntax error stops loading and is the only error reported. Errors come out
// sorted by position. Relative paths in the file (pid_file, error_log, access_log, root, alias) come
// out absolute, resolved against the directory of the file. Nothing outside conf/ sees TOML.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.h"

namespace sluice::conf {

struct Error {
  std::string file;
  int line = 0;  // 1-based; 0 when the error has no position (e.g. the file cannot be read)
  int col = 0;   // 1-based
  std::string message;
  // "FILE:LINE:COL: message", or "FILE: message" when there is no position.
  std::string to_string() const;
};

struct LoadResult {
  std::unique_ptr<const Config> config;  // set only when there are no errors
  std::vector<Error> errors;
  bool ok() const { return config != nullptr && errors.empty(); }
};

// Reads, parses and validates the file. Config::path is the file's absolute path; messages name the
// file as `path` was given.
LoadResult load_file(const std::string& path);

// Only [process] pid_file (default included, made absolute), read leniently: for `sluice -s`,
// which must reach a running master even while the file on disk has errors of other kinds.
// nullopt with `err` when the file cannot be read or is not TOML at all.
std::optional<std::string> pid_file_path(const std::string& path, std::string* err);

// Parses and validates `toml`. Messages name `path_for_messages`; relative paths resolve against
// `base_dir` (made absolute against the working directory if it is relative), which becomes
// Config::base_dir.
LoadResult load_string(std::string_view toml, const std::string& path_for_messages, const std::string& base_dir);

}  // namespace sluice::conf

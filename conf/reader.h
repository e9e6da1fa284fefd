// Internal to conf/ (include only from conf/*.cc): typed, position-aware reading of toml++ tables.
//
// A TableReader wraps one TOML table. Each read_* call names a key the section supports; the
// reader remembers every name asked for, so check_unknown_keys() can report the rest as unknown,
// with the closest supported name as a suggestion. Reads never throw: a bad value is reported to
// Diagnostics at its own line and column, and the output is left at its default.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "conf/load.h"
#include "core/time.h"

namespace sluice::conf::detail {

struct Pos {
  int line = 1;
  int col = 1;
};
Pos pos_of(const toml::node& node);
Pos pos_of(const toml::key& key);

// Collects errors for one file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}
  void error(Pos at, std::string message);
  bool has_errors() const { return !errors_.empty(); }
  // How many errors so far: a rule between keys runs only if reading them added none.
  size_t count() const { return errors_.size(); }
  // The errors sorted by position (stable, so errors at one spot keep their order).
  std::vector<Error> take_sorted();
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<Error> errors_;
};

// What a value is, for the "got ..." part of messages: `string "two"`, `integer -3`, `a table`.
std::string describe(const toml::node& node);

// Single values. `name` is the dotted key for messages ("dpdk.mtu", "server[0].listen[1]").
// Each returns nullopt after reporting when the value has the wrong type or is out of range.
std::optional<int64_t> to_int(const toml::node& node, const std::string& name, int64_t lo, int64_t hi,
                              Diagnostics& diag);
std::optional<bool> to_bool(const toml::node& node, const std::string& name, Diagnostics& diag);
// A non-empty string without control characters.
std::optional<std::string> to_string(const toml::node& node, const std::string& name, Diagnostics& diag);
std::optional<Duration> to_duration(const toml::node& node, const std::string& name, Duration lo, Duration hi,
                                    Diagnostics& diag);
std::optional<uint64_t> to_size(const toml::node& node, const std::string& name, uint64_t lo, uint64_t hi,
                                Diagnostics& diag);

class TableReader {
 public:
  // `name` is the table's dotted name ("" for the document root, "process", "server[0]").
  TableReader(const toml::table& table, std::string name, Diagnostics& diag);

  const toml::table& table() const { return table_; }
  Diagnostics& diag() const { return diag_; }
  Pos pos() const { return pos_of(table_); }
  // The table's own dotted name ("server[0].location[1]").
  const std::string& table_name() const { return name_; }
  // "process.workers" for key "workers".
  std::string name(std::string_view key) const;

  // Marks `key` supported and returns its node, or nullptr when the file does not set it.
  const toml::node* get(std::string_view key);

  // Each read_* leaves `out` alone when the key is absent or invalid, and returns whether it set it.
  bool read_bool(std::string_view key, bool& out);
  bool read_string(std::string_view key, std::string& out);
  bool read_string(std::string_view key, std::optional<std::string>& out);
  // An array of strings (each non-empty); an empty array only when `allow_empty`.
  bool read_strings(std::string_view key, std::vector<std::string>& out, bool allow_empty = true);
  bool read_duration(std::string_view key, Duration& out, Duration lo, Duration hi);
  bool read_duration(std::string_view key, std::optional<Duration>& out, Duration lo, Duration hi);

  template <typename T>
  bool read_int(std::string_view key, T& out, int64_t lo, int64_t hi) {
    const toml::node* node = get(key);
    if (!node) return false;
    auto v = to_int(*node, name(key), lo, hi, diag_);
    if (v) out = T(*v);
    return v.has_value();
  }

  template <typename T>
  bool read_size(std::string_view key, T& out, uint64_t lo, uint64_t hi) {
    const toml::node* node = get(key);
    if (!node) return false;
    auto v = to_size(*node, name(key), lo, hi, diag_);
    if (v) out = T(*v);
    return v.has_value();
  }

  // One of a fixed set of strings, e.g. {{"cubic", kCubic}, {"newreno", kNewReno}}.
  template <typename E>
  bool read_choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> choices) {
    const toml::node* node = get(key);
    if (!node) return false;
    std::vector<std::string_view> names;
    for (const auto& [text, value] : choices) {
      names.push_back(text);
      if (node->is_string() && node->as_string()->get() == text) {
        out = value;
        return true;
      }
    }
    report_choice(*node, key, names);
    return false;
  }

  // A sub-table, or nullptr when absent or (reported) not a table.
  const toml::table* read_table(std::string_view key);
  // An array of tables ([[key]]), or nullptr when absent or (reported) something else.
  const toml::array* read_table_array(std::string_view key);

  // Reports every key in the table that no get/read call asked for.
  void check_unknown_keys();

 private:
  void report_choice(const toml::node& node, std::string_view key, const std::vector<std::string_view>& names);

  const toml::table& table_;
  std::string name_;
  Diagnostics& diag_;
  std::vector<std::string> supported_;
};

}  // namespace sluice::conf::detail

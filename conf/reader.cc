#include "conf/reader.h"

#include <algorithm>
#include <sstream>

#include "conf/suggest.h"
#include "conf/units.h"

namespace sluice::conf::detail {

Pos pos_of(const toml::node& node) {
  const auto& begin = node.source().begin;
  if (!begin) return Pos{};
  return Pos{int(begin.line), int(begin.column)};
}

Pos pos_of(const toml::key& key) {
  const auto& begin = key.source().begin;
  if (!begin) return Pos{};
  return Pos{int(begin.line), int(begin.column)};
}

void Diagnostics::error(Pos at, std::string message) {
  errors_.push_back(Error{file_, at.line, at.col, std::move(message)});
}

std::vector<Error> Diagnostics::take_sorted() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return std::pair(a.line, a.col) < std::pair(b.line, b.col);
  });
  return std::move(errors_);
}

namespace {

// A string as it would be written in TOML, shortened so one bad value cannot flood a message.
std::string quoted(std::string_view s) {
  constexpr size_t kMax = 60;
  std::string out = "\"";
  for (char c : s.substr(0, kMax)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (s.size() > kMax) out += "...";
  return out + "\"";
}

bool has_control_chars(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

std::string range_text(int64_t lo, int64_t hi) { return std::to_string(lo) + ".." + std::to_string(hi); }

}  // namespace

std::string describe(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "string " + quoted(node.as_string()->get());
    case toml::node_type::integer: return "integer " + std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point: {
      std::ostringstream out;
      out << node.as_floating_point()->get();
      return "float " + out.str();
    }
    case toml::node_type::boolean: return node.as_boolean()->get() ? "boolean true" : "boolean false";
    case toml::node_type::array: return node.as_array()->empty() ? "an empty array" : "an array";
    case toml::node_type::table: return "a table";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

std::optional<int64_t> to_int(const toml::node& node, const std::string& name, int64_t lo, int64_t hi,
                              Diagnostics& diag) {
  if (!node.is_integer()) {
    diag.error(pos_of(node), name + ": expected an integer in " + range_text(lo, hi) + ", got " + describe(node));
    return std::nullopt;
  }
  int64_t v = node.as_integer()->get();
  if (v < lo || v > hi) {
    diag.error(pos_of(node), name + ": " + std::to_string(v) + " is out of range; expected an integer in " +
                                 range_text(lo, hi));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> to_bool(const toml::node& node, const std::string& name, Diagnostics& diag) {
  if (!node.is_boolean()) {
    diag.error(pos_of(node), name + ": expected true or false, got " + describe(node));
    return std::nullopt;
  }
  return node.as_boolean()->get();
}

std::optional<std::string> to_string(const toml::node& node, const std::string& name, Diagnostics& diag) {
  if (!node.is_string()) {
    diag.error(pos_of(node), name + ": expected a string, got " + describe(node));
    return std::nullopt;
  }
  const std::string& s = node.as_string()->get();
  if (s.empty()) {
    diag.error(pos_of(node), name + ": expected a non-empty string");
    return std::nullopt;
  }
  if (has_control_chars(s)) {
    diag.error(pos_of(node), name + ": control characters (tab, newline, ...) are not allowed in " + quoted(s));
    return std::nullopt;
  }
  return s;
}

std::optional<Duration> to_duration(const toml::node& node, const std::string& name, Duration lo, Duration hi,
                                    Diagnostics& diag) {
  std::optional<Duration> d;
  if (node.is_integer()) {
    int64_t v = node.as_integer()->get();
    constexpr int64_t kMaxSeconds = INT64_MAX / 1000000;
    if (v >= 0 && v <= kMaxSeconds) d = Duration::seconds(v);
  } else if (node.is_string()) {
    d = parse_duration(node.as_string()->get());
  }
  const std::string range = format_duration(lo) + ".." + format_duration(hi);
  if (!d) {
    diag.error(pos_of(node), name + ": expected a duration in " + range +
                                 " such as \"500ms\", \"75s\", \"2m\", \"1h\" (units us, ms, s, m, h, d) or whole "
                                 "seconds, got " + describe(node));
    return std::nullopt;
  }
  if (*d < lo || *d > hi) {
    diag.error(pos_of(node), name + ": " + format_duration(*d) + " is out of range; expected a duration in " + range);
    return std::nullopt;
  }
  return d;
}

std::optional<uint64_t> to_size(const toml::node& node, const std::string& name, uint64_t lo, uint64_t hi,
                                Diagnostics& diag) {
  std::optional<uint64_t> v;
  if (node.is_integer()) {
    int64_t i = node.as_integer()->get();
    if (i >= 0) v = uint64_t(i);
  } else if (node.is_string()) {
    v = parse_size(node.as_string()->get());
  }
  const std::string range = format_size(lo) + ".." + format_size(hi);
  if (!v) {
    diag.error(pos_of(node), name + ": expected a size in " + range +
                                 " such as \"8k\", \"1m\", \"1g\" or a whole number of bytes, got " + describe(node));
    return std::nullopt;
  }
  if (*v < lo || *v > hi) {
    diag.error(pos_of(node), name + ": " + format_size(*v) + " is out of range; expected a size in " + range);
    return std::nullopt;
  }
  return v;
}

TableReader::TableReader(const toml::table& table, std::string name, Diagnostics& diag)
    : table_(table), name_(std::move(name)), diag_(diag) {}

std::string TableReader::name(std::string_view key) const {
  return name_.empty() ? std::string(key) : name_ + "." + std::string(key);
}

const toml::node* TableReader::get(std::string_view key) {
  if (std::find(supported_.begin(), supported_.end(), key) == supported_.end()) supported_.emplace_back(key);
  return table_.get(key);
}

bool TableReader::read_bool(std::string_view key, bool& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  auto v = to_bool(*node, name(key), diag_);
  if (v) out = *v;
  return v.has_value();
}

bool TableReader::read_string(std::string_view key, std::string& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  auto v = to_string(*node, name(key), diag_);
  if (v) out = std::move(*v);
  return v.has_value();
}

bool TableReader::read_string(std::string_view key, std::optional<std::string>& out) {
  std::string s;
  if (!read_string(key, s)) return false;
  out = std::move(s);
  return true;
}

bool TableReader::read_strings(std::string_view key, std::vector<std::string>& out, bool allow_empty) {
  const toml::node* node = get(key);
  if (!node) return false;
  const toml::array* array = node->as_array();
  if (!array) {
    diag_.error(pos_of(*node), name(key) + ": expected an array of strings such as [\"a\", \"b\"], got " + describe(*node));
    return false;
  }
  if (array->empty() && !allow_empty) {
    diag_.error(pos_of(*node), name(key) + ": expected at least one element");
    return false;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    auto v = to_string(*array->get(i), name(key) + "[" + std::to_string(i) + "]", diag_);
    if (v) values.push_back(std::move(*v));
    ok = ok && v.has_value();
  }
  if (ok) out = std::move(values);
  return ok;
}

bool TableReader::read_duration(std::string_view key, Duration& out, Duration lo, Duration hi) {
  const toml::node* node = get(key);
  if (!node) return false;
  auto v = to_duration(*node, name(key), lo, hi, diag_);
  if (v) out = *v;
  return v.has_value();
}

bool TableReader::read_duration(std::string_view key, std::optional<Duration>& out, Duration lo, Duration hi) {
  Duration d;
  if (!read_duration(key, d, lo, hi)) return false;
  out = d;
  return true;
}

const toml::table* TableReader::read_table(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  if (!node->is_table()) {
    diag_.error(pos_of(*node), name(key) + ": expected a table ([" + name(key) + "]), got " + describe(*node));
    return nullptr;
  }
  return node->as_table();
}

const toml::array* TableReader::read_table_array(std::string_view key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  const toml::array* array = node->as_array();
  if (!array || (!array->empty() && !array->is_array_of_tables())) {
    std::string message = name(key) + ": expected an array of tables ([[" + name(key) + "]]), got " +
                          (array ? std::string("an array of values") : describe(*node));
    if (node->is_table()) message += "; write [[" + name(key) + "]] with double brackets, once per entry";
    diag_.error(pos_of(*node), message);
    return nullptr;
  }
  return array;
}

void TableReader::report_choice(const toml::node& node, std::string_view key, const std::vector<std::string_view>& names) {
  std::string expected;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) expected += i + 1 == names.size() ? " or " : ", ";
    expected += quoted(names[i]);
  }
  std::string message = name(key) + ": expected " + expected + ", got " + describe(node);
  if (node.is_string())
    if (auto hint = suggest(node.as_string()->get(), names)) message += "; did you mean \"" + *hint + "\"?";
  diag_.error(pos_of(node), message);
}

void TableReader::check_unknown_keys() {
  std::vector<std::string_view> candidates(supported_.begin(), supported_.end());
  for (const auto& [key, node] : table_) {
    if (std::find(supported_.begin(), supported_.end(), key.str()) != supported_.end()) continue;
    std::string message = "unknown key `" + name(key.str()) + "`";
    if (node.is_table()) message = "unknown table `[" + name(key.str()) + "]`";
    if (node.is_array_of_tables()) message = "unknown table `[[" + name(key.str()) + "]]`";
    if (auto hint = suggest(key.str(), candidates)) message += "; did you mean `" + *hint + "`?";
    diag_.error(pos_of(key), message);
  }
}

}  // namespace sluice::conf::detail

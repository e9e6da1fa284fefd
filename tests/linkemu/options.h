// The command line of sluice-linkemu.
#pragma once
#include <cstdint>
#include <string>

#include "tests/linkemu/spec.h"

namespace sluice::linkemu {

struct Options {
  std::string a;  // interface A
  std::string b;  // interface B
  LinkSpec a2b;
  LinkSpec b2a;
  uint64_t seed = 1;
  double duration_s = 0;  // required, > 0
  bool disable_offloads = false;
  size_t max_in_flight = 65536;  // per direction
  bool help = false;
};

// Parses argv into `out`. Returns an error message, or empty on success.
std::string parse_options(int argc, char** argv, Options& out);

extern const char* const kUsage;

}  // namespace sluice::linkemu

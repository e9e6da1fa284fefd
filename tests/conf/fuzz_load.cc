// libFuzzer target for the configuration loader (built with -DSLUICE_FUZZ=ON and clang): any bytes
// must load or yield errors with positions, never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "conf/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sluice::conf::LoadResult r = sluice::conf::load_string(text, "fuzz.toml", "/nonexistent-sluice-fuzz");
  for (const auto& e : r.errors)
    if (e.message.empty()) __builtin_trap();  // every error says something
  return 0;
}

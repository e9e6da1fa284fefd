#include "stack/dpdk/eal.h"

#include <rte_eal.h>
#include <rte_errno.h>

#include <algorithm>

namespace sluice::stack {

bool init_eal(const std::vector<std::string>& args, std::string* err) {
  // EAL may keep pointers into argv, so the strings live as long as the process (as EAL does).
  static std::vector<std::string> storage;
  static bool initialised = false;
  if (initialised) {
    *err = "EAL already initialised";
    return false;
  }
  storage.clear();
  storage.push_back("sluice");
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  int rc = rte_eal_init(int(storage.size()), argv.data());
  if (rc < 0) {
    *err = std::string("rte_eal_init failed: ") + rte_strerror(rte_errno);
    return false;
  }
  initialised = true;
  return true;
}

bool has_lcore_option(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a == "-l" || a == "-c" || a.rfind("--lcores", 0) == 0 || a.rfind("-l", 0) == 0;
  });
}

}  // namespace sluice::stack

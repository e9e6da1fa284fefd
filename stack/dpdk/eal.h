// The DPDK Environment Abstraction Layer, started once per process before any port is opened.
#pragma once
#include <string>
#include <vector>

namespace sluice::stack {

// rte_eal_init with argv = {"sluice", args...} (e.g. [dpdk] eal_args). Once per process: a second
// call fails. False with *err set on failure; never aborts.
bool init_eal(const std::vector<std::string>& args, std::string* err);

// True when `args` already choose the EAL's lcores (-l, -c, --lcores); else callers add "-l 0".
bool has_lcore_option(const std::vector<std::string>& args);

}  // namespace sluice::stack

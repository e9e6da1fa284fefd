// The DPDK Environment Abstraction Layer, started once per process before any port is opened.
#pragma once
#include <string>
#include <vector>

namespace sluice::stack {

// rte_eal_init with argv = {"sluice", args...} (e.g. [dpdk] eal_args). Once per process: a second
// call fails. False with *err set on failure; never aborts.
bool init_eal(const std::vector<std::string>& args, std::string* err);

}  // namespace sluice::stack

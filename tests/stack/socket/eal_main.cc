// main() for the test executables that run whole stacks over net_ring: the EAL once per process
// (no hugepages, no PCI, one lcore); the ring ports are made on first use (relay.h).
#include <gtest/gtest.h>

#include <cstdio>

#include "stack/dpdk/eal.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string err;
  if (!sluice::stack::init_eal({"--no-huge", "--no-shconf", "--no-pci", "-m", "512", "-l", "0",
                                "--log-level=warning", "--no-telemetry"},
                               &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  return RUN_ALL_TESTS();
}

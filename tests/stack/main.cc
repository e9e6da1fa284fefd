// One EAL for every stack test: no hugepages, no PCI, two net_ring ports, a pool for test packets.
#include <gtest/gtest.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include <cstdio>

#include "stack/dpdk/eal.h"
#include "tests/stack/test_util.h"

namespace sluice::stack::test {
namespace {
rte_mempool* g_pool = nullptr;
}
rte_mempool* pool() { return g_pool; }
}  // namespace sluice::stack::test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::string err;
  if (!sluice::stack::init_eal({"--no-huge", "--no-shconf", "--no-pci", "-m", "512", "-l", "0",
                                "--vdev=net_ring0", "--vdev=net_ring1", "--log-level=warning"},
                               &err)) {
    std::fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  sluice::stack::test::g_pool =
      rte_pktmbuf_pool_create("stack_tests", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (sluice::stack::test::g_pool == nullptr) {
    std::fprintf(stderr, "test mempool creation failed\n");
    return 1;
  }
  return RUN_ALL_TESTS();
}

// Helpers shared by the stack tests: the test mempool, packets from bytes and back, a sink that
// keeps what is sent.
#pragma once
#include <gtest/gtest.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "stack/mbuf.h"
#include "stack/netif/frame_sink.h"

namespace sluice::stack::test {

// Created by main.cc after the EAL is up.
rte_mempool* pool();

inline Packet packet_of(std::span<const uint8_t> bytes) {
  Packet p = Packet::alloc(pool());
  EXPECT_TRUE(p);
  uint8_t* d = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(p.get(), uint16_t(bytes.size())));
  EXPECT_NE(d, nullptr);
  if (!bytes.empty()) std::memcpy(d, bytes.data(), bytes.size());
  return p;
}

inline std::vector<uint8_t> bytes_of(const Packet& p) {
  std::vector<uint8_t> out(p.pkt_len());
  if (out.empty()) return out;
  const void* d = rte_pktmbuf_read(p.get(), 0, p.pkt_len(), out.data());
  if (d != out.data()) std::memcpy(out.data(), d, out.size());
  return out;
}

// Fixture base: fails a test that leaks (or double-frees) mbufs from the test pool. Checked in the
// destructor, after the derived fixture's members (sinks, interfaces) are gone.
class PoolTest : public ::testing::Test {
 protected:
  PoolTest() : avail_(rte_mempool_avail_count(pool())) {}
  ~PoolTest() override { EXPECT_EQ(rte_mempool_avail_count(pool()), avail_) << "mbufs leaked"; }

 private:
  unsigned avail_;
};

class CaptureSink final : public FrameSink {
 public:
  void send_frame(Packet frame) override { frames.push_back(std::move(frame)); }
  std::vector<Packet> take() { return std::exchange(frames, {}); }
  std::vector<Packet> frames;
};

}  // namespace sluice::stack::test

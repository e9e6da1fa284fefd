// One DPDK ethdev port: N RX/TX queue pairs (one per worker), one mempool per queue, checksum
// offloads when the PMD has them, RSS across queues when it can. A thin layer: configuration and
// burst I/O, no protocol logic. Errors come back as strings; nothing aborts.
#pragma once
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.h"
#include "stack/netif/frame_sink.h"
#include "stack/wire/ethernet.h"

namespace sluice::stack {

struct PortOptions {
  uint16_t port_id = 0;
  uint16_t queues = 1;              // one RX/TX pair per worker
  uint16_t mtu = 1500;
  uint16_t rx_desc = 1024;
  uint16_t tx_desc = 1024;
  uint32_t mbufs_per_queue = 16383;
  std::vector<uint8_t> rss_key;     // empty: the PMD's default key; else must be hash_key_size long
  bool promiscuous = false;         // only our MAC and broadcast are wanted

  static PortOptions from(const conf::DpdkConfig& c, uint16_t workers) {
    PortOptions o;
    o.port_id = c.port;
    o.queues = workers;
    o.mtu = c.mtu;
    o.rx_desc = c.rx_desc;
    o.tx_desc = c.tx_desc;
    o.mbufs_per_queue = c.mbufs_per_worker;
    return o;
  }
};

class Port {
 public:
  // Configures, sets up the queues and pools, and starts the port. nullptr with *err on failure.
  static std::unique_ptr<Port> open(const PortOptions& opts, std::string* err);
  // Stops the port and frees its pools: every mbuf from them must have been freed by then.
  ~Port();
  Port(const Port&) = delete;
  Port& operator=(const Port&) = delete;

  uint16_t id() const { return id_; }
  uint16_t queues() const { return uint16_t(pools_.size()); }
  MacAddr mac() const { return mac_; }
  const Offloads& offloads() const { return offloads_; }
  // RSS over the queues (more than one queue and a PMD that hashes IPv4/TCP).
  bool rss() const { return rss_; }
  // The key in use when one was given (PortOptions::rss_key); empty: the PMD's default.
  const std::vector<uint8_t>& rss_key() const { return rss_key_; }
  rte_mempool* pool(uint16_t queue) const { return pools_[queue]; }
  // What was configured and what the PMD refused (driver, queues, offloads, RSS, MTU), for the log.
  const std::string& description() const { return description_; }
  // "Link up at 10 Gbps FDX Autoneg" / "Link down", read without waiting.
  std::string link_status() const;

  uint16_t rx_burst(uint16_t queue, rte_mbuf** out, uint16_t n) { return rte_eth_rx_burst(id_, queue, out, n); }

 private:
  explicit Port(uint16_t id) : id_(id) {}
  bool configure(const PortOptions& opts, std::string* err);
  void choose_offloads(const rte_eth_dev_info& info, rte_eth_conf& conf);
  bool choose_rss(const rte_eth_dev_info& info, const PortOptions& opts, rte_eth_conf& conf, std::string* err);
  bool setup_queues(const PortOptions& opts, uint16_t rx_desc, uint16_t tx_desc, std::string* err);
  void set_mtu(uint16_t mtu);
  void describe(const char* driver, const PortOptions& opts, uint16_t rxd, uint16_t txd);

  uint16_t id_;
  std::vector<rte_mempool*> pools_;
  MacAddr mac_;
  Offloads offloads_;
  bool rss_ = false;
  std::vector<uint8_t> rss_key_;
  bool started_ = false;
  std::string description_;
};

struct TxCounters {
  uint64_t frames = 0;   // taken by the NIC
  uint64_t bytes = 0;
  uint64_t dropped = 0;  // refused by the NIC (ring full) and freed
  uint64_t bursts = 0;
};

// A worker's TX queue: frames are buffered up to a burst and handed to the NIC together; what the
// NIC does not take is freed and counted (DPDK examples/l3fwd send_burst).
class TxQueue final : public FrameSink {
 public:
  static constexpr uint16_t kBurst = 32;
  TxQueue(uint16_t port_id, uint16_t queue) : port_(port_id), queue_(queue) {}
  ~TxQueue() override { flush(); }
  TxQueue(const TxQueue&) = delete;
  TxQueue& operator=(const TxQueue&) = delete;

  void send_frame(Packet frame) override;
  // Hands everything buffered to the NIC; the worker calls it once per loop iteration.
  void flush();
  uint16_t pending() const { return n_; }
  const TxCounters& counters() const { return counters_; }

 private:
  uint16_t port_;
  uint16_t queue_;
  std::array<rte_mbuf*, kBurst> buf_{};
  uint16_t n_ = 0;
  TxCounters counters_;
};

}  // namespace sluice::stack

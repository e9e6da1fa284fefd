#include "stack/dpdk/port.h"

#include <rte_errno.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstdio>

namespace sluice::stack {
namespace {

std::string errstr(const char* what, int rc) {
  return std::string(what) + ": " + rte_strerror(rc < 0 ? -rc : rc);
}

int socket_of(uint16_t port) {
  int s = rte_eth_dev_socket_id(port);
  return s < 0 ? int(SOCKET_ID_ANY) : s;
}

}  // namespace

std::unique_ptr<Port> Port::open(const PortOptions& opts, std::string* err) {
  if (!rte_eth_dev_is_valid_port(opts.port_id)) {
    *err = "no DPDK port " + std::to_string(opts.port_id) + " (" + std::to_string(rte_eth_dev_count_avail()) +
           " available)";
    return nullptr;
  }
  if (opts.queues == 0) {
    *err = "a port needs at least one queue";
    return nullptr;
  }
  std::unique_ptr<Port> p(new Port(opts.port_id));
  if (!p->configure(opts, err)) return nullptr;
  return p;
}

bool Port::configure(const PortOptions& opts, std::string* err) {
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id_, &info); rc != 0) {
    *err = errstr("rte_eth_dev_info_get", rc);
    return false;
  }
  if (opts.queues > info.max_rx_queues || opts.queues > info.max_tx_queues) {
    *err = "port " + std::to_string(id_) + " (" + info.driver_name + ") has " + std::to_string(info.max_rx_queues) +
           " RX / " + std::to_string(info.max_tx_queues) + " TX queues, " + std::to_string(opts.queues) + " needed";
    return false;
  }
  if (opts.mtu > info.max_mtu || opts.mtu < info.min_mtu) {
    *err = "MTU " + std::to_string(opts.mtu) + " outside the port's range " + std::to_string(info.min_mtu) + ".." +
           std::to_string(info.max_mtu);
    return false;
  }
  rte_eth_conf conf{};
  conf.rxmode.mtu = opts.mtu;
  choose_offloads(info, conf);
  if (!choose_rss(info, opts, conf, err)) return false;
  if (int rc = rte_eth_dev_configure(id_, opts.queues, opts.queues, &conf); rc != 0) {
    *err = errstr("rte_eth_dev_configure", rc);
    return false;
  }
  uint16_t rxd = opts.rx_desc, txd = opts.tx_desc;
  if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(id_, &rxd, &txd); rc != 0) {
    *err = errstr("rte_eth_dev_adjust_nb_rx_tx_desc", rc);
    return false;
  }
  if (!setup_queues(opts, rxd, txd, err)) return false;
  set_mtu(opts.mtu);
  // Unicast to our MAC and broadcast arrive without promiscuous mode on every PMD we use: a NIC
  // filters by its own MAC; net_af_packet binds to the interface whose MAC it reports; net_tap and
  // net_ring deliver every frame written to them. The interface filters again in software.
  int prc = opts.promiscuous ? rte_eth_promiscuous_enable(id_) : rte_eth_promiscuous_disable(id_);
  if (prc != 0 && prc != -ENOTSUP) description_ += " (promiscuous mode change failed: " + std::string(rte_strerror(-prc)) + ")";
  if (int rc = rte_eth_dev_start(id_); rc != 0) {
    *err = errstr("rte_eth_dev_start", rc);
    return false;
  }
  started_ = true;
  rte_ether_addr a{};
  rte_eth_macaddr_get(id_, &a);
  mac_ = MacAddr::from(a.addr_bytes);
  describe(info.driver_name, opts, rxd, txd);
  return true;
}

void Port::choose_offloads(const rte_eth_dev_info& info, rte_eth_conf& conf) {
  // Checksum offloads: used when the PMD has them; software otherwise (the interface is told).
  const uint64_t tx = info.tx_offload_capa, rx = info.rx_offload_capa;
  offloads_.tx_ipv4_checksum = tx & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
  offloads_.tx_tcp_checksum = tx & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
  offloads_.rx_ipv4_checksum = rx & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
  offloads_.rx_tcp_checksum = rx & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
  // Multi-segment TX lets TCP chain payload segments behind its header mbuf.
  conf.txmode.offloads = tx & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM |
                               RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
  conf.rxmode.offloads = rx & (RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
}

bool Port::choose_rss(const rte_eth_dev_info& info, const PortOptions& opts, rte_eth_conf& conf, std::string* err) {
  // RSS spreads TCP flows over the workers' queues by the 4-tuple hash; pointless for one queue.
  const uint64_t rss_hf = info.flow_type_rss_offloads & (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_IPV4);
  if (opts.queues <= 1 || !(rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP)) return true;
  conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
  conf.rx_adv_conf.rss_conf.rss_hf = rss_hf;
  if (!opts.rss_key.empty()) {
    if (opts.rss_key.size() != info.hash_key_size) {
      *err = "RSS key is " + std::to_string(opts.rss_key.size()) + " bytes; the port wants " +
             std::to_string(info.hash_key_size);
      return false;
    }
    rss_key_ = opts.rss_key;  // must outlive rte_eth_dev_configure
    conf.rx_adv_conf.rss_conf.rss_key = rss_key_.data();
    conf.rx_adv_conf.rss_conf.rss_key_len = uint8_t(rss_key_.size());
  }
  rss_ = true;
  return true;
}

bool Port::setup_queues(const PortOptions& opts, uint16_t rxd, uint16_t txd, std::string* err) {
  const int socket = socket_of(id_);
  for (uint16_t q = 0; q < opts.queues; q++) {
    // One pool per worker so allocation never crosses cores; the name carries port and worker.
    char name[RTE_MEMPOOL_NAMESIZE];
    std::snprintf(name, sizeof name, "sluice_p%u_w%u", id_, q);
    unsigned cache = std::min<unsigned>(256, opts.mbufs_per_queue / 2);
    rte_mempool* pool = rte_pktmbuf_pool_create(name, opts.mbufs_per_queue, cache, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
    if (pool == nullptr) {
      *err = std::string("rte_pktmbuf_pool_create ") + name + ": " + rte_strerror(rte_errno);
      return false;
    }
    pools_.push_back(pool);
    if (int rc = rte_eth_rx_queue_setup(id_, q, rxd, socket, nullptr, pool); rc != 0) {
      *err = errstr("rte_eth_rx_queue_setup", rc);
      return false;
    }
    if (int rc = rte_eth_tx_queue_setup(id_, q, txd, socket, nullptr); rc != 0) {
      *err = errstr("rte_eth_tx_queue_setup", rc);
      return false;
    }
  }
  return true;
}

void Port::describe(const char* driver, const PortOptions& opts, uint16_t rxd, uint16_t txd) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "port %u (%s) mac %s queues %u rxd %u txd %u mtu %u rss %s offloads tx[ip%s tcp%s] rx[ip%s tcp%s]",
                id_, driver, mac_.to_string().c_str(), opts.queues, rxd, txd, opts.mtu, rss_ ? "on" : "off",
                offloads_.tx_ipv4_checksum ? "+" : "-", offloads_.tx_tcp_checksum ? "+" : "-",
                offloads_.rx_ipv4_checksum ? "+" : "-", offloads_.rx_tcp_checksum ? "+" : "-");
  description_ = buf + description_;
}

void Port::set_mtu(uint16_t mtu) {
  int rc = rte_eth_dev_set_mtu(id_, mtu);
  // Virtual PMDs (net_ring) cannot change the MTU: tolerated, noted for the log.
  if (rc == -ENOTSUP) description_ += " (PMD cannot set the MTU; kept its own)";
  else if (rc != 0) description_ += " (MTU not set: " + std::string(rte_strerror(-rc)) + ")";
}

Port::~Port() {
  if (started_) rte_eth_dev_stop(id_);
  for (rte_mempool* p : pools_) rte_mempool_free(p);
}

std::string Port::link_status() const {
  rte_eth_link link{};
  if (rte_eth_link_get_nowait(id_, &link) != 0) return "link status unknown";
  if (link.link_status == RTE_ETH_LINK_DOWN) return "link down";
  char buf[96];
  std::snprintf(buf, sizeof buf, "link up at %s Mbps %s-duplex%s",
                link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? "unknown" : std::to_string(link.link_speed).c_str(),
                link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX ? "full" : "half",
                link.link_autoneg == RTE_ETH_LINK_AUTONEG ? " autoneg" : "");
  return buf;
}

void TxQueue::send_frame(Packet frame) {
  buf_[n_++] = frame.release();
  if (n_ == kBurst) flush();
}

void TxQueue::flush() {
  if (n_ == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < n_; i++) bytes += buf_[i]->pkt_len;
  uint16_t sent = rte_eth_tx_burst(port_, queue_, buf_.data(), n_);
  for (uint16_t i = sent; i < n_; i++) bytes -= buf_[i]->pkt_len;
  if (sent < n_) {
    rte_pktmbuf_free_bulk(buf_.data() + sent, n_ - sent);
    counters_.dropped += n_ - sent;
  }
  counters_.frames += sent;
  counters_.bytes += bytes;
  counters_.bursts++;
  n_ = 0;
}

}  // namespace sluice::stack

// The userspace stack backend: EAL and one port for the engine process, then per worker one
// StackTransport on its own RX/TX queue pair and mempool. Worker threads register with the EAL so
// the mempool caches are per-lcore.
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <pthread.h>
#include <sched.h>
#include <sys/random.h>

#include <algorithm>

#include "server/backend.h"
#include "server/dpdk_allocator.h"
#include "stack/dpdk/eal.h"
#include "stack/dpdk/port.h"
#include "stack/socket/stack_transport.h"

namespace sluice::server {
namespace {

std::array<uint64_t, 2> random_isn_key() {
  std::array<uint64_t, 2> key{};
  ssize_t n = getrandom(key.data(), sizeof key, 0);
  (void)n;
  return key;
}

class DpdkBackend final : public Backend {
 public:
  ~DpdkBackend() override { shutdown(); }

  bool init(const conf::Config& cfg, Logger& log, std::string* err) override {
    cfg_ = &cfg;
    std::vector<std::string> args = cfg.dpdk.eal_args;
    // Worker threads are ours (registered below); the EAL needs only its main lcore.
    if (!stack::has_lcore_option(args)) args.insert(args.begin(), {"-l", "0"});
    // The EAL pins this thread to its main lcore; workers created later would inherit that, so
    // the engine thread gets its original CPUs back (workers pin themselves from [process] cpus).
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    bool have_cpus = pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0;
    if (!stack::init_eal(args, err)) return false;
    eal_ = true;
    if (have_cpus) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
    unsigned workers = cfg.process.workers;
    port_ = stack::Port::open(stack::PortOptions::from(cfg.dpdk, uint16_t(workers)), err);
    if (!port_) return false;
    log.log(LogLevel::kNotice, "dpdk port %u: %s; %s", unsigned(port_->id()), port_->description().c_str(),
            port_->link_status().c_str());
    if (workers > 1 && !make_peer_rings(workers, err)) return false;
    if (workers > 1 && port_->rss()) read_rss(log);
    isn_key_ = random_isn_key();
    int socket = rte_eth_dev_socket_id(port_->id());
    allocator_ = std::make_unique<DpdkBufferAllocator>(socket >= 0 ? socket : SOCKET_ID_ANY);
    return true;
  }

  std::unique_ptr<transport::Transport> make_transport(unsigned worker, EventLoop& loop, Logger& log,
                                                       std::string* err) override {
    if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() != 0) {
      *err = std::string("rte_thread_register: ") + rte_strerror(rte_errno);
      return nullptr;
    }
    const conf::DpdkConfig& d = cfg_->dpdk;
    stack::StackOptions o;
    o.netif.mac = port_->mac();
    o.netif.address = d.address;
    o.netif.prefix_len = d.prefix_len;
    o.netif.gateway = d.gateway;
    o.netif.mtu = d.mtu;
    o.netif.offloads = port_->offloads();
    o.netif.pool = port_->pool(uint16_t(worker));
    o.tcp = stack::tcp::TcpParams::from_config(cfg_->tcp, d.mtu, isn_key_);
    o.port_id = port_->id();
    o.queue = uint16_t(worker);
    o.idle_sleep_us = d.idle_sleep_us;
    o.peer_rings = peer_rings_;
    o.steering = stack::Steering(uint16_t(cfg_->process.workers), uint16_t(worker), o.tcp.ephemeral_lo, o.tcp.ephemeral_hi);
    if (!rss_reta_.empty()) o.steering.set_rss(rss_key_, rss_reta_);
    return std::make_unique<stack::StackTransport>(loop, o);
  }

  bool busy_polls() const override { return true; }

  http::BufferAllocator& buffer_allocator(unsigned) override { return *allocator_; }

  std::string stats(const transport::Transport& t) const override {
    return static_cast<const stack::StackTransport&>(t).stats();
  }

  void shutdown() override {
    port_.reset();
    for (rte_ring* r : peer_rings_) {
      void* m;
      while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
      rte_ring_free(r);
    }
    peer_rings_.clear();
    if (eal_) rte_eal_cleanup();
    eal_ = false;
  }

 private:
  // RSS steering needs the key and redirection table the NIC really uses; without them the
  // workers fall back to port partitioning with ring forwarding (always correct, just slower).
  void read_rss(Logger& log) {
    uint8_t key[64] = {};
    rte_eth_rss_conf conf{};
    conf.rss_key = key;
    conf.rss_key_len = sizeof key;
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(port_->id(), &info) != 0 || info.reta_size == 0 ||
        rte_eth_dev_rss_hash_conf_get(port_->id(), &conf) != 0) {
      log.log(LogLevel::kNotice, "dpdk: RSS table not readable; active opens use port partitioning");
      return;
    }
    std::vector<rte_eth_rss_reta_entry64> groups((info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
    for (auto& g : groups) g.mask = ~0ull;
    if (rte_eth_dev_rss_reta_query(port_->id(), groups.data(), info.reta_size) != 0) {
      log.log(LogLevel::kNotice, "dpdk: RSS redirection table not readable; active opens use port partitioning");
      return;
    }
    rss_key_.assign(key, key + conf.rss_key_len);
    rss_reta_.resize(info.reta_size);
    for (uint16_t i = 0; i < info.reta_size; ++i)
      rss_reta_[i] = groups[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
  }

  bool make_peer_rings(unsigned workers, std::string* err) {
    for (unsigned w = 0; w < workers; ++w) {
      std::string name = "sluice_peer_" + std::to_string(w);
      rte_ring* r = rte_ring_create(name.c_str(), 1024, int(rte_socket_id()), RING_F_SC_DEQ);
      if (!r) {
        *err = "rte_ring_create(" + name + "): " + rte_strerror(rte_errno);
        return false;
      }
      peer_rings_.push_back(r);
    }
    return true;
  }

  const conf::Config* cfg_ = nullptr;
  bool eal_ = false;
  std::unique_ptr<stack::Port> port_;
  std::vector<rte_ring*> peer_rings_;
  std::vector<uint8_t> rss_key_;
  std::vector<uint16_t> rss_reta_;
  std::array<uint64_t, 2> isn_key_{};
  std::unique_ptr<DpdkBufferAllocator> allocator_;  // file-cache memory for every worker
};

}  // namespace

std::unique_ptr<Backend> make_dpdk_backend() { return std::make_unique<DpdkBackend>(); }

}  // namespace sluice::server

#include "bench/load/stack_env.h"

#include <pthread.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <sched.h>
#include <sys/random.h>

#include <algorithm>
#include <cstdio>

#include "conf/config.h"
#include "stack/dpdk/eal.h"
#include "stack/tcp/params.h"

namespace sluice::bench {
namespace {

// RFC 6528's secret, fixed for the life of the machine's boot (as Linux keys its ISNs and timestamp
// offsets): a later connection on the same 4-tuple then always carries a higher ISN and TSval than
// an earlier one, also from an earlier sluice-load run, so a server still holding that 4-tuple in
// TIME-WAIT accepts the new SYN (RFC 6191) instead of answering with an ACK for the old connection.
std::array<uint64_t, 2> boot_isn_key() {
  std::array<uint64_t, 2> key{0x736c7569636521ull, 0x6c6f6164ull};
  FILE* f = fopen("/proc/sys/kernel/random/boot_id", "r");
  if (f) {
    int c;
    while ((c = fgetc(f)) != EOF) {  // FNV-1a over the id, once into each half
      key[0] = (key[0] ^ uint64_t(c)) * 0x100000001b3ull;
      key[1] = (key[1] ^ uint64_t(c)) * 0x100000001b3ull + key[0];
    }
    fclose(f);
  } else {
    ssize_t n = getrandom(key.data(), sizeof key, 0);
    (void)n;
  }
  return key;
}

}  // namespace

std::unique_ptr<StackEnv> StackEnv::open(const LoadOptions& o, std::string* err) {
  std::unique_ptr<StackEnv> env(new StackEnv());
  env->opts_ = o;
  std::vector<std::string> args = o.eal_args;
  if (!stack::has_lcore_option(args)) args.insert(args.begin(), {"-l", "0"});
  // The EAL pins this thread to its main lcore; the workers should keep the CPUs we were given.
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  bool have_cpus = pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0;
  if (!stack::init_eal(args, err)) return nullptr;
  env->eal_ = true;
  if (have_cpus) pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);

  stack::PortOptions po;
  po.port_id = o.port_id;
  po.queues = uint16_t(o.threads);
  po.mtu = o.mtu;
  env->port_ = stack::Port::open(po, err);
  if (!env->port_) return nullptr;
  // Replies must come back to the worker that opened the connection (stack/socket/steering.h):
  // local ports chosen by the NIC's RSS hash when it can be read, else ports partitioned between
  // the workers and misdelivered frames handed over through the peer rings.
  if (o.threads > 1) {
    if (!env->make_peer_rings(err)) return nullptr;
    if (env->port_->rss()) env->read_rss();
  }
  env->description_ = env->port_->description() + "; " + env->port_->link_status();
  env->isn_key_ = boot_isn_key();
  return env;
}

StackEnv::~StackEnv() {
  for (rte_ring* r : peer_rings_) {
    void* m;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
  port_.reset();
  if (eal_) rte_eal_cleanup();
}

std::unique_ptr<stack::StackTransport> StackEnv::make_transport(unsigned worker, EventLoop& loop, std::string* err) {
  if (rte_lcore_id() == LCORE_ID_ANY && rte_thread_register() != 0) {
    *err = std::string("rte_thread_register: ") + rte_strerror(rte_errno);
    return nullptr;
  }
  stack::StackOptions so;
  so.netif.mac = port_->mac();
  so.netif.address = opts_.address;
  so.netif.prefix_len = opts_.prefix_len;
  so.netif.gateway = opts_.gateway;
  so.netif.mtu = opts_.mtu;
  so.netif.offloads = port_->offloads();
  so.netif.pool = port_->pool(uint16_t(worker));
  conf::TcpConfig tcp;  // the server's defaults; a client that closes second never holds TIME-WAIT
  so.tcp = stack::tcp::TcpParams::from_config(tcp, opts_.mtu, isn_key_);
  so.port_id = port_->id();
  so.queue = uint16_t(worker);
  so.idle_sleep_us = 0;  // a load generator busy-polls
  so.peer_rings = peer_rings_;
  so.steering = stack::Steering(uint16_t(opts_.threads), uint16_t(worker), so.tcp.ephemeral_lo, so.tcp.ephemeral_hi);
  if (!rss_reta_.empty()) so.steering.set_rss(rss_key_, rss_reta_);
  return std::make_unique<stack::StackTransport>(loop, so);
}

bool StackEnv::make_peer_rings(std::string* err) {
  for (unsigned w = 0; w < opts_.threads; ++w) {
    std::string name = "sluice_load_peer_" + std::to_string(w);
    rte_ring* r = rte_ring_create(name.c_str(), 1024, int(rte_socket_id()), RING_F_SC_DEQ);
    if (!r) {
      *err = "rte_ring_create(" + name + "): " + rte_strerror(rte_errno);
      return false;
    }
    peer_rings_.push_back(r);
  }
  return true;
}

// The key and redirection table the NIC really uses; unreadable: port partitioning instead.
void StackEnv::read_rss() {
  uint8_t key[64] = {};
  rte_eth_rss_conf conf{};
  conf.rss_key = key;
  conf.rss_key_len = sizeof key;
  rte_eth_dev_info info{};
  if (rte_eth_dev_info_get(port_->id(), &info) != 0 || info.reta_size == 0 ||
      rte_eth_dev_rss_hash_conf_get(port_->id(), &conf) != 0)
    return;
  std::vector<rte_eth_rss_reta_entry64> groups((info.reta_size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE);
  for (auto& g : groups) g.mask = ~0ull;
  if (rte_eth_dev_rss_reta_query(port_->id(), groups.data(), info.reta_size) != 0) return;
  rss_key_.assign(key, key + conf.rss_key_len);
  rss_reta_.resize(info.reta_size);
  for (uint16_t i = 0; i < info.reta_size; ++i)
    rss_reta_[i] = groups[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
}

}  // namespace sluice::bench

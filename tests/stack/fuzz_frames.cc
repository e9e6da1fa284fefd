// libFuzzer: arbitrary Ethernet frames into one whole stack instance (NetInterface -> IPv4/ARP/ICMP
// -> TcpGlue -> TcpLayer with a listener and an application that accepts, reads and answers).
// Input: a sequence of records [u16 length][u8 time step in ms][length bytes of frame]. Every
// frame is copied into an mbuf and received; what the stack sends goes to a sink that frees it.
// Afterwards every mbuf must be back in the pool (no leak, no double free), and ASan/UBSan watch
// every read.
#include <rte_mbuf.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stack/dpdk/eal.h"
#include "stack/netif/net_interface.h"
#include "stack/socket/tcp_glue.h"
#include "stack/tcp/layer.h"

namespace {

using namespace sluice;
using namespace sluice::stack;

rte_mempool* g_pool = nullptr;

class DropSink final : public FrameSink {
 public:
  void send_frame(Packet frame) override { frame.reset(); }
};

// Accepts everything, reads what arrives and writes a little back, closes on EOF.
class EchoApp final : public tcp::Events {
 public:
  tcp::TcpLayer* layer = nullptr;
  tcp::ListenerHandle listener;
  void on_accept_ready(tcp::ListenerHandle l) override {
    while (auto h = layer->accept(l)) on_readable(*h);
  }
  void on_readable(tcp::SocketHandle h) override {
    BufChain in;
    layer->recv(h, in);
    if (!in.empty()) {
      BufChain out;
      out.append(Slice::from_static("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
      layer->send(h, out);
    }
    if (layer->recv_eof(h)) layer->close(h);
  }
  void on_closed(tcp::SocketHandle h, transport::CloseReason) override { layer->release(h); }
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::string err;
  if (!init_eal({"--no-huge", "--no-shconf", "--no-pci", "-m", "256", "-l", "0", "--log-level=error",
                 "--no-telemetry"},
                &err)) {
    std::fprintf(stderr, "EAL: %s\n", err.c_str());
    std::abort();
  }
  g_pool = rte_pktmbuf_pool_create("fuzz", 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
  if (!g_pool) std::abort();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const unsigned before = rte_mempool_avail_count(g_pool);
  {
    DropSink sink;
    NetInterfaceConfig cfg;
    cfg.mac = MacAddr{{0x02, 0, 0, 0, 0, 2}};
    cfg.address = 0xc6120002;  // 198.18.0.2
    cfg.prefix_len = 24;
    cfg.gateway = 0xc6120001;
    cfg.pool = g_pool;
    NetInterface netif(cfg, sink);
    TcpGlue glue(netif, g_pool);
    EchoApp app;
    tcp::TcpParams params;
    params.time_wait = Duration::millis(100);
    tcp::TcpLayer layer(params, glue, app);
    app.layer = &layer;
    glue.set_layer(&layer);
    netif.set_handler(6, &glue);
    app.listener = *layer.listen(0, 80, 16);

    Instant now = Instant::from_micros(1'000'000);
    netif.start(now);
    size_t off = 0;
    while (off + 3 <= size) {
      size_t len = size_t(data[off]) << 8 | data[off + 1];
      now = now + Duration::millis(data[off + 2]);
      off += 3;
      len = std::min({len, size - off, size_t(RTE_MBUF_DEFAULT_DATAROOM)});
      Packet p = Packet::alloc(g_pool);
      if (!p) break;
      std::memcpy(rte_pktmbuf_append(p.get(), uint16_t(len)), data + off, len);
      off += len;
      glue.set_now(now);
      netif.receive(now, std::move(p));
      layer.poll(now);
      netif.poll(now);
    }
    // Let every timer run out so connections and ARP entries release what they hold.
    for (int i = 0; i < 40; ++i) {
      now = now + Duration::seconds(5);
      glue.set_now(now);
      layer.poll(now);
      netif.poll(now);
    }
  }
  if (rte_mempool_avail_count(g_pool) != before) {
    std::fprintf(stderr, "mbuf leak: %u before, %u after\n", before, rte_mempool_avail_count(g_pool));
    std::abort();
  }
  return 0;
}

// sluice-load: an HTTP/1.1 load generator on sluice's userspace TCP/IP stack (or Linux sockets
// with --kernel). Worker threads each own one transport and a share of the connections; they
// start together, run for --duration and report one merged result.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/load/load_worker.h"
#include "bench/load/options.h"
#include "bench/load/preflight.h"
#include "bench/load/stack_env.h"
#include "transport/kernel/kernel_transport.h"

namespace sluice::bench {
namespace {

std::atomic<bool> g_stop{false};  // set by SIGINT/SIGTERM; the workers read it once per loop pass

extern "C" void on_signal(int) { g_stop.store(true); }

struct Shared {
  const LoadOptions* opts = nullptr;
  StackEnv* env = nullptr;           // null with --kernel
  std::string request;
  std::atomic<unsigned> ready{0};
  std::atomic<unsigned> failed{0};
  std::atomic<int64_t> start_us{0};  // 0 until every worker is ready
};

struct WorkerResult {
  Stats stats;
  std::string error;
  std::string counters;
};

std::string build_request(const LoadOptions& o) {
  std::string r = "GET " + o.target.path + " HTTP/1.1\r\nHost: " + o.target.host + "\r\n";
  if (o.mode == ConnMode::kClose) r += "Connection: close\r\n";
  r += "User-Agent: sluice-load\r\n\r\n";
  return r;
}

// Worker i's share of n: as even as possible, the remainder to the first ones.
uint64_t share(uint64_t n, unsigned i, unsigned workers) { return n / workers + (i < n % workers ? 1 : 0); }

WorkerPlan plan_for(const LoadOptions& o, unsigned i, Instant start) {
  WorkerPlan p;
  p.target = transport::Address::ipv4(o.target.ip, o.target.port);
  p.mode = o.mode;
  p.connections = unsigned(share(o.connections, i, o.threads));
  p.rate = o.rate * double(p.connections) / double(o.connections);
  p.max_requests = o.max_requests ? std::max<uint64_t>(1, share(o.max_requests, i, o.threads)) : 0;
  p.timeout = o.timeout;
  p.start = start;
  p.record_from = start + o.warmup;
  p.end = p.record_from + o.duration;
  return p;
}

std::unique_ptr<transport::Transport> make_transport(Shared& sh, unsigned i, EventLoop& loop, std::string* err) {
  if (sh.env) {
    auto t = sh.env->make_transport(i, loop, err);
    return std::unique_ptr<transport::Transport>(t.release());
  }
  auto t = std::make_unique<transport::kernel::KernelTransport>(loop, i);
  if (!t->ok()) {
    *err = t->init_error();
    return nullptr;
  }
  return t;
}

void worker_main(Shared& sh, unsigned i, WorkerResult& out) {
  MonotonicClock clock;
  EventLoop loop(clock);
  auto t = make_transport(sh, i, loop, &out.error);
  const LoadOptions& o = *sh.opts;
  if (t && !preflight(loop, *t, transport::Address::ipv4(o.target.ip, o.target.port), o.timeout, &out.error)) t.reset();
  if (!t) sh.failed++;
  sh.ready++;
  // Until every worker is ready, keep polling: a sibling's frames may arrive on our queue.
  while (sh.start_us.load() == 0 && !g_stop.load()) {
    if (!t) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    loop.update_time();
    t->poll(Duration::millis(1));
    loop.run_due();
  }
  if (!t || sh.start_us.load() < 0 || g_stop.load()) return;
  {
    LoadWorker w(loop, *t, plan_for(*sh.opts, i, Instant::from_micros(sh.start_us.load())), sh.request);
    w.run(g_stop);
    out.stats = w.stats();
  }
  if (sh.env && sh.opts->stack_stats) out.counters = static_cast<stack::StackTransport&>(*t).stats();
}

int run(const LoadOptions& o) {
  std::unique_ptr<StackEnv> env;
  if (!o.kernel) {
    std::string err;
    env = StackEnv::open(o, &err);
    if (!env) {
      fprintf(stderr, "sluice-load: %s\n", err.c_str());
      return 1;
    }
  }
  Shared sh;
  sh.opts = &o;
  sh.env = env.get();
  sh.request = build_request(o);
  std::vector<WorkerResult> results(o.threads);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < o.threads; ++i) threads.emplace_back(worker_main, std::ref(sh), i, std::ref(results[i]));
  while (sh.ready.load() < o.threads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  MonotonicClock clock;
  // A short head start lets every worker see the start time before it passes.
  sh.start_us.store(sh.failed.load() ? -1 : (clock.now() + Duration::millis(5)).us);
  for (auto& th : threads) th.join();

  Stats total;
  int code = 0;
  for (unsigned i = 0; i < o.threads; ++i) {
    if (!results[i].error.empty()) {
      fprintf(stderr, "sluice-load: worker %u: %s\n", i, results[i].error.c_str());
      code = 1;
    }
    if (!results[i].counters.empty()) fprintf(stderr, "worker %u counters: %s\n", i, results[i].counters.c_str());
    total.merge(results[i].stats);
  }
  if (code != 0) return code;
  std::string what = std::string(o.kernel ? "kernel" : "dpdk") + " " + (o.mode == ConnMode::kClose ? "close" : "keepalive") +
                     " c=" + std::to_string(o.connections) + " t=" + std::to_string(o.threads) + " http://" +
                     o.target.host + o.target.path;
  std::string text = o.json ? format_json(total, what) : format_table(total, what);
  fputs(text.c_str(), stdout);
  fflush(stdout);
  return total.responses > 0 ? 0 : 1;
}

}  // namespace
}  // namespace sluice::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args) {
    if (a == "-h" || a == "--help") {
      fputs(sluice::bench::usage(), stdout);
      return 0;
    }
  }
  std::string err;
  auto opts = sluice::bench::parse_options(args, &err);
  if (!opts) {
    fprintf(stderr, "sluice-load: %s\n%s", err.c_str(), sluice::bench::usage());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = sluice::bench::on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  return sluice::bench::run(*opts);
}

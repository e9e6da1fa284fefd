// sluice-linkemu: a netem-like link emulator between two interfaces, for kernels without netem.
//
// Topology it serves (see README.md):
//
//   client netns            emulator netns                 server netns
//   [veth c0] <--------> [veth e0]  sluice-linkemu  [veth e1] <--------> [veth s0]
//   198.18.x.1/24             (no addresses)                          198.18.x.2/24
//
// Run inside the emulator namespace: `sluice-linkemu --a e0 --b e1 --both "loss=2%" --duration 30`.
// Offloads must be off on all four veths (ethtool -K DEV tso off gso off gro off tx off) so
// frames are MTU-sized and carry real checksums; --disable-offloads does it for e0 and e1.
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <string>

#include "tests/linkemu/options.h"
#include "tests/linkemu/packet_socket.h"
#include "tests/linkemu/relay.h"

extern char** environ;

namespace sluice::linkemu {
namespace {

volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

// Blocks SIGINT/SIGTERM (they are delivered only inside ppoll) and returns the mask to wait with.
sigset_t install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigset_t stop_signals, previous;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigprocmask(SIG_BLOCK, &stop_signals, &previous);
  sigdelset(&previous, SIGINT);
  sigdelset(&previous, SIGTERM);
  return previous;
}

// ethtool -K IFACE tso off gso off gro off lro off tx off rx off; false if ethtool failed.
bool disable_offloads(const std::string& iface) {
  const char* argv[] = {"ethtool", "-K", iface.c_str(), "tso", "off", "gso", "off", "gro", "off",
                        "lro", "off", "tx", "off", "rx", "off", nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "ethtool", nullptr, nullptr, const_cast<char**>(argv), environ) != 0) return false;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int run(const Options& opts) {
  if (opts.disable_offloads) {
    for (const std::string* iface : {&opts.a, &opts.b})
      if (!disable_offloads(*iface)) std::fprintf(stderr, "sluice-linkemu: ethtool -K %s failed\n", iface->c_str());
  }
  std::string err;
  auto a = PacketSocket::open(opts.a, err);
  auto b = a ? PacketSocket::open(opts.b, err) : std::nullopt;
  if (!a || !b) {
    std::fprintf(stderr, "sluice-linkemu: %s\n", err.c_str());
    return 1;
  }
  const sigset_t unblocked = install_signals();
  prctl(PR_SET_TIMERSLACK, 1UL);  // wake at the scheduled release, not up to 50 us later
  Relay relay(std::move(*a), std::move(*b), opts);
  const Instant start = monotonic_now();
  const Instant deadline = start + Duration::micros(static_cast<int64_t>(opts.duration_s * 1e6));
  std::fprintf(stderr, "sluice-linkemu: ready %s <-> %s seed=%" PRIu64 "\n  a2b: %s\n  b2a: %s\n",
               opts.a.c_str(), opts.b.c_str(), opts.seed, describe(opts.a2b).c_str(),
               describe(opts.b2a).c_str());
  relay.run(deadline, g_stop, unblocked);
  const double elapsed = static_cast<double>((monotonic_now() - start).us) / 1e6;
  std::printf("{\"seed\":%" PRIu64 ",\"elapsed_s\":%.3f,\"stopped_by\":\"%s\",%s}\n", opts.seed, elapsed,
              g_stop ? "signal" : "duration", relay.counters_json().c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace
}  // namespace sluice::linkemu

int main(int argc, char** argv) {
  sluice::linkemu::Options opts;
  const std::string err = sluice::linkemu::parse_options(argc, argv, opts);
  if (opts.help) {
    std::fputs(sluice::linkemu::kUsage, stdout);
    return 0;
  }
  if (!err.empty()) {
    std::fprintf(stderr, "sluice-linkemu: %s\n%s", err.c_str(), sluice::linkemu::kUsage);
    return 2;
  }
  return sluice::linkemu::run(opts);
}

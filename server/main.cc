// sluice: an HTTP server and reverse proxy on its own userspace TCP/IP stack.
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "conf/load.h"
#include "server/cli.h"
#include "server/master.h"
#include "server/pid_file.h"

namespace {

using sluice::server::Options;

int test_config(const std::string& path) {
  auto result = sluice::conf::load_file(path);
  if (!result.ok()) {
    for (const auto& e : result.errors) fprintf(stderr, "%s\n", e.to_string().c_str());
    fprintf(stderr, "sluice: configuration file %s test failed\n", path.c_str());
    return 1;
  }
  fprintf(stderr, "sluice: configuration file %s test is successful\n", path.c_str());
  return 0;
}

int send_signal(const Options& o) {
  std::string err;
  auto pid_file = sluice::conf::pid_file_path(o.config_path, &err);
  if (!pid_file) {
    fprintf(stderr, "sluice: %s\n", err.c_str());
    return 1;
  }
  pid_t pid = sluice::server::read_pid_file(*pid_file, &err);
  if (pid < 0) {
    fprintf(stderr, "sluice: %s\n", err.c_str());
    return 1;
  }
  int sig = o.signal_name == "reload" ? SIGHUP
          : o.signal_name == "quit"   ? SIGTERM
          : o.signal_name == "stop"   ? SIGQUIT
                                      : SIGUSR1;
  if (kill(pid, sig) != 0) {
    fprintf(stderr, "sluice: kill(%d): %s\n", int(pid), strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  std::string err;
  auto opts = sluice::server::parse_cli(args, &err);
  if (!opts) {
    fprintf(stderr, "sluice: %s\n%s", err.c_str(), sluice::server::usage());
    return 2;
  }
  switch (opts->action) {
    case Options::Action::kVersion: printf("sluice/%s\n", SLUICE_VERSION); return 0;
    case Options::Action::kHelp: printf("%s", sluice::server::usage()); return 0;
    case Options::Action::kTest: return test_config(opts->config_path);
    case Options::Action::kSignal: return send_signal(*opts);
    case Options::Action::kRun: return sluice::server::run_master(opts->config_path);
  }
  return 2;
}

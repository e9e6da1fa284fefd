// The master process: no data path. It validates the configuration, writes the pid file, forks the
// engine, restarts it with backoff if it crashes, and relays signals:
//   SIGHUP reload (validated here first: an invalid file is logged and the old one keeps serving),
//   SIGTERM/SIGINT graceful stop, SIGQUIT immediate stop, SIGUSR1 reopen logs.
#pragma once
#include <string>

namespace sluice::server {

// Runs until stopped; returns the process exit code.
int run_master(const std::string& config_path);

}  // namespace sluice::server

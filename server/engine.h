// The engine process: forked by the master, it owns the data path. It sets up the backend, runs one
// worker thread per core, reports readiness to the master through a pipe, and turns signals into
// worker commands: SIGHUP reload, SIGTERM/SIGINT graceful stop, SIGQUIT immediate stop, SIGUSR1 reopen.
#pragma once
#include <memory>
#include <string>

#include "conf/config.h"

namespace sluice::server {

// Runs the engine until it stops; returns the process exit code. `ready_fd` receives one line:
// "ok" once every worker serves, or the reason it could not start.
int run_engine(std::shared_ptr<const conf::Config> config, int ready_fd);

// Signals the engine handles (blocked in every thread, taken synchronously by the engine thread).
void block_control_signals();

}  // namespace sluice::server

#include "server/cli.h"

namespace sluice::server {

const char* usage() {
  return "usage: sluice [-c FILE] [-t] [-s reload|stop|quit|reopen] [-v] [-h]\n"
         "  -c FILE   configuration file (default: sluice.toml)\n"
         "  -t        test the configuration and exit (0 if valid, 1 with every error otherwise)\n"
         "  -s SIG    signal the running master (through its pid file):\n"
         "              reload  re-read the configuration (SIGHUP)\n"
         "              quit    graceful stop: finish in-flight requests, then exit (SIGTERM)\n"
         "              stop    immediate stop (SIGQUIT)\n"
         "              reopen  re-open log files (SIGUSR1)\n"
         "  -v        print the version and exit\n";
}

std::optional<Options> parse_cli(const std::vector<std::string>& args, std::string* err) {
  Options o;
  bool test = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* what) -> std::optional<std::string> {
      if (i + 1 >= args.size()) {
        *err = "option " + a + " needs " + what;
        return std::nullopt;
      }
      return args[++i];
    };
    if (a == "-c") {
      auto v = value("a file name");
      if (!v) return std::nullopt;
      o.config_path = *v;
    } else if (a == "-t") {
      test = true;
    } else if (a == "-s") {
      auto v = value("a signal name");
      if (!v) return std::nullopt;
      if (*v != "reload" && *v != "stop" && *v != "quit" && *v != "reopen") {
        *err = "invalid signal \"" + *v + "\": expected reload, stop, quit or reopen";
        return std::nullopt;
      }
      o.action = Options::Action::kSignal;
      o.signal_name = *v;
    } else if (a == "-v" || a == "-V" || a == "--version") {
      o.action = Options::Action::kVersion;
    } else if (a == "-h" || a == "-?" || a == "--help") {
      o.action = Options::Action::kHelp;
    } else {
      *err = "unknown option \"" + a + "\"";
      return std::nullopt;
    }
  }
  if (test) {
    if (o.action == Options::Action::kSignal) {
      *err = "-t and -s cannot be used together";
      return std::nullopt;
    }
    if (o.action == Options::Action::kRun) o.action = Options::Action::kTest;
  }
  return o;
}

}  // namespace sluice::server

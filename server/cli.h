// The command line, nginx-style: sluice -c FILE | -t -c FILE | -s SIGNAL -c FILE | -v | -h
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace sluice::server {

struct Options {
  enum class Action { kRun, kTest, kSignal, kVersion, kHelp } action = Action::kRun;
  std::string config_path = "sluice.toml";
  std::string signal_name;  // reload | stop | quit | reopen
};

// nullopt and `err` set when the arguments are wrong.
std::optional<Options> parse_cli(const std::vector<std::string>& args, std::string* err);
const char* usage();

}  // namespace sluice::server

// The master's pid file: written at start, read by `sluice -s`, removed at exit.
#pragma once
#include <string>
#include <sys/types.h>

namespace sluice::server {

// The pid recorded in `path`, or -1 (with `err`) when missing or malformed.
pid_t read_pid_file(const std::string& path, std::string* err);
// Writes our pid, refusing when the file names a live process. Creates the parent directory.
bool write_pid_file(const std::string& path, std::string* err);
void remove_pid_file(const std::string& path);
// mkdir -p of the directory holding `file_path`.
bool ensure_parent_dir(const std::string& file_path, std::string* err);

}  // namespace sluice::server

// Subcommands of the `iqnas` program. Each experiments/<name>_cmd.cpp defines one with
// IQNAS_COMMAND; main.cpp dispatches on the first argument.
#pragma once
#include <string>
#include <vector>

namespace iqnas::cli {

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;  // one line for `iqnas --help`
  CommandFn run;
};

std::vector<Command>& commands();

// Runs command `name` in-process (as `iqnas name args...`) and returns its exit status; for
// commands made of other commands (`run`, `experiment`). Errors propagate as exceptions.
int call_command(const std::string& name, const std::vector<std::string>& args);

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { commands().push_back(c); }
};

}  // namespace iqnas::cli

#define IQNAS_CONCAT_(a, b) a##b
#define IQNAS_CONCAT(a, b) IQNAS_CONCAT_(a, b)
#define IQNAS_COMMAND(name, summary, fn) \
  static ::iqnas::cli::CommandRegistrar IQNAS_CONCAT(iqnas_command_, __LINE__)({name, summary, fn})

// iqnas: hardware-constrained NAS by integer quadratic programming. `iqnas <command> --help`.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "experiments/args.h"
#include "experiments/command.h"

namespace iqnas::cli {
std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}
}  // namespace iqnas::cli

static void usage() {
  auto cmds = iqnas::cli::commands();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return std::string(a.name) < b.name; });
  std::printf("usage: iqnas <command> [options]   (iqnas <command> --help for its options)\n\ncommands:\n");
  for (const auto& c : cmds) std::printf("  %-10s %s\n", c.name, c.summary);
}

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto& c : iqnas::cli::commands()) {
    if (name != c.name) continue;
    try {
      return c.run(std::vector<std::string>(argv + 2, argv + argc));
    } catch (const iqnas::cli::UsageError& e) {
      std::fprintf(stderr, "iqnas %s: %s (see iqnas %s --help)\n", c.name, e.what(), c.name);
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "iqnas %s: error: %s\n", c.name, e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "iqnas: unknown command '%s'\n", name.c_str());
  usage();
  return 2;
}

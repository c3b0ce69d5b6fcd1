// iqnas: hardware-constrained NAS by integer quadratic programming. `iqnas <command> --help`.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "util/progress.h"

namespace iqnas::cli {
std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

int call_command(const std::string& name, const std::vector<std::string>& args) {
  for (const auto& c : commands())
    if (name == c.name) return c.run(args);
  throw std::logic_error("no command " + name);
}
}  // namespace iqnas::cli

static void usage() {
  auto cmds = iqnas::cli::commands();
  std::sort(cmds.begin(), cmds.end(),
            [](const auto& a, const auto& b) { return std::string(a.name) < b.name; });
  std::printf("usage: iqnas <command> [options]   (iqnas <command> --help for its options)\n\ncommands:\n");
  for (const auto& c : cmds) std::printf("  %-10s %s\n", c.name, c.summary);
}

// One command, as one of the ranks of a job started by mpirun (docs/distributed.md) or alone. Rank 0
// alone prints; a rank that fails ends the whole job at once (the others would wait for it in
// their next collective).
static int run_command(const iqnas::cli::Command& c, int argc, char** argv) {
  namespace dist = iqnas::dist;
  const int rank = dist::world().rank();
  if (rank != 0) {
    iqnas::set_progress_quiet(true);
    if (!std::freopen("/dev/null", "w", stdout)) std::fprintf(stderr, "iqnas: rank %d: cannot silence stdout\n", rank);
  }
  const std::string who = dist::mpi_active() ? "iqnas " + std::string(c.name) + " (rank " + std::to_string(rank) + ")"
                                             : "iqnas " + std::string(c.name);
  int rc = 0;
  try {
    rc = c.run(std::vector<std::string>(argv + 2, argv + argc));
  } catch (const iqnas::cli::UsageError& e) {
    std::fprintf(stderr, "%s: %s (see iqnas %s --help)\n", who.c_str(), e.what(), c.name);
    rc = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", who.c_str(), e.what());
    rc = 1;
  }
  if (rc != 0 && dist::mpi_active()) dist::abort_job(who + ": ending the job (exit status " + std::to_string(rc) + ")", rc);
  dist::finalize();
  return rc;
}

int main(int argc, char** argv) {
  iqnas::dist::init(&argc, &argv);
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage();
    iqnas::dist::finalize();
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const auto& c : iqnas::cli::commands()) {
    if (name == c.name) return run_command(c, argc, argv);
  }
  std::fprintf(stderr, "iqnas: unknown command '%s'\n", name.c_str());
  usage();
  iqnas::dist::finalize();
  return 2;
}

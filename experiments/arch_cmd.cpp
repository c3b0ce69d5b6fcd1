// `iqnas arch`: inspect search spaces and architectures: validate an architecture file, draw random
// ones, print the one-hot encoding and the timm arch_def for rebuilding the network in PyTorch.
#include <cstdio>
#include <fstream>

#include "experiments/args.h"
#include "experiments/command.h"
#include "supernet/sampler.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas arch --space NAME|FILE [--arch FILE|heaviest|smallest | --random N [--seed S] --out-prefix P]
                  [--timm] [--onehot]

  --space NAME|FILE   tiny, cifar, paper or a space JSON file; alone, prints the space as JSON
  --arch FILE         validate an architecture JSON (or name heaviest/smallest) and print it
  --random N          write N uniformly random architectures to P0.json .. P<N-1>.json
  --timm              print the timm arch_def (Python literal) of --arch
  --onehot            print the one-hot (alpha, beta) vector of --arch, variable order of docs/architecture.md
)";

int run_arch(const std::vector<std::string>& argv) {
  Args a(argv, {"space", "arch", "random", "seed", "out-prefix"}, {"timm", "onehot"});
  if (a.help()) {
    std::printf("%s", kHelp);
    return 0;
  }
  const SearchSpace s = find_space(a.str("space"));
  if (a.has("random")) {
    const int64_t n = a.integer("random", 1);
    if (n < 1) throw UsageError("--random must be >= 1");
    const std::string prefix = a.str("out-prefix");
    Rng rng(static_cast<uint64_t>(a.integer("seed", 0)));
    for (int64_t i = 0; i < n; ++i) {
      const std::string path = prefix + std::to_string(i) + ".json";
      std::ofstream f(path);
      f << arch_to_json(s, random_arch(s, rng)) << '\n';
      if (!f) throw std::runtime_error("cannot write " + path);
    }
    std::printf("wrote %lld architectures %s0.json ..\n", (long long)n, prefix.c_str());
    return 0;
  }
  if (!a.has("arch")) {
    std::printf("%s\n", space_to_json(s).c_str());
    return 0;
  }
  const std::string v = a.str("arch");
  const Architecture arch = v == "heaviest" ? heaviest_arch(s) : v == "smallest" ? smallest_arch(s) : load_arch(s, v);
  if (a.has("timm")) {
    std::printf("%s\n", timm_arch_def_python(s, arch).c_str());
  } else if (a.has("onehot")) {
    const OneHot h = encode_onehot(s, arch);
    for (float x : h.alpha) std::printf("%d", int(x));
    std::printf("\n");
    for (float x : h.beta) std::printf("%d", int(x));
    std::printf("\n");
  } else {
    std::printf("%s\n", arch_to_json(s, arch).c_str());
  }
  return 0;
}

}  // namespace
IQNAS_COMMAND("arch", "print, validate or draw architectures; one-hot and timm arch_def export", run_arch);
}  // namespace iqnas::cli

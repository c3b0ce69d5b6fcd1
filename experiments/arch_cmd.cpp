// `iqnas arch`: inspect search spaces and architectures: validate an architecture file, draw random
// ones, print the one-hot encoding and the timm arch_def for rebuilding the network in PyTorch.
#include <cstdio>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/output.h"
#include "supernet/sampler.h"
#include "util/atomic_file.h"

namespace iqnas::cli {
namespace {

const char* kHelp = R"(usage: iqnas arch --space NAME|FILE [--arch FILE|heaviest|smallest | --random N [--seed S] --out-prefix P]
                  [--timm] [--onehot] [--json] [--quiet]

  --space NAME|FILE   tiny, cifar, paper or a space JSON file; alone, prints the space as JSON
  --arch FILE         validate an architecture JSON (or name heaviest/smallest) and print it
  --random N          write N uniformly random architectures to P0.json .. P<N-1>.json
  --timm              print the timm arch_def (Python literal) of --arch
  --onehot            print the one-hot (alpha, beta) vector of --arch, variable order of docs/architecture.md
)";

std::string bits(const std::vector<float>& v) {
  std::string s;
  for (float x : v) s += x != 0.f ? '1' : '0';
  return s;
}

int run_arch(const std::vector<std::string>& argv) {
  Args a(argv, {"space", "arch", "random", "seed", "out-prefix"}, Output::flags({"timm", "onehot"}));
  if (a.help()) {
    std::printf("%s%s", kHelp, Output::kHelp);
    return 0;
  }
  const Output out(a);
  const SearchSpace s = find_space(a.str("space"));
  nlohmann::ordered_json doc;
  if (a.has("random")) {
    const int64_t n = a.integer("random", 1, 1, 1000000);
    const std::string prefix = a.str("out-prefix");
    Rng rng(static_cast<uint64_t>(a.integer("seed", 0, 0, int64_t(1) << 53)));
    doc["written"] = nlohmann::ordered_json::array();
    for (int64_t i = 0; i < n; ++i) doc["written"].push_back(prefix + std::to_string(i) + ".json");
    dist::write_by_rank0(dist::world(), "architectures", [&] {
      for (const auto& path : doc["written"])
        write_file_atomic(path.get<std::string>(), arch_to_json(s, random_arch(s, rng)) + "\n");
    });
    out.text("wrote %lld architectures %s0.json ..\n", (long long)n, prefix.c_str());
    out.result(doc);
    return 0;
  }
  // The result itself (a space, an architecture, its timm or one-hot form) is printed on stdout
  // whatever --quiet says; --json replaces it by one document holding every form.
  if (!a.has("arch")) {
    if (out.json()) {
      out.result({{"space", nlohmann::ordered_json::parse(space_to_json(s))}});
    } else {
      std::printf("%s\n", space_to_json(s).c_str());
    }
    return 0;
  }
  const std::string v = a.str("arch");
  const Architecture arch = v == "heaviest" ? heaviest_arch(s) : v == "smallest" ? smallest_arch(s) : load_arch(s, v);
  const OneHot h = encode_onehot(s, arch);
  if (out.json()) {
    doc["space"] = s.name;
    doc["arch"] = nlohmann::ordered_json::parse(arch_to_json(s, arch));
    doc["timm"] = timm_arch_def(s, arch);
    doc["onehot"] = {{"alpha", bits(h.alpha)}, {"beta", bits(h.beta)}};
    out.result(doc);
  } else if (a.has("timm")) {
    std::printf("%s\n", timm_arch_def_python(s, arch).c_str());
  } else if (a.has("onehot")) {
    std::printf("%s\n%s\n", bits(h.alpha).c_str(), bits(h.beta).c_str());
  } else {
    std::printf("%s\n", arch_to_json(s, arch).c_str());
  }
  return 0;
}

}  // namespace
IQNAS_COMMAND("arch", "print, validate or draw architectures; one-hot and timm arch_def export", run_arch);
}  // namespace iqnas::cli

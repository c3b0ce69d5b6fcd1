// The real data for tests and benchmarks (docs/data.md), read at run time: $IQNAS_DATA when set,
// else the build's default IQNAS_SHARED_DATA (../shared/data next to the source tree) when it
// exists, else the user's data folder that scripts/get-data.sh fills. Callers skip with a message
// naming the path when a file is absent.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "experiments/data_root.h"

namespace iqnas {

inline std::string data_root() {
  const char* env = std::getenv("IQNAS_DATA");
#ifdef IQNAS_SHARED_DATA
  if (!(env && *env) && std::filesystem::is_directory(IQNAS_SHARED_DATA)) return IQNAS_SHARED_DATA;
#endif
  return user_data_root();
}

// The CIFAR-10 JPEG tree (train/, test/): unpacked by scripts/get-data.sh into <data>/cifar10/jpg,
// or unpacked once from <data>/cifar10/cifar10-jpg.tar.gz into the cache by
// scripts/prepare-cifar10.sh. Empty when neither exists (or unpacking failed).
inline std::string cifar10_jpeg_tree() {
  const std::string root = data_root();
  if (std::filesystem::is_directory(root + "/cifar10/jpg/train")) return root + "/cifar10/jpg";
  if (!std::filesystem::exists(root + "/cifar10/cifar10-jpg.tar.gz")) return {};
#ifdef IQNAS_SOURCE_DIR
  const std::string cmd = std::string("bash '") + IQNAS_SOURCE_DIR + "/scripts/prepare-cifar10.sh' '" + root + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  if (!p) return {};
  char line[4096] = {0};
  std::string last;
  while (fgets(line, sizeof line, p.get())) last = line;
  while (!last.empty() && (last.back() == '\n' || last.back() == '\r')) last.pop_back();
  return last;
#else
  return {};
#endif
}

}  // namespace iqnas

// What the commands after training read from a run folder (docs/pipeline.md): its search space,
// the trained supernet, text files; with messages that say which stage makes a missing file.
#pragma once
#include <memory>
#include <string>

#include "supernet/supernet.h"

namespace iqnas::cli {

std::string require_file(const std::string& path, const std::string& how);  // UsageError when absent
std::string read_text(const std::string& path);                             // throws naming the path
SearchSpace load_run_space(const std::string& dir);                          // DIR/space.json
// The supernet of DIR/supernet.safetensors with the chosen weights ("ema" or "raw").
std::unique_ptr<Supernet> load_run_supernet(const std::string& dir, const SearchSpace& s, const std::string& weights);

}  // namespace iqnas::cli

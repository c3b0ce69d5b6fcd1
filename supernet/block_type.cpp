// The registry of block types and the batch-norm modes their elastic modules share.
#include "supernet/block_type.h"

#include <stdexcept>

#include "supernet/inverted_residual_type.h"
#include "util/choice.h"

namespace iqnas {

namespace {
// Every block type; a new one is one line here.
const std::vector<const BlockType*>& block_types() {
  static const std::vector<const BlockType*> types = {&inverted_residual_type()};
  return types;
}
}  // namespace

const BlockType& find_block_type(const std::string& name) {
  for (const BlockType* t : block_types())
    if (name == t->name()) return *t;
  std::string known;
  for (const BlockType* t : block_types()) known += (known.empty() ? "" : ", ") + std::string(t->name());
  throw std::invalid_argument("unknown block type '" + name + "' (known: " + known + ")");
}

std::vector<std::string> block_type_names() {
  std::vector<std::string> names;
  for (const BlockType* t : block_types()) names.push_back(t->name());
  return names;
}

namespace {
constexpr util::Choice<BnStats> kBnStats[] = {{"shared", BnStats::Shared}, {"private", BnStats::Private}};
}

BnStats parse_bn_stats(const std::string& name) { return util::parse_choice(name, kBnStats, "bn_stats"); }

const char* bn_stats_name(BnStats b) { return util::choice_name(b, kBnStats); }

}  // namespace iqnas

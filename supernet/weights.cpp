#include "supernet/weights.h"

#include <stdexcept>
#include <vector>

#include "nn/checkpoint.h"

namespace iqnas {

WeightSource parse_weight_source(const std::string& name) {
  if (name == "ema") return WeightSource::Ema;
  if (name == "raw") return WeightSource::Raw;
  throw std::invalid_argument("weights must be ema or raw (got '" + name + "')");
}

const char* weight_source_name(WeightSource w) { return w == WeightSource::Ema ? "ema" : "raw"; }

Metadata load_weights(const std::string& checkpoint, Module& net, WeightSource w) {
  if (w == WeightSource::Raw) return load_checkpoint(checkpoint, net);
  const SafetensorsFile file = load_safetensors(checkpoint);
  std::vector<std::pair<Tensor*, const Tensor*>> copies;
  for (auto& [name, p] : net.named_parameters()) copies.emplace_back(&p.value(), file.find(kEmaPrefix + name));
  for (auto& [name, b] : net.named_buffers()) copies.emplace_back(b, file.find(kEmaPrefix + name));
  std::vector<std::string> names;
  for (auto& [name, p] : net.named_parameters()) names.push_back(name);
  for (auto& [name, b] : net.named_buffers()) names.push_back(name);
  bool any_ema = false;
  for (const auto& [name, t] : file.tensors) any_ema = any_ema || name.rfind(kEmaPrefix, 0) == 0;
  if (!any_ema) throw CheckpointError(checkpoint, "", "holds no EMA weights (trained with ema_decay 0?); use --weights raw");
  for (size_t i = 0; i < copies.size(); ++i) {
    if (!copies[i].second) throw CheckpointError(checkpoint, names[i], "has no EMA value for '" + names[i] + "'");
    if (copies[i].second->shape() != copies[i].first->shape())
      throw CheckpointError(checkpoint, names[i], "EMA tensor '" + names[i] + "' has shape " +
                                                      shape_str(copies[i].second->shape()) + ", the network " +
                                                      shape_str(copies[i].first->shape()));
  }
  for (size_t i = 0; i < copies.size(); ++i) check_finite(checkpoint, kEmaPrefix + names[i], *copies[i].second, "refusing to load it (a diverged run or a corrupt file)");
  for (auto& [to, from] : copies) to->copy_(*from);
  return file.metadata;
}

}  // namespace iqnas

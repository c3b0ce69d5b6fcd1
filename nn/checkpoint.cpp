#include "nn/checkpoint.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "util/atomic_file.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "nn/checkpoint.cpp writes host floats as little-endian: port it to big-endian hosts first"
#endif

namespace iqnas {

using json = nlohmann::ordered_json;

namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // the safetensors limit on the header size

std::string err_str(int e) { return std::strerror(e); }

std::string offsets_str(uint64_t b, uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

std::string fmt_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));  // 9 digits round-trip a float
  return buf;
}

// ---- reading ----------------------------------------------------------------------------------

std::vector<char> read_all(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw CheckpointError(path, "", "cannot open for reading: " + err_str(errno));
  if (!S_ISREG(st.st_mode)) throw CheckpointError(path, "", "not a regular file");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw CheckpointError(path, "", "cannot open for reading: " + err_str(errno));
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0) throw CheckpointError(path, "", "cannot determine the file size");
  f.seekg(0, std::ios::beg);
  std::vector<char> bytes(static_cast<size_t>(size));
  if (size > 0 && !f.read(bytes.data(), size)) throw CheckpointError(path, "", "read failed");
  return bytes;
}

struct Entry {
  std::string name;
  Shape shape;
  uint64_t begin = 0, end = 0;
};

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  auto fail = [&](const std::string& what) -> CheckpointError {
    return CheckpointError(path, name, "tensor '" + name + "': " + what);
  };
  if (!v.is_object()) throw fail("header entry is not a JSON object");
  for (auto it = v.begin(); it != v.end(); ++it)
    if (it.key() != "dtype" && it.key() != "shape" && it.key() != "data_offsets")
      throw fail("unknown field '" + it.key() + "' in the header entry");
  if (!v.contains("dtype")) throw fail("header entry lacks the field 'dtype'");
  if (!v.contains("shape")) throw fail("header entry lacks the field 'shape'");
  if (!v.contains("data_offsets")) throw fail("header entry lacks the field 'data_offsets'");
  const json& dt = v["dtype"];
  if (!dt.is_string()) throw fail("'dtype' is not a string");
  if (dt.get<std::string>() != "F32")
    throw fail("dtype " + dt.get<std::string>() + " is not supported (only F32)");
  Entry e;
  e.name = name;
  const json& sh = v["shape"];
  if (!sh.is_array()) throw fail("'shape' is not an array");
  uint64_t numel = 1;
  for (const json& d : sh) {
    if (!d.is_number_unsigned()) throw fail("'shape' holds " + d.dump() + ", not a non-negative integer");
    const uint64_t x = d.get<uint64_t>();
    if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) ||
        (x != 0 && numel > (std::numeric_limits<uint64_t>::max() / 4) / x))
      throw fail("'shape' " + sh.dump() + " is too large");
    numel *= x;
    e.shape.push_back(static_cast<int64_t>(x));
  }
  const json& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    throw fail("'data_offsets' " + off.dump() + " is not a pair of non-negative integers");
  e.begin = off[0].get<uint64_t>();
  e.end = off[1].get<uint64_t>();
  if (e.end < e.begin) throw fail("'data_offsets' " + offsets_str(e.begin, e.end) + " end before they begin");
  if (e.end - e.begin != numel * 4)
    throw fail("shape " + shape_str(e.shape) + " needs " + std::to_string(numel * 4) +
               " bytes but 'data_offsets' " + offsets_str(e.begin, e.end) + " span " +
               std::to_string(e.end - e.begin));
  return e;
}

}  // namespace

CheckpointError::CheckpointError(std::string path, std::string tensor, const std::string& what)
    : std::runtime_error(path + ": " + what), path_(std::move(path)), tensor_(std::move(tensor)) {}

const Tensor* SafetensorsFile::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return &t;
  return nullptr;
}

void save_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata) {
  std::unordered_set<std::string> seen;
  json header = json::object();
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = std::move(meta);
  }
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name.empty()) throw CheckpointError(path, name, "a tensor has an empty name");
    if (name == "__metadata__") throw CheckpointError(path, name, "'__metadata__' cannot name a tensor");
    if (!seen.insert(name).second) throw CheckpointError(path, name, "tensor '" + name + "' given twice");
    if (!t.defined()) throw CheckpointError(path, name, "tensor '" + name + "' is undefined");
    const uint64_t bytes = static_cast<uint64_t>(t.numel()) * 4;
    json e = json::object();
    e["dtype"] = "F32";
    e["shape"] = t.shape();
    e["data_offsets"] = {offset, offset + bytes};
    header[name] = std::move(e);
    offset += bytes;
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // align the data to 8 bytes, as the reference writer does
  const uint64_t n = h.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));

  try {
    AtomicFile f(path);
    f.write(len, 8);
    f.write(h.data(), h.size());
    for (const auto& [name, t] : tensors) {
      if (t.numel() == 0) continue;
      const Tensor c = t.to(Device::CPU).contiguous();
      f.write(c.data(), static_cast<size_t>(c.numel()) * sizeof(float));
    }
    f.commit();
  } catch (const AtomicFileError& e) {
    throw CheckpointError(path, "", e.cause());
  }
}

SafetensorsFile load_safetensors(const std::string& path) {
  const std::vector<char> bytes = read_all(path);
  const uint64_t size = bytes.size();
  if (size < 8)
    throw CheckpointError(path, "", "file is " + std::to_string(size) +
                                        " bytes, shorter than the 8-byte header length (truncated?)");
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (n > size - 8)
    throw CheckpointError(path, "", "header length " + std::to_string(n) + " exceeds the " +
                                        std::to_string(size - 8) +
                                        " bytes after it (truncated, or not a safetensors file)");
  if (n > kMaxHeader)
    throw CheckpointError(path, "", "header length " + std::to_string(n) + " exceeds the 100 MiB limit");
  if (n == 0 || bytes[8] != '{')
    throw CheckpointError(path, "", "header does not start with '{' (not a safetensors file)");

  // Parse, refusing duplicate top-level keys (which JSON parsers silently merge).
  std::string dup;
  std::unordered_set<std::string> keys;
  json header;
  try {
    header = json::parse(
        bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n),
        [&](int depth, json::parse_event_t ev, json& parsed) {
          if (ev == json::parse_event_t::key && depth == 1 && !keys.insert(parsed.get<std::string>()).second &&
              dup.empty())
            dup = parsed.get<std::string>();
          return true;
        });
  } catch (const json::exception& e) {
    throw CheckpointError(path, "", std::string("header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) throw CheckpointError(path, "", "header is not a JSON object");
  if (!dup.empty()) throw CheckpointError(path, dup, "header names '" + dup + "' twice");

  SafetensorsFile out;
  std::vector<Entry> entries;
  const uint64_t data_size = size - 8 - n;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw CheckpointError(path, "", "'__metadata__' is not a JSON object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string())
          throw CheckpointError(path, "", "metadata '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    Entry e = parse_entry(path, it.key(), it.value());
    if (e.end > data_size)
      throw CheckpointError(path, e.name,
                            "tensor '" + e.name + "': data_offsets " + offsets_str(e.begin, e.end) +
                                " reach beyond the " + std::to_string(data_size) +
                                " bytes of data (truncated file?)");
    entries.push_back(std::move(e));
  }

  // The tensors must tile [0, data_size) exactly: no gap, no overlap, nothing after.
  std::vector<const Entry*> order;
  for (const Entry& e : entries) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](const Entry* a, const Entry* b) {
    return a->begin != b->begin ? a->begin < b->begin : a->end < b->end;
  });
  uint64_t pos = 0;
  const Entry* prev = nullptr;
  for (const Entry* e : order) {
    if (e->begin < pos)
      throw CheckpointError(path, e->name,
                            "tensor '" + e->name + "': data_offsets " + offsets_str(e->begin, e->end) +
                                " overlap those of tensor '" + prev->name + "' " +
                                offsets_str(prev->begin, prev->end));
    if (e->begin > pos)
      throw CheckpointError(path, e->name,
                            "tensor '" + e->name + "': data_offsets " + offsets_str(e->begin, e->end) +
                                " leave a gap of " + std::to_string(e->begin - pos) + " bytes before them");
    pos = e->end;
    prev = e;
  }
  if (pos != data_size)
    throw CheckpointError(path, "", std::to_string(data_size - pos) +
                                        " bytes of trailing data after the last tensor (corrupt file?)");

  const char* data = bytes.data() + 8 + n;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape);
    if (e.end > e.begin) std::memcpy(t.data(), data + e.begin, e.end - e.begin);
    out.tensors.emplace_back(e.name, std::move(t));
  }
  return out;
}

// ---- module checkpoints -----------------------------------------------------------------------

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool reserved_meta(const std::string& k) {
  return starts_with(k, "iqnas.") || starts_with(k, "optimizer.") || starts_with(k, "ema.");
}

int64_t parse_count(const std::string& path, const Metadata& meta, const char* key) {
  auto it = meta.find(key);
  if (it == meta.end()) throw CheckpointError(path, "", std::string("metadata '") + key + "' is missing");
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < 0)
    throw CheckpointError(path, "", std::string("metadata '") + key + "' = '" + s +
                                        "' is not a non-negative integer");
  return v;
}

float parse_float(const std::string& path, const Metadata& meta, const char* key) {
  auto it = meta.find(key);
  if (it == meta.end()) throw CheckpointError(path, "", std::string("metadata '") + key + "' is missing");
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  const float v = std::strtof(s.c_str(), &end);
  if (s.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0)
    throw CheckpointError(path, "", std::string("metadata '") + key + "' = '" + s +
                                        "' is not a finite non-negative number");
  return v;
}

// The module's tensors that a checkpoint holds, in order: parameters, then buffers.
struct ModuleTensor {
  std::string name;
  Tensor* target;
};

std::vector<ModuleTensor> module_tensors(Module& m, const std::string& path) {
  std::vector<ModuleTensor> out;
  std::unordered_set<std::string> seen;
  auto add = [&](const std::string& name, Tensor* t) {
    if (!seen.insert(name).second)
      throw CheckpointError(path, name, "the module names two tensors '" + name + "'");
    if (starts_with(name, "__"))
      throw CheckpointError(path, name, "module tensor '" + name + "' uses the reserved prefix '__'");
    out.push_back({name, t});
  };
  for (auto& [name, p] : m.named_parameters()) add(name, &p.value());  // shares the module's VarImpl
  for (auto& [name, b] : m.named_buffers()) add(name, b);
  return out;
}

}  // namespace

void save_checkpoint(const std::string& path, Module& module, const Metadata& metadata, const SGD* optimizer,
                     const ModelEma* ema) {
  Metadata meta;
  for (const auto& [k, v] : metadata) {
    if (reserved_meta(k))
      throw CheckpointError(path, "", "metadata key '" + k + "' uses a reserved prefix (iqnas., optimizer., ema.)");
    meta[k] = v;
  }
  meta[kMetaFormat] = "checkpoint";
  meta[kMetaFormatVersion] = "1";
  NamedTensors tensors;
  for (const ModuleTensor& mt : module_tensors(module, path)) tensors.emplace_back(mt.name, *mt.target);
  if (optimizer) {
    SgdState s = optimizer->state();
    meta[kMetaOptimizerSteps] = std::to_string(s.steps);
    meta[kMetaOptimizerLr] = fmt_float(optimizer->lr());
    meta["optimizer.momentum"] = fmt_float(optimizer->options().momentum);
    meta["optimizer.nesterov"] = optimizer->options().nesterov ? "true" : "false";
    meta["optimizer.weight_decay"] = fmt_float(optimizer->options().weight_decay);
    for (auto& [name, t] : s.momentum) tensors.emplace_back(kOptimizerMomentumPrefix + name, std::move(t));
  }
  if (ema) {
    meta[kMetaEmaUpdates] = std::to_string(ema->updates());
    meta["ema.decay"] = fmt_float(ema->decay());
    meta["ema.warmup"] = ema->warmup() ? "true" : "false";
    for (const auto& [name, t] : ema->tensors()) tensors.emplace_back(kEmaPrefix + name, t);
  }
  // A diverged run stops here, keeping its last good checkpoint, rather than saving NaN weights
  // (the loss can stay finite while weights are NaN).
  for (const auto& [name, t] : tensors)
    check_finite(path, name, t, "not saved, the previous checkpoint is kept (the run diverged: lower the learning rate)");
  save_safetensors(path, tensors, meta);
}

void check_finite(const std::string& path, const std::string& name, const Tensor& t, const std::string& action) {
  const Tensor host = t.device() == Device::CPU ? t : t.to(Device::CPU);
  const float* v = host.data();
  for (int64_t i = 0; i < host.numel(); ++i)
    if (!std::isfinite(v[i]))
      throw CheckpointError(path, name, "tensor '" + name + "' holds " + (std::isnan(v[i]) ? "NaN" : "an infinity") +
                                            " at element " + std::to_string(i) + "; " + action);
}

Metadata load_checkpoint(const std::string& path, Module& module, SGD* optimizer, ModelEma* ema) {
  SafetensorsFile file = load_safetensors(path);
  for (const auto& [name, t] : file.tensors) check_finite(path, name, t, "refusing to load it (a diverged run or a corrupt file)");
  if (auto v = file.metadata.find(kMetaFormatVersion); v != file.metadata.end() && v->second != "1")
    throw CheckpointError(path, "", std::string("metadata '") + kMetaFormatVersion + "' = '" + v->second +
                                        "': this program reads checkpoint format version 1 only");
  std::unordered_map<std::string, const Tensor*> in_file;
  for (const auto& [name, t] : file.tensors) in_file.emplace(name, &t);

  auto shape_mismatch = [&](const std::string& name, const Tensor& file_t, const Shape& want,
                            const char* where) {
    return CheckpointError(path, name, "tensor '" + name + "' has shape " + shape_str(file_t.shape()) +
                                           " in the file but " + shape_str(want) + " in the " + where);
  };

  // 1. The module: the file must hold exactly its tensors (plus optimiser/EMA entries).
  const std::vector<ModuleTensor> mts = module_tensors(module, path);
  std::unordered_set<std::string> module_names;
  std::vector<const Tensor*> module_src;
  for (const ModuleTensor& mt : mts) {
    module_names.insert(mt.name);
    auto it = in_file.find(mt.name);
    if (it == in_file.end())
      throw CheckpointError(path, mt.name, "tensor '" + mt.name + "' of the model is missing from the file");
    if (it->second->shape() != mt.target->shape()) throw shape_mismatch(mt.name, *it->second, mt.target->shape(), "model");
    module_src.push_back(it->second);
  }
  for (const auto& [name, t] : file.tensors) {
    if (starts_with(name, kOptimizerMomentumPrefix) || starts_with(name, kEmaPrefix)) continue;
    if (!module_names.count(name))
      throw CheckpointError(path, name, "unexpected tensor '" + name + "' in the file: the model has no such tensor");
  }

  // 2. The optimiser: step counter, learning rate and momentum buffers of known parameters.
  SgdState opt_state;
  float opt_lr = 0.f;
  if (optimizer) {
    if (!file.metadata.count(kMetaOptimizerSteps))
      throw CheckpointError(path, "", "the file holds no optimizer state (saved without an optimizer)");
    opt_state.steps = parse_count(path, file.metadata, kMetaOptimizerSteps);
    opt_lr = parse_float(path, file.metadata, kMetaOptimizerLr);
    std::unordered_map<std::string, Shape> pshape;
    for (const auto& [name, p] : optimizer->params()) pshape.emplace(name, p.shape());
    const std::string prefix = kOptimizerMomentumPrefix;
    for (const auto& [name, t] : file.tensors) {
      if (!starts_with(name, kOptimizerMomentumPrefix)) continue;
      const std::string pname = name.substr(prefix.size());
      auto it = pshape.find(pname);
      if (it == pshape.end())
        throw CheckpointError(path, name, "unexpected tensor '" + name + "': the optimizer has no parameter '" +
                                              pname + "'");
      if (t.shape() != it->second) throw shape_mismatch(name, t, it->second, "optimizer");
      if (optimizer->options().momentum == 0.f)
        throw CheckpointError(path, name, "tensor '" + name + "' is a momentum buffer but the optimizer has no momentum");
      opt_state.momentum.emplace_back(pname, t);
    }
  }

  // 3. The EMA: exactly its tensors.
  NamedTensors ema_state;
  int64_t ema_updates = 0;
  if (ema) {
    if (!file.metadata.count(kMetaEmaUpdates))
      throw CheckpointError(path, "", "the file holds no EMA state (saved without an EMA)");
    ema_updates = parse_count(path, file.metadata, kMetaEmaUpdates);
    std::unordered_set<std::string> ema_names;
    for (const auto& [name, t] : ema->tensors()) {
      const std::string key = kEmaPrefix + name;
      ema_names.insert(key);
      auto it = in_file.find(key);
      if (it == in_file.end())
        throw CheckpointError(path, key, "tensor '" + key + "' of the EMA is missing from the file");
      if (it->second->shape() != t.shape()) throw shape_mismatch(key, *it->second, t.shape(), "EMA");
      ema_state.emplace_back(name, *it->second);
    }
    for (const auto& [name, t] : file.tensors)
      if (starts_with(name, kEmaPrefix) && !ema_names.count(name))
        throw CheckpointError(path, name, "unexpected tensor '" + name + "': the EMA has no such tensor");
  }

  // Everything checked: now modify. Copies onto the targets' devices; these cannot fail on shape.
  for (size_t i = 0; i < mts.size(); ++i) mts[i].target->copy_(*module_src[i]);
  if (optimizer) {
    optimizer->load_state(opt_state);
    optimizer->set_lr(opt_lr);
  }
  if (ema) ema->load_state(ema_state, ema_updates);
  return file.metadata;
}

}  // namespace iqnas

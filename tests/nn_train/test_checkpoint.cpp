// Checkpoint (safetensors) round trips, atomic writes and refusal of broken or mismatched files.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "nn/checkpoint.h"
#include "tests/nn_train/train_util.h"

namespace fs = std::filesystem;

namespace iqnas {
namespace {

class Checkpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/iqnas_ckpt_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }

  static std::string read(const std::string& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }
  static void write(const std::string& p, const std::string& bytes) {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  // A file with the given header text and data bytes (the header length written as given or real).
  static std::string build(const std::string& header, const std::string& data, int64_t len = -1) {
    const uint64_t n = len < 0 ? header.size() : static_cast<uint64_t>(len);
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header + data;
  }
  bool tmp_left() const {
    for (auto& e : fs::directory_iterator(dir_))
      if (e.path().filename().string().find(".tmp.") != std::string::npos) return true;
    return false;
  }

  std::string dir_;
};

// Expects `fn` to throw a CheckpointError whose message names the file and, when given, the tensor.
template <typename Fn>
void expect_refused(Fn fn, const std::string& file, const std::string& tensor = "", const std::string& what = "") {
  try {
    fn();
    ADD_FAILURE() << "no exception for " << file;
  } catch (const CheckpointError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(file), std::string::npos) << msg;
    EXPECT_EQ(e.path(), file);
    if (!tensor.empty()) {
      EXPECT_NE(msg.find("'" + tensor + "'"), std::string::npos) << msg;
      EXPECT_EQ(e.tensor(), tensor) << msg;
    }
    if (!what.empty()) {
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
  }
}

TEST_F(Checkpoint, SafetensorsRoundTripIsBitExact) {
  const float denorm = std::numeric_limits<float>::denorm_min();
  Tensor a = Tensor::from_vector({2, 3}, {-0.f, 1.f / 3.f, std::numeric_limits<float>::infinity(),
                                          std::numeric_limits<float>::quiet_NaN(), denorm, -1e30f});
  Tensor scalar = Tensor::scalar(42.f);
  Tensor empty = Tensor::zeros({0, 5});
  Tensor big = Tensor::zeros({4, 6});
  for (int64_t i = 0; i < 24; ++i) big.data()[i] = static_cast<float>(i) * 0.1f;
  Tensor view = big.slice(1, 2, 3);  // a non-contiguous view is written as its values
  const std::string p = path("t.safetensors");
  save_safetensors(p, {{"a", a}, {"s", scalar}, {"e", empty}, {"v", view}}, {{"k", "v"}, {"note", "x y"}});
  EXPECT_FALSE(tmp_left());
  const SafetensorsFile f = load_safetensors(p);
  ASSERT_EQ(f.tensors.size(), 4u);
  EXPECT_EQ(f.tensors[0].first, "a");
  EXPECT_TRUE(test::bit_equal(*f.find("a"), a));
  EXPECT_TRUE(test::bit_equal(*f.find("s"), scalar));
  EXPECT_EQ(f.find("s")->shape(), Shape{});
  EXPECT_EQ(f.find("e")->shape(), (Shape{0, 5}));
  EXPECT_TRUE(test::bit_equal(*f.find("v"), view.contiguous()));
  EXPECT_EQ(f.find("zzz"), nullptr);
  EXPECT_EQ(f.metadata.at("k"), "v");
  EXPECT_EQ(f.metadata.at("note"), "x y");

  // The layout is the documented one: length, JSON header padded to 8 bytes, contiguous data.
  const std::string bytes = read(p);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(bytes.size(), 8 + n + (6 + 1 + 0 + 12) * 4);
}

TEST_F(Checkpoint, ModuleOptimizerEmaRoundTripResumesBitExactly) {
  SgdOptions o;
  o.lr = 0.05f;
  o.momentum = 0.9f;
  o.nesterov = true;
  o.weight_decay = 4e-5f;
  o.no_decay_1d = true;
  test::Net a;
  SGD oa(a.named_parameters(), o);
  ModelEma ea(a, 0.99f, true);
  for (int s = 0; s < 3; ++s) {
    test::fake_grads(a, s);
    oa.step();
    ea.update(a);
  }
  oa.set_lr(0.0123f);
  a.stem->running_mean->at({1}) = -3.25f;
  const std::string p = path("ckpt.safetensors");
  save_checkpoint(p, a, {{"epoch", "3"}, {"arch", "e3_k5"}}, &oa, &ea);

  test::Net b(4, 9.f);
  SGD ob(b.named_parameters(), o);
  ModelEma eb(b, 0.99f, true);
  const Metadata meta = load_checkpoint(p, b, &ob, &eb);
  EXPECT_EQ(meta.at("epoch"), "3");
  EXPECT_EQ(meta.at("arch"), "e3_k5");
  EXPECT_EQ(meta.at(kMetaOptimizerSteps), "3");
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(b)));
  EXPECT_EQ(ob.steps(), 3);
  EXPECT_EQ(ob.lr(), 0.0123f);
  EXPECT_EQ(eb.updates(), 3);
  const SgdState sa = oa.state(), sb = ob.state();
  ASSERT_EQ(sa.momentum.size(), sb.momentum.size());
  for (size_t i = 0; i < sa.momentum.size(); ++i) {
    EXPECT_EQ(sa.momentum[i].first, sb.momentum[i].first);
    EXPECT_TRUE(test::bit_equal(sa.momentum[i].second, sb.momentum[i].second));
  }
  // The same file loads into a bare module (evaluation): optimiser and EMA entries are ignored.
  test::Net c(4, 5.f);
  load_checkpoint(p, c);
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(c)));
  // Training continues identically.
  for (int s = 3; s < 6; ++s) {
    test::fake_grads(a, s);
    test::fake_grads(b, s);
    oa.step();
    ob.step();
    ea.update(a);
    eb.update(b);
  }
  EXPECT_TRUE(test::same_bits(test::snapshot(a), test::snapshot(b)));
  for (size_t i = 0; i < ea.tensors().size(); ++i)
    EXPECT_TRUE(test::bit_equal(ea.tensors()[i].second, eb.tensors()[i].second)) << ea.tensors()[i].first;
}

TEST_F(Checkpoint, ReservedMetadataIsRefused) {
  test::Net a;
  expect_refused([&] { save_checkpoint(path("x"), a, {{"optimizer.steps", "1"}}); }, path("x"));
  EXPECT_FALSE(fs::exists(path("x")));
}

TEST_F(Checkpoint, OptimizerOrEmaStateMissingFromTheFile) {
  test::Net a;
  const std::string p = path("plain.safetensors");
  save_checkpoint(p, a);
  test::Net b(4, 2.f);
  const auto before = test::snapshot(b);
  SGD ob(b.named_parameters(), SgdOptions{});
  expect_refused([&] { load_checkpoint(p, b, &ob); }, p, "", "no optimizer state");
  ModelEma eb(b, 0.9f);
  expect_refused([&] { load_checkpoint(p, b, nullptr, &eb); }, p, "", "no EMA state");
  EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
}

TEST_F(Checkpoint, FailedWriteKeepsThePreviousFile) {
  test::Net a;
  const std::string p = path("ckpt.safetensors");
  save_checkpoint(p, a, {{"v", "1"}});
  const std::string good = read(p);

  // The temporary file cannot be written to (a full device behind it): the write fails midway.
  const std::string tmp = p + ".tmp." + std::to_string(::getpid());
  fs::create_symlink("/dev/full", tmp);
  test::Net b(4, 3.f);
  expect_refused([&] { save_checkpoint(p, b, {{"v", "2"}}); }, p, "", "write");
  EXPECT_EQ(read(p), good);
  EXPECT_FALSE(tmp_left());
  EXPECT_TRUE(fs::exists("/dev/full"));

  // A directory that cannot hold the file (it does not exist; a plain file is in the way).
  write(path("afile"), "x");
  expect_refused([&] { save_checkpoint(path("afile/ckpt.safetensors"), b); }, path("afile/ckpt.safetensors"));
  expect_refused([&] { save_checkpoint(path("nodir/ckpt.safetensors"), b); }, path("nodir/ckpt.safetensors"));
  EXPECT_EQ(read(p), good);
  EXPECT_FALSE(tmp_left());

  // An unwritable directory (only meaningful when not running as root).
  if (::geteuid() != 0) {
    const std::string ro = path("ro");
    fs::create_directory(ro);
    save_checkpoint(ro + "/c", a);
    const std::string before = read(ro + "/c");
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
    expect_refused([&] { save_checkpoint(ro + "/c", b); }, ro + "/c");
    fs::permissions(ro, fs::perms::owner_all);
    EXPECT_EQ(read(ro + "/c"), before);
  }

  // Success after the failures replaces the file.
  save_checkpoint(p, b, {{"v", "2"}});
  EXPECT_EQ(load_safetensors(p).metadata.at("v"), "2");
  EXPECT_FALSE(tmp_left());
}

TEST_F(Checkpoint, TruncatedFilesAreRefused) {
  test::Net a;
  const std::string p = path("full.safetensors");
  save_checkpoint(p, a);
  const std::string bytes = read(p);
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  const std::string cut = path("cut.safetensors");
  for (size_t len : {size_t{0}, size_t{3}, size_t{8}, size_t{9}, size_t(8 + n / 2), size_t(8 + n - 1),
                     size_t(8 + n), size_t(8 + n + 5), bytes.size() - 4, bytes.size() - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(len) + " of " + std::to_string(bytes.size()));
    write(cut, bytes.substr(0, len));
    test::Net b(4, 2.f);
    const auto before = test::snapshot(b);
    expect_refused([&] { load_checkpoint(cut, b); }, cut);
    expect_refused([&] { load_safetensors(cut); }, cut);
    EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
  }
  // A cut inside the data names the tensor whose bytes are missing (the last one).
  write(cut, bytes.substr(0, bytes.size() - 1));
  expect_refused([&] { load_safetensors(cut); }, cut, "head.running_mean", "truncated");
  expect_refused([&] { load_safetensors(path("does_not_exist")); }, path("does_not_exist"), "", "cannot open");
  expect_refused([&] { load_safetensors(dir_); }, dir_, "", "not a regular file");
}

TEST_F(Checkpoint, NonFiniteValuesAndOtherFormatVersionsAreRefused) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  test::Net a;
  const std::string p = path("bad.safetensors");
  for (float bad : {nan, inf, -inf}) {
    save_checkpoint(p, a);
    SafetensorsFile f = load_safetensors(p);
    auto& [name, t] = f.tensors.back();
    ASSERT_GE(t.numel(), 2);
    t.data()[1] = bad;
    save_safetensors(p, f.tensors, f.metadata);
    test::Net b(4, 2.f);
    const auto before = test::snapshot(b);
    expect_refused([&] { load_checkpoint(p, b); }, p, name, "at element 1");
    EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
  }
  // Weights that became NaN are not saved over the last good checkpoint.
  save_checkpoint(p, a);
  const std::string good = read(p);
  test::Net diverged;
  diverged.named_parameters().front().second.value().data()[0] = nan;
  expect_refused([&] { save_checkpoint(p, diverged); }, p, diverged.named_parameters().front().first, "not saved");
  EXPECT_EQ(read(p), good);
  EXPECT_FALSE(tmp_left());

  SafetensorsFile f = load_safetensors(p);
  f.metadata[kMetaFormatVersion] = "2";
  save_safetensors(p, f.tensors, f.metadata);
  test::Net b;
  expect_refused([&] { load_checkpoint(p, b); }, p, "", "format version 1 only");
}

TEST_F(Checkpoint, CorruptHeadersAreRefused) {
  const std::string p = path("bad.safetensors");
  const std::string d16(16, '\0'), d32(32, '\0');
  struct Case {
    std::string header, data, tensor, what;
    int64_t len;
  };
  const std::vector<Case> cases = {
      // not JSON / not an object
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]})", d16, "", "not valid JSON", -1},
      {R"({"a": {"dtype": "F32", "sh@pe": [4], "data_offsets": [0, 16]}})", d16, "a", "unknown field", -1},
      {R"(["a", 1])", d16, "", "does not start", -1},
      // header length larger than the file
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", d16, "", "exceeds", 1000},
      // wrong dtype
      {R"({"a": {"dtype": "F16", "shape": [8], "data_offsets": [0, 16]}})", d16, "a", "F16", -1},
      // missing fields, wrong field types
      {R"({"a": {"dtype": "F32", "data_offsets": [0, 16]}})", d16, "a", "'shape'", -1},
      {R"({"a": {"shape": [4], "data_offsets": [0, 16]}})", d16, "a", "'dtype'", -1},
      {R"({"a": {"dtype": "F32", "shape": [4]}})", d16, "a", "'data_offsets'", -1},
      {R"({"a": {"dtype": "F32", "shape": [-4], "data_offsets": [0, 16]}})", d16, "a", "shape", -1},
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0]}})", d16, "a", "data_offsets", -1},
      {R"({"a": 3})", d16, "a", "not a JSON object", -1},
      // shape and offsets disagree
      {R"({"a": {"dtype": "F32", "shape": [5], "data_offsets": [0, 16]}})", d16, "a", "needs 20 bytes", -1},
      // offsets out of range, overlapping, with a gap, or with trailing bytes
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
           "b": {"dtype": "F32", "shape": [6], "data_offsets": [16, 40]}})", d32, "b", "beyond", -1},
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
           "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})", std::string(24, '\0'), "b", "overlap", -1},
      {R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
           "b": {"dtype": "F32", "shape": [2], "data_offsets": [24, 32]}})", d32, "b", "gap", -1},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", d16, "a", "gap", -1},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})", d16, "", "trailing", -1},
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", d16, "a", "end before", -1},
      // duplicate names, bad metadata
      {R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
           "a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}})", d16, "a", "twice", -1},
      {R"({"__metadata__": {"k": 1}, "a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", d16, "",
       "metadata 'k'", -1},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    write(p, build(c.header, c.data, c.len));
    expect_refused([&] { load_safetensors(p); }, p, c.tensor, c.what);
  }
  // A valid file of the same form loads (the cases above fail for their stated reason only).
  write(p, build(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", d16));
  EXPECT_EQ(load_safetensors(p).tensors.size(), 1u);

  // A flipped byte inside a real checkpoint's header.
  test::Net a;
  save_checkpoint(p, a);
  std::string bytes = read(p);
  const size_t brace = bytes.find('{', 9);  // the first tensor entry's opening brace
  ASSERT_NE(brace, std::string::npos);
  bytes[brace] = '#';
  write(p, bytes);
  test::Net b(4, 2.f);
  const auto before = test::snapshot(b);
  expect_refused([&] { load_checkpoint(p, b); }, p, "", "JSON");
  EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
}

TEST_F(Checkpoint, MismatchedModulesAreRefusedBeforeAnyChange) {
  test::Net a;
  const std::string p = path("runs_ckpt.safetensors");
  save_checkpoint(p, a);
  NamedTensors good;
  for (auto& [n, t] : load_safetensors(p).tensors) good.emplace_back(n, t);

  auto check = [&](const NamedTensors& tensors, const std::string& tensor, const std::string& what) {
    save_safetensors(p, tensors);
    test::Net b(4, 2.f);
    const auto before = test::snapshot(b);
    expect_refused([&] { load_checkpoint(p, b); }, p, tensor, what);
    EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
  };
  // A missing tensor (the last one, so everything before it would have loaded).
  NamedTensors t = good;
  const std::string last = t.back().first;
  t.pop_back();
  check(t, last, "missing");
  // An unexpected tensor.
  t = good;
  t.emplace_back("stem.extra", Tensor::zeros({2}));
  check(t, "stem.extra", "unexpected");
  // A shape mismatch, with both shapes in the message.
  t = good;
  for (auto& [n, x] : t)
    if (n == "head.weight") x = Tensor::zeros({2, 5});
  check(t, "head.weight", "has shape [2, 5] in the file but [2, 4] in the model");
  // A whole other model (wider stem).
  test::Net wide(6, 1.f);
  save_checkpoint(p, wide);
  test::Net b(4, 2.f);
  const auto before = test::snapshot(b);
  expect_refused([&] { load_checkpoint(p, b); }, p, "stem.weight", "[6, 3] in the file but [4, 3]");
  EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
}

TEST_F(Checkpoint, MismatchedOptimizerOrEmaStateIsRefusedBeforeAnyChange) {
  test::Net a;
  SgdOptions o;
  SGD oa(a.named_parameters(), o);
  ModelEma ea(a, 0.9f);
  test::fake_grads(a, 0);
  oa.step();
  ea.update(a);
  const std::string p = path("c.safetensors");
  save_checkpoint(p, a, {}, &oa, &ea);
  SafetensorsFile f = load_safetensors(p);

  auto check = [&](const NamedTensors& tensors, const std::string& tensor) {
    save_safetensors(p, tensors, f.metadata);
    test::Net b(4, 2.f);
    SGD ob(b.named_parameters(), o);
    ModelEma eb(b, 0.9f);
    const auto before = test::snapshot(b);
    const auto ema_before = eb.tensors()[0].second.to_vector();
    expect_refused([&] { load_checkpoint(p, b, &ob, &eb); }, p, tensor);
    EXPECT_TRUE(test::same_bits(before, test::snapshot(b)));
    EXPECT_EQ(ob.steps(), 0);
    EXPECT_TRUE(ob.state().momentum.empty());
    EXPECT_EQ(eb.updates(), 0);
    EXPECT_EQ(eb.tensors()[0].second.to_vector(), ema_before);
  };
  const std::string mom = std::string(kOptimizerMomentumPrefix) + "stem.weight";
  const std::string ema = std::string(kEmaPrefix) + "head.bias";
  NamedTensors t;
  for (auto& [n, x] : f.tensors) t.emplace_back(n, n == mom ? Tensor::zeros({1}) : x);
  check(t, mom);
  t.clear();
  for (auto& [n, x] : f.tensors)
    if (n != ema) t.emplace_back(n, x);
  check(t, ema);
  t = f.tensors;
  t.emplace_back(std::string(kOptimizerMomentumPrefix) + "nope", Tensor::zeros({1}));
  check(t, std::string(kOptimizerMomentumPrefix) + "nope");
}

}  // namespace
}  // namespace iqnas

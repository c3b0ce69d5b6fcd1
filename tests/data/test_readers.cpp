// Fashion-MNIST (real files), IDX defects, CIFAR-10 binary files written here, splits.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "nn/data/cifar_binary.h"
#include "nn/data/fashion_mnist.h"
#include "nn/data/idx_reader.h"
#include "nn/data/split.h"
#include "test_util.h"
#include "tests/data_root.h"

namespace iqnas::data {
namespace {
using namespace iqnas::data::testing;

// The data folder's copy (scripts/get-data.sh) or the Debian package.
const std::string kRoot = default_dataset_root("fashion-mnist");

constexpr const char* kFashionMnistMissing =
    "Fashion-MNIST not found (apt-get install dataset-fashion-mnist, or scripts/get-data.sh fashion-mnist)";

bool have_fashion_mnist() { return fs::exists(kRoot + "/train-labels-idx1-ubyte.gz"); }

// The first `n` bytes after `skip` bytes of a gzip file, read with zlib directly (independent of
// the reader under test).
std::vector<uint8_t> raw_gzip_bytes(const std::string& path, size_t skip, size_t n) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::vector<uint8_t> buf(skip + n);
  const int got = f ? gzread(f, buf.data(), static_cast<unsigned>(buf.size())) : -1;
  if (f) gzclose(f);
  if (got != static_cast<int>(buf.size())) return {};
  return std::vector<uint8_t>(buf.begin() + static_cast<std::ptrdiff_t>(skip), buf.end());
}

TEST(FashionMnist, TrainCountsAndFirstLabels) {
  if (!have_fashion_mnist()) GTEST_SKIP() << kFashionMnistMissing;
  auto train = load_fashion_mnist(kRoot, "train");
  ASSERT_EQ(train->size(), 60000);
  EXPECT_EQ(train->fixed_h(), 28);
  EXPECT_EQ(train->fixed_w(), 28);
  EXPECT_EQ(train->channels(), 1);
  EXPECT_EQ(train->num_classes(), 10);
  const std::vector<int32_t> first = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(train->label(static_cast<int64_t>(i)), first[i]) << i;
  const std::string labels_path = kRoot + "/train-labels-idx1-ubyte.gz";
  const auto raw_labels = raw_gzip_bytes(labels_path, 8, 100);
  ASSERT_EQ(raw_labels.size(), 100u);
  for (size_t i = 0; i < raw_labels.size(); ++i) EXPECT_EQ(train->label(static_cast<int64_t>(i)), raw_labels[i]);
  // The first image's pixels equal the raw bytes after the 16-byte header.
  const auto raw_pixels = raw_gzip_bytes(kRoot + "/train-images-idx3-ubyte.gz", 16, 28 * 28);
  ASSERT_EQ(raw_pixels.size(), 784u);
  EXPECT_TRUE(std::equal(raw_pixels.begin(), raw_pixels.end(), train->pixels().begin()));
  // Balanced: 6,000 per class.
  for (int64_t c : class_counts(*train)) EXPECT_EQ(c, 6000);
}

TEST(FashionMnist, TestCounts) {
  if (!have_fashion_mnist()) GTEST_SKIP() << kFashionMnistMissing;
  auto test = load_fashion_mnist(kRoot, "test");
  ASSERT_EQ(test->size(), 10000);
  for (int64_t c : class_counts(*test)) EXPECT_EQ(c, 1000);
  const auto raw = raw_gzip_bytes(kRoot + "/t10k-labels-idx1-ubyte.gz", 8, 10);
  ASSERT_EQ(raw.size(), 10u);
  for (size_t i = 0; i < raw.size(); ++i) EXPECT_EQ(test->label(static_cast<int64_t>(i)), raw[i]);
}

// A small valid pair of gzip IDX files with 5 images of 4x3.
struct IdxFiles {
  std::string images, labels;
};
IdxFiles write_small_idx(const TempDir& dir, std::vector<uint8_t> labels = {1, 0, 9, 3, 2}) {
  std::vector<uint8_t> img = idx_header({static_cast<uint32_t>(labels.size()), 4, 3});
  for (size_t i = 0; i < labels.size() * 12; ++i) img.push_back(static_cast<uint8_t>(i));
  std::vector<uint8_t> lab = idx_header({static_cast<uint32_t>(labels.size())});
  lab.insert(lab.end(), labels.begin(), labels.end());
  IdxFiles f{dir / "imgs-idx3-ubyte.gz", dir / "labs-idx1-ubyte.gz"};
  write_gzip(f.images, img);
  write_gzip(f.labels, lab);
  return f;
}

TEST(Idx, SmallPairReads) {
  TempDir dir;
  auto f = write_small_idx(dir);
  auto ds = load_idx_pair(f.images, f.labels, fashion_mnist_classes(), "small");
  ASSERT_EQ(ds->size(), 5);
  EXPECT_EQ(ds->fixed_h(), 4);
  EXPECT_EQ(ds->fixed_w(), 3);
  EXPECT_EQ(ds->label(2), 9);
  Image scratch;
  EXPECT_EQ(ds->image(1, scratch).data[0], 12);
}

TEST(Idx, PlainUncompressedFileReads) {
  TempDir dir;
  std::vector<uint8_t> lab = idx_header({3});
  lab.insert(lab.end(), {4, 5, 6});
  write_bytes(dir / "labels", lab);
  auto a = read_idx(dir / "labels", 1);
  EXPECT_EQ(a.bytes, (std::vector<uint8_t>{4, 5, 6}));
}

TEST(Idx, MissingFileNamesIt) {
  TempDir dir;
  expect_error([&] { read_idx(dir / "nothing.gz", 1); }, {dir / "nothing.gz", "cannot open"});
}

TEST(Idx, BadMagicNamesFile) {
  TempDir dir;
  auto bytes = idx_header({2, 2, 2});
  bytes[2] = 0x0D;  // float data, not uint8
  bytes.resize(bytes.size() + 8);
  write_gzip(dir / "x.gz", bytes);
  expect_error([&] { read_idx(dir / "x.gz", 3); }, {dir / "x.gz", "bad IDX magic"});
  // A labels file passed where images are expected: wrong rank.
  auto f = write_small_idx(dir);
  expect_error([&] { read_idx(f.labels, 3); }, {f.labels, "bad IDX magic"});
}

TEST(Idx, TruncatedDataNamesFile) {
  TempDir dir;
  auto bytes = idx_header({10, 28, 28});
  bytes.resize(bytes.size() + 100);  // promises 7,840 bytes
  write_gzip(dir / "short.gz", bytes);
  expect_error([&] { read_idx(dir / "short.gz", 3); }, {dir / "short.gz", "truncated"});
  write_gzip(dir / "tiny.gz", {0, 0, 8});
  expect_error([&] { read_idx(dir / "tiny.gz", 1); }, {dir / "tiny.gz", "truncated"});
}

TEST(Idx, CutGzipStreamNamesFile) {
  TempDir dir;
  auto f = write_small_idx(dir);
  auto gz = read_bytes(f.images);
  gz.resize(gz.size() / 2);  // cut the compressed stream
  write_bytes(dir / "cut.gz", gz);
  expect_error([&] { read_idx(dir / "cut.gz", 3); }, {dir / "cut.gz"});
}

TEST(Idx, CorruptGzipNamesFile) {
  TempDir dir;
  auto f = write_small_idx(dir);
  auto gz = read_bytes(f.images);
  for (size_t i = 12; i < gz.size() - 8; ++i) gz[i] ^= 0x5A;  // garble the deflate data
  write_bytes(dir / "bad.gz", gz);
  expect_error([&] { read_idx(dir / "bad.gz", 3); }, {dir / "bad.gz"});
}

TEST(Idx, TrailingBytesNamesFile) {
  TempDir dir;
  auto bytes = idx_header({2});
  bytes.insert(bytes.end(), {1, 2, 3});
  write_gzip(dir / "long.gz", bytes);
  expect_error([&] { read_idx(dir / "long.gz", 1); }, {dir / "long.gz", "after the data"});
}

TEST(Idx, LabelOutOfRangeNamesFile) {
  TempDir dir;
  auto f = write_small_idx(dir, {1, 2, 10, 0, 0});
  expect_error([&] { load_idx_pair(f.images, f.labels, fashion_mnist_classes(), "x"); },
               {f.labels, "label 10", "out of range"});
}

TEST(Idx, CountMismatchNamesBothFiles) {
  TempDir dir;
  auto f = write_small_idx(dir);
  std::vector<uint8_t> lab = idx_header({4});
  lab.insert(lab.end(), {0, 1, 2, 3});
  write_gzip(f.labels, lab);
  expect_error([&] { load_idx_pair(f.images, f.labels, fashion_mnist_classes(), "x"); }, {f.images, f.labels});
}

TEST(FashionMnist, MissingRootSaysWhatToInstall) {
  TempDir dir;
  expect_error([&] { load_fashion_mnist(dir.str(), "train"); }, {dir.str(), "dataset-fashion-mnist"});
}

// CIFAR-10 binary records: label, then R, G, B planes. Pixel (y, x) of record r has
// R = r + y, G = x, B = 100 + y + x.
std::vector<uint8_t> cifar_records(int n, int label_base) {
  std::vector<uint8_t> out;
  for (int r = 0; r < n; ++r) {
    out.push_back(static_cast<uint8_t>((label_base + r) % 10));
    for (int ch = 0; ch < 3; ++ch)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x)
          out.push_back(static_cast<uint8_t>(ch == 0 ? r + y : ch == 1 ? x : 100 + y + x));
  }
  return out;
}

void write_cifar_tree(const TempDir& dir) {
  for (int b = 1; b <= 5; ++b) write_bytes(dir / ("data_batch_" + std::to_string(b) + ".bin"), cifar_records(3, b));
  write_bytes(dir / "test_batch.bin", cifar_records(4, 7));
}

TEST(CifarBinary, ReadsRecordsAsHwc) {
  TempDir dir;
  write_cifar_tree(dir);
  auto train = load_cifar10_binary(dir.str(), "train");
  ASSERT_EQ(train->size(), 15);
  EXPECT_EQ(train->fixed_h(), 32);
  EXPECT_EQ(train->channels(), 3);
  EXPECT_EQ(train->label(0), 1);
  EXPECT_EQ(train->label(4), 3);   // batch 2, record 1
  EXPECT_EQ(train->label(14), 7);  // batch 5, record 2
  Image scratch;
  auto v = train->image(4, scratch);  // record 1 of its batch
  const int y = 5, x = 7;
  const uint8_t* p = v.data + (y * 32 + x) * 3;
  EXPECT_EQ(p[0], 1 + y);
  EXPECT_EQ(p[1], x);
  EXPECT_EQ(p[2], 100 + y + x);
  auto test = load_cifar10_binary(dir.str(), "test");
  ASSERT_EQ(test->size(), 4);
  EXPECT_EQ(test->label(3), 0);
  EXPECT_EQ(test->class_names()[0], "airplane");
}

TEST(CifarBinary, MissingBatchNamesIt) {
  TempDir dir;
  write_cifar_tree(dir);
  fs::remove(dir / "data_batch_3.bin");
  expect_error([&] { load_cifar10_binary(dir.str(), "train"); }, {dir / "data_batch_3.bin", "missing"});
}

TEST(CifarBinary, TruncatedBatchNamesIt) {
  TempDir dir;
  write_cifar_tree(dir);
  auto bytes = cifar_records(2, 0);
  bytes.resize(bytes.size() - 100);
  write_bytes(dir / "test_batch.bin", bytes);
  expect_error([&] { load_cifar10_binary(dir.str(), "test"); }, {dir / "test_batch.bin", "truncated"});
}

TEST(CifarBinary, LabelOutOfRangeNamesIt) {
  TempDir dir;
  write_cifar_tree(dir);
  auto bytes = cifar_records(2, 0);
  bytes[3073] = 12;  // label of record 1
  write_bytes(dir / "data_batch_2.bin", bytes);
  expect_error([&] { load_cifar10_binary(dir.str(), "train"); },
               {dir / "data_batch_2.bin", "label 12", "record 1"});
}

TEST(Split, DeterministicStratifiedDisjoint) {
  std::vector<int32_t> labels;
  for (int i = 0; i < 1000; ++i) labels.push_back(i % 7 == 0 ? 3 : i % 4);
  const auto a = split_indices(labels, 0.2, 42);
  const auto b = split_indices(labels, 0.2, 42);
  const auto c = split_indices(labels, 0.2, 43);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.heldout, b.heldout);
  EXPECT_NE(a.heldout, c.heldout);
  EXPECT_EQ(a.train.size() + a.heldout.size(), labels.size());
  std::set<int64_t> all(a.train.begin(), a.train.end());
  for (int64_t i : a.heldout) EXPECT_TRUE(all.insert(i).second) << "index " << i << " in both parts";
  EXPECT_EQ(all.size(), labels.size());
  EXPECT_TRUE(std::is_sorted(a.heldout.begin(), a.heldout.end()));
  // Per class, 20% held out (rounded).
  std::map<int32_t, int64_t> total, held;
  for (int32_t l : labels) ++total[l];
  for (int64_t i : a.heldout) ++held[labels[static_cast<size_t>(i)]];
  for (auto [l, n] : total) EXPECT_EQ(held[l], std::llround(0.2 * static_cast<double>(n))) << "class " << l;
}

TEST(Split, DatasetViews) {
  TempDir dir;
  write_cifar_tree(dir);
  std::shared_ptr<const Dataset> train = load_cifar10_binary(dir.str(), "train");
  auto parts = split_dataset(train, 0.4, 1);
  EXPECT_EQ(parts.train->size() + parts.heldout->size(), 15);
  for (int64_t i = 0; i < parts.heldout->size(); ++i)
    EXPECT_EQ(parts.heldout->label(i), train->label(parts.heldout->indices()[static_cast<size_t>(i)]));
  EXPECT_THROW(split_indices(std::vector<int32_t>{1, 2}, 1.0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace iqnas::data

// Image folders: JPEG/PNG decoding, scanning, bad files, the in-memory cache, and the real
// CIFAR-10 JPEG tree when the data folder holds it (tests/data_root.h).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "nn/data/image_codec.h"
#include "nn/data/image_folder.h"
#include "test_util.h"
#include "tests/data_root.h"

namespace iqnas::data {
namespace {
using namespace iqnas::data::testing;

std::vector<uint8_t> pattern(int h, int w, int c, int seed) {
  std::vector<uint8_t> p(static_cast<size_t>(h) * w * c);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>((i * 7 + static_cast<size_t>(seed) * 31) % 256);
  return p;
}

TEST(Codec, PngRoundTripIsExact) {
  TempDir dir;
  const auto rgb = pattern(5, 6, 3, 1);
  write_png(dir / "a.png", rgb.data(), 5, 6, 3);
  Image img;
  std::vector<uint8_t> buf;
  load_image(dir / "a.png", 3, img, buf);
  EXPECT_EQ(img.h, 5);
  EXPECT_EQ(img.w, 6);
  EXPECT_EQ(img.c, 3);
  EXPECT_EQ(img.pixels, rgb);
  load_image(dir / "a.png", 1, img, buf);  // converted to grey
  EXPECT_EQ(img.c, 1);
  EXPECT_EQ(img.pixels.size(), 30u);
}

TEST(Codec, JpegDecodesCloseToSource) {
  TempDir dir;
  std::vector<uint8_t> flat(16 * 16 * 3, 0);
  for (size_t i = 0; i < flat.size(); i += 3) flat[i] = 200, flat[i + 1] = 100, flat[i + 2] = 50;
  write_jpeg(dir / "a.jpg", flat.data(), 16, 16, 3, 95);
  Image img;
  std::vector<uint8_t> buf;
  load_image(dir / "a.jpg", 3, img, buf);
  ASSERT_EQ(img.pixels.size(), flat.size());
  for (size_t i = 0; i < flat.size(); ++i) EXPECT_NEAR(img.pixels[i], flat[i], 4) << i;
}

// Decompression bombs: a small file declaring a huge image is refused from its header, before the
// pixel buffer is allocated (10000 x 10000 x 3 bytes is over the 256 MiB limit).
TEST(Codec, HugeDeclaredDimensionsAreRefusedFromTheHeader) {
  TempDir dir;
  const auto rgb = pattern(16, 16, 3, 3);
  write_png(dir / "a.png", rgb.data(), 16, 16, 3);
  auto png = read_bytes(dir / "a.png");
  // IHDR data starts at byte 16: width, height (big-endian), then the chunk's CRC over type + data.
  auto put32 = [](std::vector<uint8_t>& b, size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (24 - 8 * i));
  };
  put32(png, 16, 10000), put32(png, 20, 10000);
  put32(png, 29, static_cast<uint32_t>(crc32(0, png.data() + 12, 17)));
  Image img;
  expect_error([&] { decode_image(png.data(), png.size(), 3, img, "bomb.png"); }, {"bomb.png", "10000x10000x3"});
  EXPECT_TRUE(img.pixels.empty());

  write_jpeg(dir / "a.jpg", rgb.data(), 16, 16, 3);
  auto jpg = read_bytes(dir / "a.jpg");
  size_t sof = 0;
  for (size_t i = 2; i + 9 < jpg.size() && !sof; ++i)
    if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0) sof = i;
  ASSERT_GT(sof, 0u);
  jpg[sof + 5] = jpg[sof + 7] = 10000 >> 8, jpg[sof + 6] = jpg[sof + 8] = 10000 & 0xFF;  // height, width
  expect_error([&] { decode_image(jpg.data(), jpg.size(), 3, img, "bomb.jpg"); }, {"bomb.jpg", "10000x10000x3"});
  EXPECT_TRUE(img.pixels.empty());
}

// A FIFO blocks open() for ever: the scan refuses it (or skips it with skip_bad) without opening it,
// and reading one directly is refused too.
TEST(Folder, FifoAmongTheImagesIsRefusedWithoutHanging) {
  TempDir dir;
  const auto rgb = pattern(8, 8, 3, 4);
  fs::create_directories(dir / "a"), fs::create_directories(dir / "b");
  write_png(dir / "a/x.png", rgb.data(), 8, 8, 3);
  write_png(dir / "b/y.png", rgb.data(), 8, 8, 3);
  ASSERT_EQ(::mkfifo((dir / "a/pipe.png").c_str(), 0600), 0);
  expect_error([&] { load_image_folder(dir.str()); }, {"pipe.png", "not a regular file"});
  FolderOptions skip;
  skip.skip_bad = true;
  FolderReport rep;
  EXPECT_EQ(load_image_folder(dir.str(), skip, &rep)->size(), 2);
  EXPECT_EQ(rep.skipped, 1);
  std::vector<uint8_t> buf;
  expect_error([&] { read_file(dir / "a/pipe.png", buf); }, {"pipe.png", "not a regular file"});
}

TEST(Codec, CorruptAndUnknownDataNameTheSource) {
  TempDir dir;
  const auto rgb = pattern(16, 16, 3, 2);
  write_jpeg(dir / "a.jpg", rgb.data(), 16, 16, 3);
  auto bytes = read_bytes(dir / "a.jpg");
  Image img;
  bytes.resize(bytes.size() / 3);  // truncated JPEG
  expect_error([&] { decode_image(bytes.data(), bytes.size(), 3, img, "cut.jpg"); }, {"cut.jpg", "JPEG"});
  write_png(dir / "a.png", rgb.data(), 16, 16, 3);
  bytes = read_bytes(dir / "a.png");
  bytes.resize(bytes.size() / 2);
  expect_error([&] { decode_image(bytes.data(), bytes.size(), 3, img, "cut.png"); }, {"cut.png", "PNG"});
  const std::string text = "hello, not an image";
  expect_error([&] { decode_image(reinterpret_cast<const uint8_t*>(text.data()), text.size(), 3, img, "t.txt"); },
               {"t.txt", "not a JPEG or PNG"});
}

// root/<cat|dog>/..., 3 + 2 images of 8x8.
void write_tree(const TempDir& dir) {
  fs::create_directories(dir / "cat");
  for (int i = 0; i < 3; ++i) {
    auto p = pattern(8, 8, 3, i);
    write_png(dir / ("cat/" + std::to_string(i) + ".png"), p.data(), 8, 8, 3);
  }
  fs::create_directories(dir / "dog");
  for (int i = 0; i < 2; ++i) {
    auto p = pattern(8, 8, 3, 10 + i);
    write_jpeg(dir / ("dog/" + std::to_string(i) + ".jpg"), p.data(), 8, 8, 3);
  }
}

TEST(Folder, ScansClassesInOrder) {
  TempDir dir;
  write_tree(dir);
  write_bytes(dir / "cat/.hidden", {1, 2, 3});  // ignored
  for (const char* cache : {"off", "on", "auto"}) {
    FolderOptions opt;
    opt.cache = cache;
    FolderReport rep;
    auto ds = load_image_folder(dir.str(), opt, &rep);
    ASSERT_EQ(ds->size(), 5) << cache;
    EXPECT_EQ(ds->num_classes(), 2);
    EXPECT_EQ(ds->class_names()[0], "cat");
    EXPECT_EQ(ds->label(2), 0);
    EXPECT_EQ(ds->label(3), 1);
    EXPECT_EQ(rep.cached, std::string(cache) != "off");
    Image scratch;
    auto v = ds->image(1, scratch);
    EXPECT_EQ(v.h, 8);
    EXPECT_EQ(v.c, 3);
    const auto want = pattern(8, 8, 3, 1);
    EXPECT_TRUE(std::equal(want.begin(), want.end(), v.data)) << cache;
  }
}

TEST(Folder, NonImageFileNamesItOrIsSkipped) {
  TempDir dir;
  write_tree(dir);
  write_bytes(dir / "dog/notes.txt", {'h', 'i'});
  expect_error([&] { load_image_folder(dir.str()); }, {dir / "dog/notes.txt", "not a JPEG or PNG", "--skip-bad"});
  FolderOptions opt;
  opt.skip_bad = true;
  FolderReport rep;
  auto ds = load_image_folder(dir.str(), opt, &rep);
  EXPECT_EQ(ds->size(), 5);
  EXPECT_EQ(rep.skipped, 1);
  ASSERT_EQ(rep.skipped_files.size(), 1u);
  EXPECT_NE(rep.skipped_files[0].find("notes.txt"), std::string::npos);
}

TEST(Folder, UnreadableFileNamesIt) {
  TempDir dir;
  write_tree(dir);
  fs::create_symlink(dir / "cat/gone.png", dir / "cat/link.png");  // dangling: cannot be opened
  expect_error([&] { load_image_folder(dir.str()); }, {dir / "cat/link.png", "cannot open"});
  FolderOptions opt;
  opt.skip_bad = true;
  FolderReport rep;
  EXPECT_EQ(load_image_folder(dir.str(), opt, &rep)->size(), 5);
  EXPECT_EQ(rep.skipped, 1);
}

TEST(Folder, CorruptImageNamesItWhenCachingOrLoading) {
  TempDir dir;
  write_tree(dir);
  auto bytes = read_bytes(dir / "dog/1.jpg");
  bytes.resize(bytes.size() / 2);
  write_bytes(dir / "dog/1.jpg", bytes);
  FolderOptions opt;
  opt.cache = "on";
  expect_error([&] { load_image_folder(dir.str(), opt); }, {dir / "dog/1.jpg", "corrupt JPEG"});
  opt.skip_bad = true;
  FolderReport rep;
  EXPECT_EQ(load_image_folder(dir.str(), opt, &rep)->size(), 4);
  EXPECT_EQ(rep.skipped, 1);
  // Without the cache the signature is fine; decoding (in the loader) names the file.
  opt = FolderOptions();
  opt.cache = "off";
  auto ds = load_image_folder(dir.str(), opt);
  Image scratch;
  expect_error([&] { ds->image(4, scratch); }, {dir / "dog/1.jpg"});
}

TEST(Folder, EmptyClassFolderNamesIt) {
  TempDir dir;
  write_tree(dir);
  fs::create_directories(dir / "emu");
  expect_error([&] { load_image_folder(dir.str()); }, {dir / "emu", "empty class folder"});
  // Only bad files in a class: still empty when skipping.
  write_bytes(dir / "emu/readme.md", {'x'});
  FolderOptions opt;
  opt.skip_bad = true;
  expect_error([&] { load_image_folder(dir.str(), opt); }, {dir / "emu", "empty class folder"});
}

TEST(Folder, MissingOrClasslessRootNamesIt) {
  TempDir dir;
  expect_error([&] { load_image_folder(dir / "none"); }, {dir / "none", "not found"});
  expect_error([&] { load_image_folder(dir.str()); }, {dir.str(), "no class folders"});
}

TEST(Folder, MixedSizesRefuseTheCacheButLoadUncached) {
  TempDir dir;
  write_tree(dir);
  auto big = pattern(12, 10, 3, 5);
  write_png(dir / "dog/big.png", big.data(), 12, 10, 3);
  FolderOptions opt;
  opt.cache = "on";
  expect_error([&] { load_image_folder(dir.str(), opt); }, {dir / "dog/big.png", "--cache off"});
  opt.cache = "off";
  auto ds = load_image_folder(dir.str(), opt);
  EXPECT_EQ(ds->size(), 6);
  EXPECT_EQ(ds->fixed_h(), 0);
}

TEST(Cifar10Folder, CountsAndClasses) {
  const std::string root = cifar10_jpeg_tree();
  if (root.empty())
    GTEST_SKIP() << "CIFAR-10 JPEG tree not found: neither " << data_root() << "/cifar10/jpg nor "
                 << data_root() << "/cifar10/cifar10-jpg.tar.gz (set IQNAS_DATA, or run "
                 << "scripts/get-data.sh cifar10; see docs/data.md)";
  FolderOptions opt;
  opt.cache = "off";  // one pass over the file list; decoding all 60,000 is the bench's job
  for (const auto& [split, n] : {std::pair<std::string, int64_t>{"train", 50000}, {"test", 10000}}) {
    auto ds = load_image_folder(root + "/" + split, opt);
    ASSERT_EQ(ds->size(), n) << split;
    ASSERT_EQ(ds->num_classes(), 10);
    EXPECT_EQ(ds->class_names()[0], "airplane");
    EXPECT_EQ(ds->class_names()[9], "truck");
    for (int64_t c : class_counts(*ds)) EXPECT_EQ(c, n / 10) << split;
    Image scratch;
    auto v = ds->image(n - 1, scratch);
    EXPECT_EQ(v.h, 32);
    EXPECT_EQ(v.w, 32);
    EXPECT_EQ(v.c, 3);
  }
}

}  // namespace
}  // namespace iqnas::data

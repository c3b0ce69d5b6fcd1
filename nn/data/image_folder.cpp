#include "nn/data/image_folder.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <thread>

#include "nn/data/image_codec.h"

namespace fs = std::filesystem;

namespace iqnas::data {

ImageFolderDataset::ImageFolderDataset(std::string root, std::vector<std::string> classes,
                                       std::vector<std::string> files, std::vector<int32_t> labels,
                                       int channels, int fixed_h, int fixed_w)
    : root_(std::move(root)), classes_(std::move(classes)), files_(std::move(files)),
      labels_(std::move(labels)), channels_(channels), fixed_h_(fixed_h), fixed_w_(fixed_w) {}

ImageView ImageFolderDataset::image(int64_t i, Image& scratch) const {
  thread_local std::vector<uint8_t> buffer;
  load_image(files_[static_cast<size_t>(i)], channels_, scratch, buffer);
  return scratch.view();
}

namespace {

bool hidden(const fs::path& p) { return p.filename().string().rfind('.', 0) == 0; }

// Empty string when the file opens and starts like a JPEG or PNG, else the reason.
std::string check_signature(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string("cannot open (") + std::strerror(errno) + ")";
  uint8_t head[8];
  const size_t n = std::fread(head, 1, sizeof head, f);
  std::fclose(f);
  if (sniff_format(head, n) == ImageFormat::Unknown) return "not a JPEG or PNG image";
  return {};
}

void note_skip(FolderReport& r, const std::string& what) {
  ++r.skipped;
  if (r.skipped_files.size() < 20) r.skipped_files.push_back(what);
}

// Runs fn(i) for i in [0, n) on `threads` threads; rethrows the first exception.
template <class Fn>
void parallel_for(int64_t n, int threads, Fn fn) {
  std::atomic<int64_t> next{0};
  std::exception_ptr error;
  std::mutex m;
  auto work = [&] {
    for (;;) {
      const int64_t i = next.fetch_add(1);
      if (i >= n) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(m);
        if (!error) error = std::current_exception();
        next = n;
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

}  // namespace

std::shared_ptr<Dataset> load_image_folder(const std::string& root, const FolderOptions& opt,
                                           FolderReport* report_out) {
  if (opt.channels != 1 && opt.channels != 3)
    throw std::invalid_argument("load_image_folder: channels must be 1 or 3");
  FolderReport report;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw DataError(root + ": image folder not found (expected root/<class>/<image> files)");
  std::vector<std::string> classes;
  for (const auto& e : fs::directory_iterator(root, ec))
    if (!hidden(e.path()) && e.is_directory()) classes.push_back(e.path().filename().string());
  if (ec) throw DataError(root + ": cannot list folder (" + ec.message() + ")");
  if (classes.empty()) throw DataError(root + ": no class folders (expected root/<class>/<image> files)");
  std::sort(classes.begin(), classes.end());

  std::vector<std::string> files;
  std::vector<int32_t> labels;
  for (size_t k = 0; k < classes.size(); ++k) {
    const fs::path dir = fs::path(root) / classes[k];
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (hidden(e.path())) continue;
      std::error_code ec2;
      if (e.is_directory(ec2)) continue;  // nested folders are not images of this class
      names.push_back(e.path().string());
    }
    if (ec) throw DataError(dir.string() + ": cannot list folder (" + ec.message() + ")");
    std::sort(names.begin(), names.end());
    int64_t good = 0;
    for (auto& f : names) {
      std::error_code ec3;
      // Checked before opening: open() on a FIFO blocks for ever, a device may never end. What
      // cannot be stat'ed (a broken link) is left to the open, which names the cause.
      const fs::file_status st = fs::status(f, ec3);
      const bool special = !ec3 && !fs::is_regular_file(st);
      if (opt.check_signatures || special) {
        const std::string why = special ? "not a regular file (a FIFO, device or socket)" : check_signature(f);
        if (!why.empty()) {
          if (!opt.skip_bad) throw DataError(f + ": " + why + " (pass --skip-bad to skip such files)");
          note_skip(report, f + ": " + why);
          continue;
        }
      }
      files.push_back(std::move(f));
      labels.push_back(static_cast<int32_t>(k));
      ++good;
    }
    if (good == 0)
      throw DataError(dir.string() + ": empty class folder (no JPEG or PNG images" +
                      (names.empty() ? std::string() : ", " + std::to_string(names.size()) + " bad files") +
                      "); remove it or add images");
  }

  const int threads = opt.threads > 0 ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  std::shared_ptr<Dataset> result;
  bool cache = opt.cache == "on";
  Image first;
  if (opt.cache != "on" && opt.cache != "off" && opt.cache != "auto")
    throw std::invalid_argument("load_image_folder: cache must be on, off or auto, not '" + opt.cache + "'");
  if (opt.cache == "auto") {
    // Probe the first decodable image: decoded size times count against the limit.
    std::vector<uint8_t> buf;
    for (const auto& f : files) {
      try {
        load_image(f, opt.channels, first, buf);
        break;
      } catch (const DataError&) {
        if (!opt.skip_bad) throw;
      }
    }
    cache = first.h > 0 &&
            static_cast<int64_t>(first.pixels.size()) * static_cast<int64_t>(files.size()) <= opt.cache_limit_bytes;
  }
  if (cache && !files.empty()) {
    // Decode every image once; all must share the size of the first.
    const int64_t n = static_cast<int64_t>(files.size());
    std::vector<Image> decoded(static_cast<size_t>(n));
    std::vector<std::string> bad(static_cast<size_t>(n));
    parallel_for(n, threads, [&](int64_t i) {
      thread_local std::vector<uint8_t> buf;
      try {
        load_image(files[static_cast<size_t>(i)], opt.channels, decoded[static_cast<size_t>(i)], buf);
      } catch (const DataError& e) {
        if (!opt.skip_bad) throw;
        bad[static_cast<size_t>(i)] = e.what();
      }
    });
    int h = 0, w = 0;
    for (int64_t i = 0; i < n && h == 0; ++i)
      if (bad[static_cast<size_t>(i)].empty()) h = decoded[static_cast<size_t>(i)].h, w = decoded[static_cast<size_t>(i)].w;
    if (h == 0) throw DataError(root + ": no decodable images");
    auto mem = std::make_shared<InMemoryDataset>(root, root, h, w, opt.channels, classes);
    mem->reserve(n);
    std::vector<int64_t> per_class(classes.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
      const auto& img = decoded[static_cast<size_t>(i)];
      if (!bad[static_cast<size_t>(i)].empty()) {
        note_skip(report, bad[static_cast<size_t>(i)]);
        continue;
      }
      if (img.h != h || img.w != w) {
        const std::string msg = files[static_cast<size_t>(i)] + ": image is " + std::to_string(img.h) + "x" +
                                std::to_string(img.w) + " but the first is " + std::to_string(h) + "x" +
                                std::to_string(w) + "; the in-memory cache needs one size (use --cache off)";
        throw DataError(msg);
      }
      mem->add(img.pixels.data(), labels[static_cast<size_t>(i)]);
      ++per_class[static_cast<size_t>(labels[static_cast<size_t>(i)])];
      decoded[static_cast<size_t>(i)] = Image();  // free as we go
    }
    for (size_t k = 0; k < classes.size(); ++k)
      if (per_class[k] == 0)
        throw DataError((fs::path(root) / classes[k]).string() + ": empty class folder (no decodable images)");
    report.cached = true;
    result = mem;
  } else {
    result = std::make_shared<ImageFolderDataset>(root, classes, std::move(files), std::move(labels),
                                                  opt.channels, 0, 0);
  }
  report.images = result->size();
  if (report_out) *report_out = report;
  return result;
}

}  // namespace iqnas::data

// Image folders in the ImageNet layout: root/<class>/<image>, classes in sorted name order (label =
// position), images sorted by name, JPEG or PNG recognised by content. Hidden files are ignored.
//
// Scanning opens every file and checks its signature, so unreadable and non-image files are found
// up front (one pass over the file list); `skip_bad` counts and skips them instead of failing. With
// caching, every image is decoded once (in parallel) into an InMemoryDataset, which also catches
// corrupt image data at load time; without it images are decoded by the loader's threads.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nn/data/dataset.h"

namespace iqnas::data {

struct FolderOptions {
  int channels = 3;       // decode to 1 (grey) or 3 (RGB)
  bool skip_bad = false;  // skip (and count) unreadable, non-image and corrupt files
  // Decode everything into memory: "on", "off", or "auto" (on when the images share one size and
  // the decoded set fits in `cache_limit_bytes`).
  std::string cache = "auto";
  int64_t cache_limit_bytes = int64_t(4) << 30;
  int threads = 0;        // decoding threads for the cache (0: hardware concurrency)
  bool check_signatures = true;  // open every file at scan time to check it is JPEG/PNG
};

struct FolderReport {
  int64_t images = 0;
  int64_t skipped = 0;                     // bad files skipped (skip_bad)
  std::vector<std::string> skipped_files;  // up to 20 of them, with the reason
  bool cached = false;
};

// Files of an image folder, decoded on demand.
class ImageFolderDataset : public Dataset {
 public:
  ImageFolderDataset(std::string root, std::vector<std::string> classes, std::vector<std::string> files,
                     std::vector<int32_t> labels, int channels, int fixed_h, int fixed_w);
  std::string name() const override { return root_; }
  std::string source() const override { return root_; }
  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  int32_t label(int64_t i) const override { return labels_[static_cast<size_t>(i)]; }
  const std::vector<std::string>& class_names() const override { return classes_; }
  ImageView image(int64_t i, Image& scratch) const override;
  int fixed_h() const override { return fixed_h_; }
  int fixed_w() const override { return fixed_w_; }
  int channels() const override { return channels_; }
  const std::string& file(int64_t i) const { return files_[static_cast<size_t>(i)]; }

 private:
  std::string root_;
  std::vector<std::string> classes_, files_;
  std::vector<int32_t> labels_;
  int channels_, fixed_h_, fixed_w_;
};

// Scans root; DataError naming the file or folder for: a missing root, a root without class
// folders, an empty class folder, an unreadable or non-image file (unless skip_bad).
std::shared_ptr<Dataset> load_image_folder(const std::string& root, const FolderOptions& opt = {},
                                           FolderReport* report = nullptr);

}  // namespace iqnas::data

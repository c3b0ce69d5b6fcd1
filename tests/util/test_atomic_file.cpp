#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/atomic_file.h"

namespace fs = std::filesystem;

namespace {
std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
fs::path fresh_dir(const char* name) {
  const fs::path d = fs::temp_directory_path() / (std::string(name) + "." + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST(AtomicFile, WritesAndReplacesLeavingNoTemporaryFile) {
  const fs::path d = fresh_dir("iqnas_atomic");
  const fs::path f = d / "a.json";
  iqnas::write_file_atomic(f.string(), "first");
  EXPECT_EQ(read(f), "first");
  iqnas::write_file_atomic(f.string(), "second, longer");
  EXPECT_EQ(read(f), "second, longer");
  EXPECT_EQ(std::distance(fs::directory_iterator(d), fs::directory_iterator{}), 1);
  fs::remove_all(d);
}

TEST(AtomicFile, RefusesNonRegularTargetsAndKeepsThemIntact) {
  const fs::path d = fresh_dir("iqnas_atomic_fifo");
  const fs::path fifo = d / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_THROW(iqnas::write_file_atomic(fifo.string(), "x"), std::runtime_error);
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_THROW(iqnas::write_file_atomic(d.string(), "x"), std::runtime_error);  // a directory
  EXPECT_TRUE(fs::is_directory(d));
  fs::remove_all(d);
}

TEST(AtomicFile, FailureNamesThePathAndLeavesTheOldContent) {
  const fs::path d = fresh_dir("iqnas_atomic_fail");
  const fs::path f = d / "keep.txt";
  iqnas::write_file_atomic(f.string(), "good");
  try {
    iqnas::write_file_atomic((d / "missing-dir" / "x.txt").string(), "y");
    FAIL() << "writing into a missing directory must fail";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing-dir"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read(f), "good");
  fs::remove_all(d);
}


// Output files of the solver: atomic, checked, never replacing what is not a regular file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "solver/atomic_file.h"
#include "solver/problem_io.h"

using namespace iqnas::solver;
namespace fs = std::filesystem;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

fs::path fresh_dir(const char* name) {
  const fs::path d = fs::path(::testing::TempDir()) / (std::string(name) + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

}  // namespace

TEST(AtomicFile, ReplacesTheFileAndLeavesNoTemporary) {
  const fs::path d = fresh_dir("atomic_a");
  const std::string f = (d / "r.json").string();
  write_file_atomically("first\n", f);
  write_file_atomically("second\n", f);
  EXPECT_EQ(slurp(f), "second\n");
  int files = 0;
  for (const auto& e : fs::directory_iterator(d)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);  // no .tmp left behind
  fs::remove_all(d);
}

TEST(AtomicFile, RefusesSpecialFilesAndWritesThroughLinks) {
  const fs::path d = fresh_dir("atomic_b");
  const std::string fifo = (d / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    write_file_atomically("x", fifo);
    ADD_FAILURE() << "a FIFO was replaced";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(fifo + ": exists and is not a regular file"), std::string::npos) << e.what();
  }
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));  // still a FIFO
  EXPECT_THROW(write_file_atomically("x", d.string()), std::runtime_error);  // a folder
  EXPECT_THROW(read_problem(fifo), std::runtime_error);                     // and no blocking read
  // a symbolic link: its target gets the text, the link stays a link
  const std::string target = (d / "target.txt").string(), link = (d / "link.txt").string();
  write_file_atomically("old", target);
  fs::create_symlink(target, link);
  write_file_atomically("new", link);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(target), "new");
  // a folder that does not exist: the error names the path
  const std::string missing = (d / "no" / "r.json").string();
  try {
    write_file_atomically("x", missing);
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  fs::remove_all(d);
}

TEST(AtomicFile, SameFile) {
  const fs::path d = fresh_dir("atomic_c");
  const std::string a = (d / "a.json").string();
  write_file_atomically("{}", a);
  EXPECT_TRUE(same_file(a, (d / "." / "a.json").string()));
  EXPECT_TRUE(same_file((d / "new.csv").string(), (d / "x" / ".." / "new.csv").string()));  // neither exists
  EXPECT_FALSE(same_file(a, (d / "b.json").string()));
  fs::create_symlink(a, d / "l.json");
  EXPECT_TRUE(same_file(a, (d / "l.json").string()));
  fs::remove_all(d);
}

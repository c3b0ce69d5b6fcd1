// Output files: atomic, checked, never replacing what is not a regular file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/atomic_file.h"

using namespace iqnas;
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
  write_file_atomic(f, "first\n");
  write_file_atomic(f, "second\n");
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
    write_file_atomic(fifo, "x");
    ADD_FAILURE() << "a FIFO was replaced";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(fifo + ": exists and is not a regular file"), std::string::npos) << e.what();
  }
  struct stat st {};
  ASSERT_EQ(::stat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));  // still a FIFO
  EXPECT_THROW(write_file_atomic(d.string(), "x"), std::runtime_error);  // a folder
  // a symbolic link: its target gets the text, the link stays a link
  const std::string target = (d / "target.txt").string(), link = (d / "link.txt").string();
  write_file_atomic(target, "old");
  fs::create_symlink(target, link);
  write_file_atomic(link, "new");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(target), "new");
  // a folder that does not exist: the error names the path
  const std::string missing = (d / "no" / "r.json").string();
  try {
    write_file_atomic(missing, "x");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  // an empty path (`--out ""`): a clear message, and no ".tmp.<pid>" left in the working folder
  try {
    write_file_atomic("", "x");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "the output path is empty");
  }
  for (const auto& e : fs::directory_iterator(fs::current_path()))
    EXPECT_NE(e.path().filename().string().rfind(".tmp.", 0), 0u) << e.path();
  fs::remove_all(d);
}

// A process killed between creating its temporary file and the rename leaves `<target>.tmp.<pid>`;
// the next write of that target removes it, and leaves a live process's and other files' alone.
TEST(AtomicFile, TemporariesOfDeadProcessesAreRemovedByTheNextWrite) {
  const fs::path d = fresh_dir("atomic_stale");
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ASSERT_EQ(::waitpid(child, nullptr, 0), child);  // reaped: its pid names no process now
  const std::string target = (d / "r.json").string();
  const std::string dead = target + ".tmp." + std::to_string(child);
  const std::string live = target + ".tmp.1";  // init: alive
  const std::string other = (d / "s.json.tmp.").string() + std::to_string(child);
  for (const auto& p : {dead, live, other}) std::ofstream(p) << "partial";
  write_file_atomic(target, "new");
  EXPECT_EQ(slurp(target), "new");
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other));
  fs::remove_all(d);
}

TEST(AtomicFile, SameFile) {
  const fs::path d = fresh_dir("atomic_c");
  const std::string a = (d / "a.json").string();
  write_file_atomic(a, "{}");
  EXPECT_TRUE(same_file(a, (d / "." / "a.json").string()));
  EXPECT_TRUE(same_file((d / "new.csv").string(), (d / "x" / ".." / "new.csv").string()));  // neither exists
  EXPECT_FALSE(same_file(a, (d / "b.json").string()));
  fs::create_symlink(a, d / "l.json");
  EXPECT_TRUE(same_file(a, (d / "l.json").string()));
  fs::remove_all(d);
}

// A progress line for long runs: "<name> 37/136 (27%) <what>, 1m02s elapsed, ETA 2m10s", on
// stderr. On a terminal the line is rewritten in place; in a log (stderr not a terminal) a plain
// line is written at most every 10 seconds and at the end. `--quiet` silences every progress
// line and note of the process (set_progress_quiet, called by the command-line Output).
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace iqnas {

class Progress {
 public:
  Progress(std::string name, size_t total, size_t already_done = 0);
  void update(size_t done, const std::string& what);
  void update(size_t done, size_t total, const std::string& what);  // when the total is known late
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  void finish();  // ends the rewritten line on a terminal (also done by the destructor)

 private:
  std::string name_;
  size_t total_, start_done_;
  bool tty_, printed_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

std::string format_seconds(double s);  // "2m10s", "1h03m", "12s"

// Process-wide: no progress lines or progress notes (--quiet). Off by default.
void set_progress_quiet(bool quiet);
bool progress_quiet();
// A one-off message beside the progress lines (printf-style, on stderr); dropped when quiet.
void progress_note(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace iqnas

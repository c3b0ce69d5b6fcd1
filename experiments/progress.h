// A progress line for long commands: "<name> 37/136 (27%) <what> ETA 2m10s". On a terminal the
// line is rewritten in place; in a log (stderr not a terminal) a plain line is written at most
// every 10 seconds and at the end.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace iqnas::cli {

class Progress {
 public:
  Progress(std::string name, size_t total, size_t already_done = 0);
  void update(size_t done, const std::string& what);
  void finish();  // ends the line on a terminal

 private:
  std::string name_;
  size_t total_, start_done_;
  bool tty_;
  std::chrono::steady_clock::time_point start_, last_print_;
};

std::string format_seconds(double s);  // "2m10s", "1h03m", "12s"

}  // namespace iqnas::cli

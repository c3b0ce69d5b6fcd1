#include "util/progress.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>

namespace iqnas {

namespace {
bool g_quiet = false;
}

void set_progress_quiet(bool quiet) { g_quiet = quiet; }
bool progress_quiet() { return g_quiet; }

void progress_note(const char* fmt, ...) {
  if (g_quiet) return;
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
}

std::string format_seconds(double s) {
  char buf[32];
  const long t = static_cast<long>(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t / 60) % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", t);
  return buf;
}

Progress::Progress(std::string name, size_t total, size_t already_done)
    : name_(std::move(name)), total_(total), start_done_(already_done), tty_(::isatty(2) != 0),
      start_(std::chrono::steady_clock::now()), last_print_(start_) {}

void Progress::update(size_t done, const std::string& what) {
  if (g_quiet) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const bool last = done >= total_;
  if (!tty_ && !last && std::chrono::duration<double>(now - last_print_).count() < 10.0) return;
  last_print_ = now;
  printed_ = true;
  std::string eta = "?";
  if (done > start_done_) eta = format_seconds(elapsed / static_cast<double>(done - start_done_) * static_cast<double>(last ? 0 : total_ - done));
  std::fprintf(stderr, "%s%s %zu/%zu (%.0f%%) %s, %s elapsed, ETA %s%s", tty_ ? "\r\033[K" : "", name_.c_str(), done,
               total_, total_ ? 100.0 * static_cast<double>(done) / static_cast<double>(total_) : 100.0, what.c_str(),
               format_seconds(elapsed).c_str(), eta.c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
}

void Progress::update(size_t done, size_t total, const std::string& what) {
  total_ = total;
  update(done, what);
}

void Progress::finish() {
  if (tty_ && printed_) std::fprintf(stderr, "\n");
  printed_ = false;
}

}  // namespace iqnas

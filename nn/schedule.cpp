#include "nn/schedule.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace iqnas {

namespace {
constexpr double kPi = 3.14159265358979323846;

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("LrSchedule: " + what); }
}  // namespace

double warmup_factor(int64_t t, int64_t warmup_steps, double start_factor) {
  if (t >= warmup_steps || warmup_steps <= 0) return 1.0;
  const double frac = static_cast<double>(std::max<int64_t>(t, 0)) / static_cast<double>(warmup_steps);
  return start_factor + (1.0 - start_factor) * frac;
}

double cosine_lr(int64_t t, int64_t warmup_steps, int64_t total_steps, double base_lr, double final_lr) {
  const int64_t span = total_steps - warmup_steps;
  double p = span > 0 ? static_cast<double>(t - warmup_steps) / static_cast<double>(span) : 1.0;
  p = std::min(1.0, std::max(0.0, p));
  return final_lr + (base_lr - final_lr) * 0.5 * (1.0 + std::cos(kPi * p));
}

double step_decay_lr(int64_t t, int64_t warmup_steps, double every_steps, double gamma, double base_lr) {
  const double s = static_cast<double>(std::max<int64_t>(t - warmup_steps, 0));
  // floor(s / every), corrected so that k * every <= s < (k + 1) * every holds in floating point.
  double k = std::floor(s / every_steps);
  while (k > 0 && k * every_steps > s) k -= 1;
  while ((k + 1) * every_steps <= s) k += 1;
  return base_lr * std::pow(gamma, k);
}

LrSchedule LrSchedule::constant(double base_lr, int64_t warmup_steps, double warmup_start_factor) {
  LrSchedule s;
  s.kind = Kind::Constant;
  s.base_lr = base_lr;
  s.warmup_steps = warmup_steps;
  s.warmup_start_factor = warmup_start_factor;
  s.validate();
  return s;
}

LrSchedule LrSchedule::cosine(double base_lr, int64_t total_steps, double final_lr, int64_t warmup_steps,
                              double warmup_start_factor) {
  LrSchedule s;
  s.kind = Kind::Cosine;
  s.base_lr = base_lr;
  s.total_steps = total_steps;
  s.final_lr = final_lr;
  s.warmup_steps = warmup_steps;
  s.warmup_start_factor = warmup_start_factor;
  s.validate();
  return s;
}

LrSchedule LrSchedule::step(double base_lr, double gamma, double every_steps, int64_t warmup_steps,
                            double warmup_start_factor) {
  LrSchedule s;
  s.kind = Kind::Step;
  s.base_lr = base_lr;
  s.gamma = gamma;
  s.every = every_steps;
  s.warmup_steps = warmup_steps;
  s.warmup_start_factor = warmup_start_factor;
  s.validate();
  return s;
}

void LrSchedule::validate() const {
  if (!std::isfinite(base_lr) || base_lr < 0) bad("base_lr must be finite and >= 0");
  if (warmup_steps < 0) bad("warmup_steps must be >= 0");
  if (!std::isfinite(warmup_start_factor) || warmup_start_factor < 0 || warmup_start_factor > 1)
    bad("warmup_start_factor must lie in [0, 1]");
  if (kind == Kind::Cosine) {
    if (total_steps < warmup_steps) bad("total_steps must be >= warmup_steps");
    if (!std::isfinite(final_lr) || final_lr < 0 || final_lr > base_lr) bad("final_lr must lie in [0, base_lr]");
  }
  if (kind == Kind::Step) {
    if (!std::isfinite(gamma) || gamma <= 0) bad("gamma must be finite and > 0");
    if (!std::isfinite(every) || every <= 0) bad("the decay period (every) must be > 0 steps");
  }
}

double LrSchedule::lr_at(int64_t t) const {
  validate();
  if (t < 0) bad("negative step " + std::to_string(t));
  if (t < warmup_steps) return base_lr * warmup_factor(t, warmup_steps, warmup_start_factor);
  switch (kind) {
    case Kind::Constant:
      return base_lr;
    case Kind::Cosine:
      return cosine_lr(t, warmup_steps, total_steps, base_lr, final_lr);
    case Kind::Step:
      return step_decay_lr(t, warmup_steps, every, gamma, base_lr);
  }
  return base_lr;
}

std::string LrSchedule::describe() const {
  std::ostringstream o;
  o << (kind == Kind::Constant ? "constant" : kind == Kind::Cosine ? "cosine" : "step")
    << " base_lr=" << base_lr;
  if (warmup_steps > 0) o << " warmup=" << warmup_steps << " (from " << warmup_start_factor << "x)";
  if (kind == Kind::Cosine) o << " total=" << total_steps << " final_lr=" << final_lr;
  if (kind == Kind::Step) o << " gamma=" << gamma << " every=" << every << " steps";
  return o.str();
}

}  // namespace iqnas

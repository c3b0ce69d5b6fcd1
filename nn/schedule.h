// Learning-rate schedules as pure functions of the global step (the number of optimiser steps
// already taken, starting at 0). Every schedule starts with an optional linear warm-up:
//   t < W:   lr(t) = base * (f + (1 - f) * t / W)       (f = warmup_start_factor; lr(W) = base)
// and continues with one of
//   Constant: lr(t) = base
//   Cosine:   lr(t) = floor + (base - floor) * (1 + cos(pi * min(1, (t - W) / (T - W)))) / 2
//             (T = total_steps; lr(T) = floor, and the floor is kept after T)
//   Step:     lr(t) = base * gamma ^ k,  k = floor((t - W) / every)   (counted from the end of the
//             warm-up, so the rate is continuous there; `every` is in steps and may be fractional,
//             e.g. the paper's 0.97 every 2.4 epochs is every = 2.4 * steps_per_epoch)
// Steps are integers; use epochs_to_steps() to express epoch counts.
#pragma once
#include <cstdint>
#include <string>

namespace iqnas {

struct LrSchedule {
  enum class Kind { Constant, Cosine, Step };
  Kind kind = Kind::Constant;
  double base_lr = 0.1;
  int64_t warmup_steps = 0;          // W
  double warmup_start_factor = 0.0;  // f: lr(0) = f * base
  int64_t total_steps = 0;           // T (cosine): warm-up included
  double final_lr = 0.0;             // floor (cosine)
  double gamma = 0.97;               // step decay factor
  double every = 1.0;                // step decay period in steps (> 0)

  static LrSchedule constant(double base_lr, int64_t warmup_steps = 0, double warmup_start_factor = 0.0);
  static LrSchedule cosine(double base_lr, int64_t total_steps, double final_lr = 0.0,
                           int64_t warmup_steps = 0, double warmup_start_factor = 0.0);
  static LrSchedule step(double base_lr, double gamma, double every_steps, int64_t warmup_steps = 0,
                         double warmup_start_factor = 0.0);

  // Throws std::invalid_argument with a message naming the offending field.
  void validate() const;
  // The learning rate for global step t (t >= 0). Calls validate().
  double lr_at(int64_t t) const;
  // One line, e.g. "cosine base_lr=0.1 warmup=500 (from 0.1x) total=10000 final_lr=0"
  std::string describe() const;
};

// Free-function forms of the three pieces (no validation).
double warmup_factor(int64_t t, int64_t warmup_steps, double start_factor);  // 1 when t >= W
double cosine_lr(int64_t t, int64_t warmup_steps, int64_t total_steps, double base_lr, double final_lr);
double step_decay_lr(int64_t t, int64_t warmup_steps, double every_steps, double gamma, double base_lr);

// Number of steps in `epochs` epochs (may be fractional), as a fractional step count.
inline double epochs_to_steps(double epochs, int64_t steps_per_epoch) {
  return epochs * static_cast<double>(steps_per_epoch);
}

}  // namespace iqnas

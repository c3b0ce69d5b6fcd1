// Learning-rate schedules at chosen steps against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/schedule.h"

namespace iqnas {
namespace {

constexpr double kTol = 1e-12;

TEST(Schedule, WarmupThenCosine) {
  // base .1, warm-up 100 steps from .1x, cosine over steps 100..1100 down to .001.
  const LrSchedule s = LrSchedule::cosine(0.1, 1100, 0.001, 100, 0.1);
  EXPECT_NEAR(s.lr_at(0), 0.01, kTol);                    // .1 * .1
  EXPECT_NEAR(s.lr_at(50), 0.1 * (0.1 + 0.9 * 0.5), kTol);  // halfway through warm-up: .055
  EXPECT_NEAR(s.lr_at(99), 0.1 * (0.1 + 0.9 * 0.99), kTol);
  EXPECT_NEAR(s.lr_at(100), 0.1, kTol);                   // warm-up end: the base rate
  EXPECT_NEAR(s.lr_at(350), 0.001 + 0.099 * 0.5 * (1 + std::sqrt(0.5)), kTol);  // a quarter: cos(pi/4)
  EXPECT_NEAR(s.lr_at(600), 0.0505, kTol);                // midpoint: (base + floor) / 2
  EXPECT_NEAR(s.lr_at(850), 0.001 + 0.099 * 0.5 * (1 - std::sqrt(0.5)), kTol);
  EXPECT_NEAR(s.lr_at(1100), 0.001, kTol);                // end: the floor
  EXPECT_NEAR(s.lr_at(5000), 0.001, kTol);                // and after it
}

TEST(Schedule, CosineWithoutWarmup) {
  const LrSchedule s = LrSchedule::cosine(0.4, 10);
  EXPECT_NEAR(s.lr_at(0), 0.4, kTol);
  EXPECT_NEAR(s.lr_at(5), 0.2, kTol);
  EXPECT_NEAR(s.lr_at(10), 0.0, kTol);
}

TEST(Schedule, StepDecayInSteps) {
  // .5 halved every 10 steps after a 4-step warm-up from 0.
  const LrSchedule s = LrSchedule::step(0.5, 0.5, 10, 4, 0.0);
  EXPECT_NEAR(s.lr_at(0), 0.0, kTol);
  EXPECT_NEAR(s.lr_at(2), 0.25, kTol);
  EXPECT_NEAR(s.lr_at(4), 0.5, kTol);
  EXPECT_NEAR(s.lr_at(13), 0.5, kTol);   // last step before the first boundary
  EXPECT_NEAR(s.lr_at(14), 0.25, kTol);  // boundary: 10 steps after the warm-up
  EXPECT_NEAR(s.lr_at(23), 0.25, kTol);
  EXPECT_NEAR(s.lr_at(24), 0.125, kTol);
}

TEST(Schedule, PaperStepDecayEvery2Point4Epochs) {
  // 0.97 every 2.4 epochs at 7 steps per epoch: every 16.8 steps, boundaries at 16.8, 33.6, 50.4.
  const double every = epochs_to_steps(2.4, 7);
  EXPECT_NEAR(every, 16.8, 1e-12);
  const LrSchedule s = LrSchedule::step(0.256, 0.97, every);
  EXPECT_NEAR(s.lr_at(16), 0.256, kTol);
  EXPECT_NEAR(s.lr_at(17), 0.256 * 0.97, kTol);
  EXPECT_NEAR(s.lr_at(33), 0.256 * 0.97, kTol);
  EXPECT_NEAR(s.lr_at(34), 0.256 * 0.97 * 0.97, kTol);
  EXPECT_NEAR(s.lr_at(50), 0.256 * 0.97 * 0.97, kTol);
  EXPECT_NEAR(s.lr_at(51), 0.256 * 0.97 * 0.97 * 0.97, kTol);
  // Whole epochs: 390 steps per epoch, every 936 steps.
  const LrSchedule e = LrSchedule::step(0.1, 0.97, epochs_to_steps(2.4, 390));
  EXPECT_NEAR(e.lr_at(935), 0.1, kTol);
  EXPECT_NEAR(e.lr_at(936), 0.097, kTol);
  EXPECT_NEAR(e.lr_at(936 * 10), 0.1 * std::pow(0.97, 10), kTol);
}

TEST(Schedule, ConstantWithAndWithoutWarmup) {
  const LrSchedule s = LrSchedule::constant(0.2, 10, 0.5);
  EXPECT_NEAR(s.lr_at(0), 0.1, kTol);
  EXPECT_NEAR(s.lr_at(5), 0.15, kTol);
  EXPECT_NEAR(s.lr_at(10), 0.2, kTol);
  EXPECT_NEAR(s.lr_at(1000000), 0.2, kTol);
  EXPECT_NEAR(LrSchedule::constant(0.3).lr_at(0), 0.3, kTol);
}

TEST(Schedule, FreeFunctions) {
  EXPECT_NEAR(warmup_factor(0, 4, 0.2), 0.2, kTol);
  EXPECT_NEAR(warmup_factor(2, 4, 0.2), 0.6, kTol);
  EXPECT_NEAR(warmup_factor(4, 4, 0.2), 1.0, kTol);
  EXPECT_NEAR(warmup_factor(3, 0, 0.2), 1.0, kTol);
  EXPECT_NEAR(cosine_lr(15, 10, 20, 1.0, 0.0), 0.5, kTol);
  EXPECT_NEAR(step_decay_lr(25, 5, 10, 0.1, 1.0), 0.01, kTol);
}

TEST(Schedule, RejectsBadConfigurations) {
  EXPECT_THROW(LrSchedule::cosine(0.1, 50, 0.0, 100), std::invalid_argument);  // total < warm-up
  EXPECT_THROW(LrSchedule::cosine(0.1, 100, 0.2), std::invalid_argument);      // floor above base
  EXPECT_THROW(LrSchedule::step(0.1, 0.97, 0.0), std::invalid_argument);
  EXPECT_THROW(LrSchedule::step(0.1, -1.0, 5.0), std::invalid_argument);
  EXPECT_THROW(LrSchedule::constant(-0.1), std::invalid_argument);
  EXPECT_THROW(LrSchedule::constant(0.1, 5, 1.5), std::invalid_argument);
  EXPECT_THROW(LrSchedule::constant(0.1).lr_at(-1), std::invalid_argument);
  EXPECT_NE(LrSchedule::cosine(0.1, 100, 0.0, 5, 0.1).describe().find("cosine"), std::string::npos);
}

}  // namespace
}  // namespace iqnas

// Synchronised batch norm (nn/ops/norm.h BatchNormSync) in one process: two threads play two
// replicas holding 2 and 4 of 6 samples, their sums added through a rendezvous. Together they must
// compute what one batch norm over all 6 samples computes: the outputs and input gradients of
// their rows, the running statistics, and (summed over the replicas) gamma's and beta's gradients.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "nn/ops.h"

namespace iqnas {
namespace {

// Element-wise sums of two threads' vectors, returned to both.
class TwoThreadSum final : public BatchNormSync {
 public:
  void sum(double* v, size_t n) override {
    std::unique_lock<std::mutex> lock(m_);
    const int round = round_;
    if (arrived_++ == 0) acc_.assign(v, v + n);
    else
      for (size_t i = 0; i < n; ++i) acc_[i] += v[i];
    if (arrived_ == 2) {
      arrived_ = 0, ++round_, result_ = acc_;  // acc_ is the next round's as soon as the lock is free
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return round_ != round; });
    }
    std::copy(result_.begin(), result_.begin() + static_cast<std::ptrdiff_t>(n), v);
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<double> acc_, result_;
  int arrived_ = 0, round_ = 0;
};

Tensor random(const Shape& shape, float mean, float stddev, Rng& rng) {
  Tensor t = Tensor::empty(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = static_cast<float>(rng.normal(mean, stddev));
  return t;
}

struct Result {
  Tensor y, w, gx, ggamma, gbeta, running_mean, running_var;
};

constexpr int64_t kFirst[2] = {0, 2}, kCount[2] = {2, 4};

// Batch norm (with `act` after it when set) in training mode on x, loss sum(y * w), backward.
Result run(const Tensor& x0, const Tensor& w, const Tensor& gamma0, const Tensor& beta0, std::optional<Act> act) {
  Var x(x0.clone(), true), gamma(gamma0.clone(), true), beta(beta0.clone(), true);
  Result r;
  r.running_mean = Tensor::full({gamma0.numel()}, 0.5f);
  r.running_var = Tensor::full({gamma0.numel()}, 2.0f);
  const BatchNormState s{&r.running_mean, &r.running_var, 0.1f, 1e-5f};
  Var y = act ? batch_norm_act(x, gamma, beta, s, true, *act) : batch_norm(x, gamma, beta, s, true);
  sum(mul(y, Var(w))).backward();
  r.y = y.value(), r.w = w, r.gx = x.grad(), r.ggamma = gamma.grad(), r.gbeta = beta.grad();
  return r;
}

void expect_near(const Tensor& got, const Tensor& want, const char* what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const std::vector<float> a = got.to_vector(), b = want.to_vector();
  for (size_t i = 0; i < a.size(); ++i) ASSERT_NEAR(a[i], b[i], 2e-5 * (1 + std::fabs(b[i]))) << what << " [" << i << "]";
}

// The two replicas (rows [0, 2) and [2, 6) of x) through the rendezvous.
std::array<Result, 2> run_synced(const Tensor& x, const Tensor& w, const Tensor& gamma, const Tensor& beta,
                                 std::optional<Act> act) {
  TwoThreadSum link;
  std::array<Result, 2> part;
  std::vector<std::thread> replicas;
  for (int k = 0; k < 2; ++k)
    replicas.emplace_back([&, k] {
      const BatchNormSyncScope scope(&link);
      part[k] = run(x.slice(0, kFirst[k], kCount[k]).clone(), w.slice(0, kFirst[k], kCount[k]).clone(), gamma, beta, act);
    });
  for (auto& t : replicas) t.join();
  return part;
}

void check(std::optional<Act> act, float mean, float stddev) {
  Rng rng(7);
  const int64_t C = 5;
  const Tensor x = random({6, 3, 2, C}, mean, stddev, rng), w = random({6, 3, 2, C}, 0.f, 1.f, rng);
  const Tensor gamma = random({C}, 1.f, 0.3f, rng), beta = random({C}, 0.f, 0.3f, rng);
  const Result one = run(x, w, gamma, beta, act);
  const std::array<Result, 2> part = run_synced(x, w, gamma, beta, act);
  for (int k = 0; k < 2; ++k) {
    expect_near(part[k].y, one.y.slice(0, kFirst[k], kCount[k]).contiguous(), "output");
    expect_near(part[k].gx, one.gx.slice(0, kFirst[k], kCount[k]).contiguous(), "input gradient");
    expect_near(part[k].running_mean, one.running_mean, "running mean");
    expect_near(part[k].running_var, one.running_var, "running variance");
  }
  std::vector<float> gg = part[0].ggamma.to_vector(), gb = part[0].gbeta.to_vector();
  for (int64_t c = 0; c < C; ++c) gg[c] += part[1].ggamma.to_vector()[c], gb[c] += part[1].gbeta.to_vector()[c];
  expect_near(Tensor::from_vector({C}, gg), one.ggamma, "gamma gradient");
  expect_near(Tensor::from_vector({C}, gb), one.gbeta, "beta gradient");
  // Per-replica statistics (no sync installed) differ: the comparison above can fail.
  const Result alone = run(x.slice(0, 0, 2).clone(), w.slice(0, 0, 2).clone(), gamma, beta, act);
  EXPECT_GT(std::fabs(alone.y.to_vector()[0] - one.y.to_vector()[0]), 1e-3);
}

TEST(BatchNormSync, TwoReplicasComputeWhatOneBatchComputes) { check(std::nullopt, 4.f, 1.5f); }
TEST(BatchNormSync, TwoReplicasComputeWhatOneBatchComputesWithActivation) { check(Act::HSwish, 4.f, 1.5f); }
// The replicas' variances are combined from their means and squared deviations: no cancellation
// when |mean| >> std.
TEST(BatchNormSync, LargeMeanSmallSpread) {
  check(std::nullopt, 40.f, 0.5f);
  check(Act::ReLU, -40.f, 0.5f);
}

// A replica without rows (an uneven last batch) adds nothing to the sums: the other one computes
// what one batch norm over all the rows computes.
TEST(BatchNormSync, AReplicaWithoutRows) {
  Rng rng(5);
  const int64_t C = 4;
  const Tensor x = random({6, 2, 2, C}, 2.f, 1.f, rng), w = random({6, 2, 2, C}, 0.f, 1.f, rng);
  const Tensor gamma = random({C}, 1.f, 0.3f, rng), beta = random({C}, 0.f, 0.3f, rng);
  const Result one = run(x, w, gamma, beta, Act::ReLU);
  TwoThreadSum link;
  Result part[2];
  std::vector<std::thread> replicas;
  for (int k = 0; k < 2; ++k)
    replicas.emplace_back([&, k] {
      const BatchNormSyncScope scope(&link);
      part[k] = run(x.slice(0, 0, k == 0 ? 0 : 6).clone(), w.slice(0, 0, k == 0 ? 0 : 6).clone(), gamma, beta, Act::ReLU);
    });
  for (auto& t : replicas) t.join();
  expect_near(part[1].y, one.y, "output");
  expect_near(part[1].gx, one.gx, "input gradient");
  expect_near(part[0].running_var, one.running_var, "running variance of the replica without rows");
  expect_near(part[1].ggamma, one.ggamma, "gamma gradient");
}

// The synchronised op's own gradients against central differences of the replicas' summed loss
// sum(y * w), along random directions of x, gamma and beta.
double synced_loss(const Tensor& x, const Tensor& w, const Tensor& gamma, const Tensor& beta, std::optional<Act> act) {
  double l = 0;
  for (const Result& r : run_synced(x, w, gamma, beta, act)) {
    const std::vector<float> y = r.y.to_vector(), wk = r.w.to_vector();
    for (size_t i = 0; i < y.size(); ++i) l += double(y[i]) * wk[i];
  }
  return l;
}

std::vector<float> joined(const Tensor& a, const Tensor& b, bool add) {
  std::vector<float> u = a.to_vector();
  const std::vector<float> v = b.to_vector();
  if (!add) u.insert(u.end(), v.begin(), v.end());
  else
    for (size_t i = 0; i < u.size(); ++i) u[i] += v[i];
  return u;
}

void check_gradients(std::optional<Act> act) {
  Rng rng(11);
  const int64_t C = 5;
  const Tensor x = random({6, 3, 2, C}, 1.f, 1.5f, rng), w = random({6, 3, 2, C}, 0.f, 1.f, rng);
  const Tensor gamma = random({C}, 1.f, 0.3f, rng), beta = random({C}, 0.f, 0.3f, rng);
  const std::array<Result, 2> part = run_synced(x, w, gamma, beta, act);
  auto along = [&](const Tensor& at, const std::vector<float>& grad, auto with, const char* what) {
    const std::vector<float> d = random(at.shape(), 0.f, 1.f, rng).to_vector(), v = at.to_vector();
    const float h = 1e-2f;
    std::vector<float> plus(v), minus(v);
    for (size_t i = 0; i < v.size(); ++i) plus[i] += h * d[i], minus[i] -= h * d[i];
    const double fd = (with(Tensor::from_vector(at.shape(), plus)) - with(Tensor::from_vector(at.shape(), minus))) / (2.0 * h);
    double an = 0;
    for (size_t i = 0; i < grad.size(); ++i) an += double(grad[i]) * d[i];
    EXPECT_NEAR(fd, an, 2e-2 * (1 + std::fabs(an))) << what;
  };
  along(x, joined(part[0].gx, part[1].gx, false), [&](const Tensor& v) { return synced_loss(v, w, gamma, beta, act); }, "x");
  along(gamma, joined(part[0].ggamma, part[1].ggamma, true), [&](const Tensor& v) { return synced_loss(x, w, v, beta, act); },
        "gamma");
  along(beta, joined(part[0].gbeta, part[1].gbeta, true), [&](const Tensor& v) { return synced_loss(x, w, gamma, v, act); },
        "beta");
}

TEST(BatchNormSync, GradientsMatchFiniteDifferences) {
  check_gradients(std::nullopt);
  check_gradients(Act::HSwish);
}

}  // namespace
}  // namespace iqnas
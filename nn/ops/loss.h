// Losses (means over the batch) and the accuracy metric.
#pragma once
#include <cstdint>
#include <vector>

#include "nn/autograd.h"

namespace iqnas {
// Softmax cross-entropy of logits [N, K] against labels in [0, K), with label smoothing eps:
// the target is (1 - eps) on the label plus eps / K on every class.
Var cross_entropy(const Var& logits, const std::vector<int32_t>& labels, float smoothing = 0.f);
// T^2 * KL(softmax(teacher / T) || softmax(student / T)), averaged over the batch.
Var kl_div(const Var& student, const Var& teacher, float temperature = 1.f);
// Mean squared error over all elements.
Var mse(const Var& a, const Var& b);
// Number of rows of logits [N, K] whose arg-max equals the label.
int64_t count_correct(const Tensor& logits, const std::vector<int32_t>& labels);
}  // namespace iqnas

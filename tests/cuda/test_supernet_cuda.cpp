// Supernet training steps on CUDA against the same steps on the CPU: per-sample multipath paths
// (channel and width slices of the shared weights, depth gating) with in-place distillation from
// the heaviest path, cross-entropy, KL and Nesterov SGD. The first GPU use of the supernet.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/optim.h"
#include "supernet/sampler.h"
#include "supernet/supernet.h"
#include "tests/cuda/cuda_test_util.h"

namespace iqnas {
namespace {
using test::err;

TEST(CudaSupernet, MultipathDistillationStepsMatchTheCpu) {
  REQUIRE_GPU();
  const SearchSpace s = find_space("tiny");
  Rng init_cpu(5), init_gpu(5);
  Supernet cpu(s, init_cpu), gpu(s, init_gpu);
  gpu.to(Device::CUDA);
  SgdOptions o;
  o.lr = 0.05f;
  o.nesterov = true;
  o.weight_decay = 1e-4f;
  SGD opt_cpu(cpu.named_parameters(), o), opt_gpu(gpu.named_parameters(), o);
  Rng data(7);
  const int64_t n = 3;
  for (int step = 0; step < 2; ++step) {
    const Tensor x = uniform({n, s.image_size, s.image_size, s.in_channels}, -1.f, 1.f, data);
    std::vector<int32_t> labels;
    for (int64_t i = 0; i < n; ++i) labels.push_back(int32_t(data.below(uint64_t(s.num_classes))));
    const PathSample path = sample_multipath(s, n, data);
    const PathSample heaviest = PathSample::fixed(s, heaviest_arch(s), n);
    float losses[2] = {0, 0};
    int k = 0;
    for (auto [net, opt] : {std::pair<Supernet*, SGD*>{&cpu, &opt_cpu}, {&gpu, &opt_gpu}}) {
      const Device d = net == &cpu ? Device::CPU : Device::CUDA;
      net->train();
      opt->zero_grad();
      Var teacher = net->forward(Var(x.to(d)), heaviest);
      Var student = net->forward(Var(x.to(d)), path);
      Var loss = add(cross_entropy(teacher, labels, 0.1f), kl_div(student, teacher.detach(), 1.f));
      loss.backward();
      opt->step();
      losses[k++] = loss.value().item();
    }
    EXPECT_NEAR(losses[1], losses[0], 1e-4 * (1 + std::abs(losses[0]))) << "loss, step " << step;
  }
  const auto pc = cpu.named_parameters(), pg = gpu.named_parameters();
  ASSERT_EQ(pc.size(), pg.size());
  for (size_t i = 0; i < pc.size(); ++i)
    EXPECT_LT(err(pg[i].second.value().to_vector(), pc[i].second.value().to_vector()), 1e-4) << pc[i].first;
}

}  // namespace
}  // namespace iqnas

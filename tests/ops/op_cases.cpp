#include "tests/ops/op_cases.h"

#include <cmath>
#include <memory>
#include <optional>

#include "nn/ops.h"

namespace iqnas::test {
namespace {

InputSpec in(Shape s, float range = 1.f) { return {std::move(s), -range, range, {}}; }
InputSpec positive(Shape s, float lo, float hi) { return {std::move(s), lo, hi, {}}; }
InputSpec away(Shape s, std::vector<float> kinks) { return {std::move(s), -2.f, 2.f, std::move(kinks)}; }

// Batch norm with running statistics made afresh for every call, on the input's device, from fixed
// values: eval mode reads them, training mode updates them (and must not see an earlier call's).
// With `act`, batch_norm_act.
OpFn batch_norm_case(int64_t channels, bool training, std::optional<Act> act = std::nullopt) {
  auto stats = std::make_shared<std::pair<Tensor, Tensor>>();
  return [=](const std::vector<Var>& v) {
    std::vector<float> mean(static_cast<size_t>(channels)), var(static_cast<size_t>(channels));
    for (int64_t c = 0; c < channels; ++c) mean[size_t(c)] = 0.1f * float(c % 5) - 0.2f, var[size_t(c)] = 0.5f + 0.25f * float(c % 7);
    stats->first = Tensor::from_vector({channels}, mean, v[0].device());
    stats->second = Tensor::from_vector({channels}, var, v[0].device());
    const BatchNormState st{&stats->first, &stats->second, 0.1f, 1e-5f};
    return act ? batch_norm_act(v[0], v[1], v[2], st, training, *act) : batch_norm(v[0], v[1], v[2], st, training);
  };
}

OpFn act_case(Act a) {
  return [a](const std::vector<Var>& v) { return activation(v[0], a); };
}

std::vector<OpCase> build() {
  std::vector<OpCase> c;
  auto conv = [&](std::string name, Shape x, Shape w, int stride, int pad, int groups) {
    c.push_back({std::move(name), {in(x), in(w)},
                 [=](const std::vector<Var>& v) { return conv2d(v[0], v[1], stride, pad, groups); }});
  };
  conv("conv2d_stem_s2", {2, 7, 5, 3}, {4, 3, 3, 3}, 2, 1, 1);
  conv("conv2d_groups2_batch1", {1, 6, 5, 4}, {6, 3, 3, 2}, 1, 1, 2);
  conv("conv2d_depthwise_nopad", {1, 5, 5, 3}, {3, 3, 3, 1}, 2, 0, 3);
  conv("conv2d_1x1", {2, 4, 3, 5}, {2, 1, 1, 5}, 1, 0, 1);
  conv("conv2d_stem_wide", {2, 15, 13, 3}, {8, 3, 3, 3}, 2, 1, 1);

  auto dw = [&](std::string name, Shape x, int k, int stride) {
    c.push_back({std::move(name), {in(x), in({k, k, x[3]})},
                 [=](const std::vector<Var>& v) { return depthwise_conv(v[0], v[1], stride); }});
  };
  dw("depthwise_k3_s1", {1, 7, 6, 5}, 3, 1);
  dw("depthwise_k3_s2", {2, 7, 5, 3}, 3, 2);
  dw("depthwise_k5_s1", {1, 9, 7, 17}, 5, 1);
  dw("depthwise_k5_s2", {2, 8, 9, 4}, 5, 2);
  dw("depthwise_k5_s2_tiny", {1, 3, 3, 2}, 5, 2);
  dw("depthwise_k5_s2_odd", {1, 10, 11, 13}, 5, 2);

  auto pw = [](const std::vector<Var>& v) { return pointwise_conv(v[0], v[1]); };
  c.push_back({"pointwise", {in({2, 3, 5, 7}), in({6, 7})}, pw});
  c.push_back({"pointwise_single_pixel", {in({1, 1, 1, 9}), in({4, 9})}, pw});
  c.push_back({"pointwise_wide", {in({2, 5, 7, 12}), in({20, 12})}, pw});
  c.push_back({"linear", {in({3, 7}), in({5, 7}), in({5})},
               [](const std::vector<Var>& v) { return linear(v[0], v[1], v[2]); }});

  // Inputs scaled up keep the batch variance away from eps, where float differences are noisy.
  c.push_back({"batch_norm_train", {in({3, 4, 3, 5}, 2.f), in({5}), in({5})}, batch_norm_case(5, true), 1e-2f, 3e-2});
  c.push_back({"batch_norm_train_batch1", {in({1, 3, 5, 3}, 2.f), in({3}), in({3})}, batch_norm_case(3, true), 1e-2f, 3e-2});
  c.push_back({"batch_norm_eval", {in({2, 3, 3, 4}), in({4}), in({4})}, batch_norm_case(4, false)});
  c.push_back({"batch_norm_train_wide", {positive({3, 5, 4, 12}, -1.f, 3.f), positive({12}, 0.5f, 1.5f), in({12})},
               batch_norm_case(12, true), 1e-2f, 3e-2});

  // The pre-activations depend on the whole batch, so the inputs cannot be kept off the kinks (a
  // step of beta moves a whole channel): small steps, and shapes and seeds whose checks cross none.
  c.push_back({"batch_norm_act_relu", {in({3, 4, 3, 5}, 2.f), positive({5}, 0.5f, 1.5f), in({5})},
               batch_norm_case(5, true, Act::ReLU), 2e-3f, 3e-2});
  c.push_back({"batch_norm_act_hswish_wide", {positive({3, 5, 4, 12}, -1.f, 3.f), positive({12}, 1.f, 2.5f), in({12}, 2.f)},
               batch_norm_case(12, true, Act::HSwish), 2e-3f, 3e-2});
  c.push_back({"batch_norm_act_hswish_eval", {in({2, 3, 3, 4}), in({4}), in({4})}, batch_norm_case(4, false, Act::HSwish)});

  c.push_back({"relu", {away({2, 3, 5, 7}, {0.f})}, act_case(Act::ReLU)});
  c.push_back({"hswish", {away({2, 3, 5, 7}, {-3.f, 3.f})}, act_case(Act::HSwish)});
  c.push_back({"hsigmoid", {away({2, 3, 5, 7}, {-3.f, 3.f})}, act_case(Act::HSigmoid)});
  c.push_back({"sigmoid", {in({2, 3, 5, 7}, 4.f)}, act_case(Act::Sigmoid)});
  c.push_back({"hswish_wide_range", {{{4, 33}, -4.f, 4.f, {-3.f, 3.f}}}, act_case(Act::HSwish)});

  auto gap = [](const std::vector<Var>& v) { return global_avg_pool(v[0]); };
  c.push_back({"global_avg_pool", {in({2, 3, 5, 7})}, gap});
  c.push_back({"global_avg_pool_1x1", {in({1, 1, 1, 4})}, gap});

  c.push_back({"add", {in({3, 5}), in({3, 5})}, [](const std::vector<Var>& v) { return add(v[0], v[1]); }});
  c.push_back({"mul", {in({2, 3, 7}), in({2, 3, 7})}, [](const std::vector<Var>& v) { return mul(v[0], v[1]); }});
  c.push_back({"scale", {in({4, 3})}, [](const std::vector<Var>& v) { return scale(v[0], -2.5f); }});
  // One input used twice: the gradients of both uses must add up.
  c.push_back({"shared_input", {in({5})}, [](const std::vector<Var>& v) { return mul(v[0], add(v[0], v[0])); }});
  auto mc = [](const std::vector<Var>& v) { return mul_channels(v[0], v[1]); };
  c.push_back({"mul_channels", {in({2, 3, 5, 7}), in({2, 7})}, mc});
  c.push_back({"mul_channels_single", {in({1, 1, 1, 3}), in({1, 3})}, mc});
  c.push_back({"weighted_sum", {in({3, 2, 2, 5}), in({3, 2, 2, 5}), in({3, 2, 2, 5}), in({3}), in({3}), in({3})},
               [](const std::vector<Var>& v) { return weighted_sum({v[0], v[1], v[2]}, {v[3], v[4], v[5]}); }});

  c.push_back({"reshape", {in({3, 5, 2})}, [](const std::vector<Var>& v) { return reshape(v[0], {5, -1}); }});
  c.push_back({"slice_channels", {in({2, 3, 2, 7})}, [](const std::vector<Var>& v) { return slice(v[0], 3, 2, 3); }});
  c.push_back({"slice_rows", {in({4, 6})}, [](const std::vector<Var>& v) { return slice(v[0], 0, 1, 2); }});
  c.push_back({"sum", {in({3, 4})}, [](const std::vector<Var>& v) { return sum(v[0]); }});
  c.push_back({"mean", {in({2, 3, 5})}, [](const std::vector<Var>& v) { return mean(v[0]); }});
  c.push_back({"dropout_fixed_mask", {in({4, 9})}, [](const std::vector<Var>& v) {
                 Rng r(5);  // the same mask in every call: the op is then linear
                 return dropout(v[0], 0.3f, true, r);
               }});
  c.push_back({"gather_rows", {in({4, 2, 3})}, [](const std::vector<Var>& v) { return gather_rows(v[0], {3, 0, 2}); }});
  c.push_back({"gather_rows_repeated", {in({5, 2, 3})},
               [](const std::vector<Var>& v) { return gather_rows(v[0], {1, 1, 4, 1}); }});
  c.push_back({"merge_rows", {in({2, 3}), in({3, 3})},
               [](const std::vector<Var>& v) { return merge_rows({v[0], v[1]}, {{2, 0}, {1, 3, 4}}, 5); }});

  c.push_back({"cross_entropy_smoothing", {in({3, 5}, 3.f)},
               [](const std::vector<Var>& v) { return cross_entropy(v[0], {2, 0, 4}, 0.1f); }});
  c.push_back({"cross_entropy_batch1", {in({1, 7}, 3.f)},
               [](const std::vector<Var>& v) { return cross_entropy(v[0], {1}, 0.f); }});
  c.push_back({"kl_div_temperature2", {in({3, 6}, 3.f), in({3, 6}, 3.f)},
               [](const std::vector<Var>& v) { return kl_div(v[0], v[1], 2.f); }});
  c.push_back({"kl_div_batch1", {in({1, 4}, 3.f), in({1, 4}, 3.f)},
               [](const std::vector<Var>& v) { return kl_div(v[0], v[1], 1.f); }});
  c.push_back({"kl_div_wide", {in({4, 50}, 3.f), in({4, 50}, 3.f)},
               [](const std::vector<Var>& v) { return kl_div(v[0], v[1], 3.f); }});
  c.push_back({"mse", {in({2, 3, 5}), in({2, 3, 5})}, [](const std::vector<Var>& v) { return mse(v[0], v[1]); }});

  // Expansion -> BN -> h-swish -> depthwise 5x5 s2 -> SE gate -> projection, end to end.
  OpFn bn6 = batch_norm_case(6, true);
  c.push_back({"inverted_residual_se",
               {in({2, 5, 5, 3}, 2.f), in({6, 3}), positive({6}, 0.5f, 1.5f), in({6}), in({5, 5, 6}), in({2, 6}),
                in({2}), in({6, 2}), in({6}), in({4, 6})},
               [bn6](const std::vector<Var>& v) {
                 Var h = hswish(bn6({pointwise_conv(v[0], v[1]), v[2], v[3]}));
                 Var d = depthwise_conv(h, v[4], 2);
                 Var gate = hsigmoid(linear(relu(linear(global_avg_pool(d), v[5], v[6])), v[7], v[8]));
                 return pointwise_conv(mul_channels(d, gate), v[9]);
               },
               1e-2f, 5e-2, 60});
  return c;
}

}  // namespace

const std::vector<OpCase>& op_cases() {
  static const std::vector<OpCase> cases = build();
  return cases;
}

std::vector<Tensor> make_inputs(const OpCase& c) {
  Rng rng(std::hash<std::string>{}(c.name));
  std::vector<Tensor> out;
  for (const InputSpec& s : c.inputs) {
    Tensor t = uniform(s.shape, s.lo, s.hi, rng);
    for (int64_t i = 0; i < t.numel(); ++i)
      for (bool near = true; near;) {
        near = false;
        for (float k : s.kinks) near |= std::fabs(t.data()[i] - k) < kKinkMargin;
        if (near) t.data()[i] = static_cast<float>(rng.uniform(s.lo, s.hi));
      }
    out.push_back(t);
  }
  return out;
}

std::string op_case_name(const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; }

}  // namespace iqnas::test

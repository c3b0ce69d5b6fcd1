// The one-at-a-time measurement protocol, its resumption, and the predictor built from it.
#include <gtest/gtest.h>

#include <omp.h>

#include <set>

#include "predictor/contribution_predictor.h"
#include "predictor/encoding.h"
#include "solver/problem.h"
#include "supernet/evaluate.h"

using namespace iqnas;
using namespace iqnas::predictor;

namespace {
EvalSet random_set(const SearchSpace& s, int64_t n, int64_t batch) {
  Rng rng(5);
  EvalSet set;
  for (int64_t start = 0; start < n; start += batch) {
    const int64_t m = std::min(batch, n - start);
    set.images.push_back(normal({m, s.image_size, s.image_size, s.in_channels}, 1.f, rng));
    std::vector<int32_t> l(static_cast<size_t>(m));
    for (auto& x : l) x = static_cast<int32_t>(rng.below(static_cast<uint64_t>(s.num_classes)));
    set.labels.push_back(l);
    set.size += m;
  }
  return set;
}

ContribState fake_state(const SearchSpace& s, int passes) {
  ContribState st;
  st.space = s.name, st.weights = "ema", st.options.passes = passes, st.images = 100;
  Rng rng(9);
  for (const Measurement& m : contribution_plan(s)) {
    st.ids.push_back(m.id(s));
    std::vector<double> acc;
    for (int k = 0; k < passes; ++k) acc.push_back(rng.uniform(50, 90));
    st.accuracy.push_back(acc);
  }
  return st;
}
}  // namespace

TEST(Contributions, PlanHasThePapersCounts) {
  EXPECT_EQ(contribution_plan(find_space("paper")).size(), 256u);  // 1 + 5 x (12 + 3 + 36)
  EXPECT_EQ(contribution_plan(find_space("tiny")).size(), 136u);   // 1 + 5 x (8 + 3 + 16)
  const SearchSpace s = find_space("paper");
  std::set<std::string> ids;
  for (const Measurement& m : contribution_plan(s)) {
    EXPECT_TRUE(ids.insert(m.id(s)).second) << m.id(s);
    if (m.kind == Measurement::Kind::Block && m.block > 0) {  // later blocks run at their own depth
      EXPECT_EQ(s.stages[size_t(m.stage)].depths[size_t(m.depth_index)], m.block + 1);
    }
  }
}

TEST(Contributions, PathsShareTheDrawsAndFixOneDecision) {
  const SearchSpace s = find_space("tiny");
  const auto plan = contribution_plan(s);
  ContribOptions opt;
  const int64_t n = 64;
  const PathSample base = measurement_paths(s, plan, 0, 1, n, opt);
  for (size_t m = 1; m < plan.size(); ++m) {
    const PathSample p = measurement_paths(s, plan, m, 1, n, opt);
    const Measurement& x = plan[m];
    for (size_t st = 0; st < s.stages.size(); ++st) {
      const bool depth_fixed = int(st) == x.stage && x.depth_index >= 0;
      if (depth_fixed)
        for (int d : p.depths[st]) EXPECT_EQ(d, s.stages[st].depths[size_t(x.depth_index)]);
      else
        EXPECT_EQ(p.depths[st], base.depths[st]);  // common random numbers
      for (size_t b = 0; b < p.configs[st].size(); ++b) {
        if (x.kind == Measurement::Kind::Block && int(st) == x.stage && int(b) == x.block)
          for (int c : p.configs[st][b]) EXPECT_EQ(c, x.config);
        else
          EXPECT_EQ(p.configs[st][b], base.configs[st][b]);
      }
    }
  }
  // Another pass draws anew.
  EXPECT_NE(measurement_paths(s, plan, 0, 2, n, opt).configs, base.configs);
}

TEST(Contributions, SequentialContextKeepsUnvisitedDecisionsAtTheSmallestNetwork) {
  const SearchSpace s = find_space("tiny");
  const auto plan = contribution_plan(s);
  ContribOptions opt;
  opt.context = Context::Sequential;
  const Architecture small = smallest_arch(s);
  const PathSample base = measurement_paths(s, plan, 0, 0, 32, opt);
  for (int64_t i = 0; i < 32; ++i) EXPECT_EQ(base.arch_of(i), small);
  // Measuring stage 2's first block: stage 1 visited (uniform draws), stages 3.. still smallest.
  size_t m = 0;
  while (!(plan[m].kind == Measurement::Kind::Block && plan[m].stage == 1 && plan[m].block == 0)) ++m;
  const PathSample p = measurement_paths(s, plan, m, 0, 32, opt);
  std::set<int> stage1_depths(p.depths[0].begin(), p.depths[0].end());
  EXPECT_GT(stage1_depths.size(), 1u);
  for (int d : p.depths[3]) EXPECT_EQ(d, small.depths[3]);
}

TEST(Contributions, InterruptedRunResumesToTheSameNumbers) {
  SearchSpace s = find_space("tiny");  // two stages of depth 1 or 2 keep the test fast
  s.stages.resize(2);
  for (auto& st : s.stages) st.depths = {1, 2};
  Rng rng(1);
  Supernet net(s, rng);
  const EvalSet set = random_set(s, 12, 8);
  ContribState full;
  full.space = s.name, full.weights = "raw", full.options.passes = 2, full.options.images = 12;
  measure_contributions(net, set, full, {});
  ASSERT_EQ(full.ids.size(), contribution_plan(s).size());

  ContribState part = full;
  part.ids.clear(), part.accuracy.clear();
  struct Stop {};
  size_t saves = 0;
  EXPECT_THROW(measure_contributions(net, set, part,
                                     [&](const ContribState&) {
                                       if (++saves == 15) throw Stop{};
                                     }),
               Stop);
  ASSERT_EQ(part.ids.size(), 15u);
  const ContribState reread = contrib_state_from_json(contrib_state_to_json(part), "state");
  part = reread;
  measure_contributions(net, set, part, {});
  EXPECT_EQ(part.ids, full.ids);
  EXPECT_EQ(part.accuracy, full.accuracy);
  // A state from other options is refused.
  ContribState other = reread;
  other.images = 11;
  EXPECT_THROW(measure_contributions(net, set, other, {}), std::invalid_argument);
}

TEST(ContributionPredictor, CoefficientsAreTheMeasuredDifferences) {
  const SearchSpace s = find_space("tiny");
  const ContribState st = fake_state(s, 3);
  const auto plan = contribution_plan(s);
  auto mean = [](const std::vector<double>& v) { return (v[0] + v[1] + v[2]) / 3; };
  for (auto variant : {ContributionPredictor::Variant::Paper, ContributionPredictor::Variant::Conditional}) {
    const auto p = ContributionPredictor::from_measurements(s, st, variant);
    EXPECT_NEAR(p.base.mean, mean(st.accuracy[0]), 1e-12);
    for (size_t m = 1; m < plan.size(); ++m) {
      const Measurement& x = plan[m];
      double ref = mean(st.accuracy[0]);
      if (x.kind == Measurement::Kind::Block && x.depth_index >= 0 && variant == ContributionPredictor::Variant::Conditional)
        for (size_t k = 0; k < plan.size(); ++k)
          if (plan[k].kind == Measurement::Kind::Depth && plan[k].stage == x.stage && plan[k].depth_index == x.depth_index)
            ref = mean(st.accuracy[k]);
      const double got = x.kind == Measurement::Kind::Depth ? p.depth[size_t(x.stage)][size_t(x.depth_index)].mean
                                                            : p.block[size_t(x.stage)][size_t(x.block)][size_t(x.config)].mean;
      EXPECT_NEAR(got, mean(st.accuracy[m]) - ref, 1e-9) << x.id(s);
    }
  }
  ContribState missing = st;
  missing.ids.pop_back(), missing.accuracy.pop_back();
  EXPECT_THROW(ContributionPredictor::from_measurements(s, missing, ContributionPredictor::Variant::Paper), std::invalid_argument);
}

TEST(ContributionPredictor, PredictionObjectiveRowAndJsonAgree) {
  const SearchSpace s = find_space("tiny");
  const auto p = ContributionPredictor::from_measurements(s, fake_state(s, 2), ContributionPredictor::Variant::Paper);
  const auto q = ContributionPredictor::from_json(s, p.to_json(), "p.json");
  solver::Problem prob;
  prob.groups = space_groups(s);
  prob.objective = *p.objective();
  prob.validate();
  Rng rng(2);
  for (int k = 0; k < 100; ++k) {
    const Architecture a = random_arch(s, rng);
    double direct = p.base.mean;
    for (size_t st = 0; st < s.stages.size(); ++st) {
      for (int b = 0; b < a.depths[st]; ++b) direct += p.block[st][size_t(b)][size_t(a.blocks[st][size_t(b)])].mean;
      const auto& ds = s.stages[st].depths;
      direct += p.depth[st][size_t(std::find(ds.begin(), ds.end(), a.depths[st]) - ds.begin())].mean;
    }
    EXPECT_NEAR(p.predict(a), direct, 1e-9);
    EXPECT_NEAR(prob.objective_value(arch_to_selection(s, a)), direct, 1e-9);
    EXPECT_NEAR(q.predict(a), direct, 1e-9);
  }
  EXPECT_THROW(ContributionPredictor::from_json(find_space("paper"), p.to_json(), "p.json"), std::invalid_argument);
}

TEST(Contributions, MetricChoosesWhatEachMeasurementAverages) {
  SearchSpace s = find_space("tiny");
  s.stages.resize(1);
  s.stages[0].depths = {1, 2};
  Rng rng(3);
  Supernet net(s, rng);
  const EvalSet set = random_set(s, 10, 4);
  const auto plan = contribution_plan(s);
  ContribState st;
  st.space = s.name, st.weights = "raw", st.options.passes = 1, st.options.images = 10, st.options.metric = Metric::LogProb;
  measure_contributions(net, set, st, {});
  for (size_t m : {size_t(0), size_t(1), plan.size() - 1}) {
    const PathSample paths = measurement_paths(s, plan, m, 0, set.size, st.options);
    const auto scores = image_scores(net, set, paths, Metric::LogProb);
    EXPECT_DOUBLE_EQ(st.accuracy[m][0], mean_score(scores));
    for (double v : scores) EXPECT_LE(v, 0.0);
    // Top-1 of the same paths is the percentage of images whose score is 100.
    for (double v : image_scores(net, set, paths, Metric::Top1)) EXPECT_TRUE(v == 0.0 || v == 100.0);
  }
}

// The batches of a measurement run concurrently, one per thread (predictor/eval_set.cpp): every
// image's score is the same as with one thread; and the kernels' own threads do not change a
// batch's scores either (what the measurements did before).
TEST(Contributions, ScoresDoNotDependOnTheThreadCount) {
  const SearchSpace s = find_space("tiny");
  Rng rng(4);
  Supernet net(s, rng);
  const EvalSet split = random_set(s, 48, 8), whole = random_set(s, 48, 48);
  ASSERT_EQ(split.images.size(), 6u);
  const PathSample paths = sample_multipath(s, 48, rng);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = image_scores(net, split, paths, Metric::LogProb);
  omp_set_num_threads(2);
  const auto two = image_scores(net, split, paths, Metric::LogProb);
  const auto batched = image_scores(net, whole, paths, Metric::LogProb);
  omp_set_num_threads(1);
  const auto batched_one = image_scores(net, whole, paths, Metric::LogProb);
  omp_set_num_threads(saved);
  ASSERT_EQ(one.size(), 48u);
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i], two[i]) << "image " << i;
    EXPECT_EQ(batched_one[i], batched[i]) << "image " << i;
  }
}

// contrib --recalibrate: before each measurement the BN statistics are recomputed on the
// recalibration images run with that measurement's draws, so the numbers depend on the weights and
// those images only, not on the statistics training left (which change the measurements without it).
TEST(Contributions, RecalibratedMeasurementsDoNotDependOnTheTrainedStatistics) {
  SearchSpace s = find_space("tiny");
  s.stages.resize(1);
  const EvalSet set = random_set(s, 16, 8), recal = random_set(s, 64, 16);
  auto measure = [&](bool perturb, int recalibrate) {
    Rng rng(3);
    Supernet net(s, rng);
    if (perturb)  // other running statistics, as another training would leave
      for (BatchNorm* bn : net.modules_of_type<BatchNorm>()) {
        for (int64_t c = 0; c < bn->running_mean.numel(); ++c) bn->running_mean.data()[c] += 0.5f;
        for (int64_t c = 0; c < bn->running_var.numel(); ++c) bn->running_var.data()[c] *= 3.f;
      }
    ContribState st;
    st.space = s.name, st.weights = "raw", st.options.passes = 1, st.options.images = 16;
    st.options.metric = Metric::LogProb, st.options.recalibrate = recalibrate;
    measure_contributions(net, set, st, {}, {}, dist::world(), recalibrate > 0 ? &recal : nullptr);
    return st.accuracy;
  };
  const auto plain = measure(false, 0), plain_perturbed = measure(false, 0);
  EXPECT_EQ(plain, plain_perturbed);  // the same network twice
  EXPECT_NE(plain, measure(true, 0));
  const auto recal3 = measure(false, 4), recal3_perturbed = measure(true, 4);
  EXPECT_NE(recal3, plain);
  ASSERT_EQ(recal3.size(), contribution_plan(s).size());
  for (size_t m = 0; m < recal3.size(); ++m) EXPECT_NEAR(recal3[m][0], recal3_perturbed[m][0], 1e-9) << m;
  // Asking for more batches than loaded, or for none, is refused.
  EXPECT_THROW(measure(false, 5), std::invalid_argument);
}

// contrib --context grouped: every group of consecutive images runs one path with BN statistics
// recalibrated for that path alone. Each measurement must equal, group by group, the sub-network of
// the group's path extracted from the supernet, recalibrated on the same training batches and run
// on the group's images; and its draws are common random numbers (the other decisions' paths are
// the base measurement's).
TEST(Contributions, GroupedContextIsEachGroupsOwnRecalibratedNetwork) {
  SearchSpace s = find_space("tiny");
  s.stages.resize(1);
  const int64_t n = 24, group = 10;  // groups of 10, 10 and 4 images across batches of 8
  const EvalSet set = random_set(s, n, 8), recal = random_set(s, 32, 16);
  Rng rng(3);
  Supernet net(s, rng);
  ContribState st;
  st.space = s.name, st.weights = "raw", st.options.passes = 2, st.options.images = n;
  st.options.metric = Metric::LogProb, st.options.recalibrate = 2;
  st.options.context = Context::Grouped, st.options.group_images = group;
  measure_contributions(net, set, st, {}, {}, dist::world(), &recal);
  const auto plan = contribution_plan(s);
  ASSERT_EQ(st.accuracy.size(), plan.size());

  const PathSample base = measurement_paths(s, plan, 0, 1, 3, st.options);  // one path per group
  for (size_t m = 0; m < plan.size(); ++m)
    for (int k = 0; k < 2; ++k) {
      const PathSample paths = measurement_paths(s, plan, m, k, 3, st.options);
      if (k == 1 && plan[m].kind == Measurement::Kind::Block && plan[m].block == 0) {  // only block 1 differs from the base
        EXPECT_EQ(paths.depths, base.depths) << plan[m].id(s);
        for (size_t b = 1; b < paths.configs[0].size(); ++b) EXPECT_EQ(paths.configs[0][b], base.configs[0][b]) << plan[m].id(s);
      }
      double sum = 0;
      for (int64_t g = 0; g < 3; ++g) {
        auto sub = extract_subnetwork(net, paths.arch_of(g));
        recalibrate_bn(*sub, 2, [&](int b) { sub->forward(Var(recal.images[size_t(b)])); });
        EvalSet own;  // the group's images, one per batch
        for (int64_t i = g * group; i < std::min(n, (g + 1) * group); ++i) {
          own.images.push_back(set.images[size_t(i / 8)].slice(0, i % 8, 1).contiguous());
          own.labels.push_back({set.labels[size_t(i / 8)][size_t(i % 8)]});
          ++own.size;
        }
        sum += model_accuracy(*sub, own, Metric::LogProb) * static_cast<double>(own.size);
      }
      EXPECT_NEAR(st.accuracy[m][size_t(k)], sum / static_cast<double>(n), 1e-4) << plan[m].id(s) << " pass " << k;
    }

  // The same measurements again, from other running statistics: the same numbers.
  for (BatchNorm* bn : net.modules_of_type<BatchNorm>())
    for (int64_t c = 0; c < bn->running_mean.numel(); ++c) bn->running_mean.data()[c] += 0.5f;
  ContribState again = st;
  again.ids.clear(), again.accuracy.clear();
  measure_contributions(net, set, again, {}, {}, dist::world(), &recal);
  EXPECT_EQ(again.accuracy, st.accuracy);
}

TEST(Contributions, GroupedContextRefusesBadOptions) {
  ContribOptions opt;
  opt.context = Context::Grouped, opt.recalibrate = 1;
  EXPECT_THROW(opt.validate(), std::invalid_argument);  // no group size
  opt.group_images = 100;
  EXPECT_NO_THROW(opt.validate());
  opt.recalibrate = 0;
  EXPECT_THROW(opt.validate(), std::invalid_argument);  // no recalibration
  opt = ContribOptions{};
  opt.group_images = 100;
  EXPECT_THROW(opt.validate(), std::invalid_argument);  // group size outside the grouped context
  EXPECT_EQ(parse_context(context_name(Context::Grouped)), Context::Grouped);
}

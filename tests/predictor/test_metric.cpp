// The measurement metrics (top-1, log-probability of the true class) on hand-computable logits,
// and the files that record which metric they hold.
#include <gtest/gtest.h>

#include <cmath>

#include "predictor/contributions.h"
#include "predictor/eval_set.h"
#include "predictor/subnet_samples.h"

using namespace iqnas;
using namespace iqnas::predictor;

namespace {
// Every image gets the logits (0, ln 3): softmax (1/4, 3/4), arg-max class 1.
class FixedLogits : public Layer {
 public:
  Var forward(const Var& x) override {
    const int64_t n = x.value().dim(0);
    Tensor t = Tensor::empty({n, 2});
    for (int64_t i = 0; i < n; ++i) t.data()[2 * i] = 0.f, t.data()[2 * i + 1] = std::log(3.f);
    return Var(t);
  }
};

EvalSet labelled(const std::vector<std::vector<int32_t>>& batches) {
  EvalSet set;
  for (const auto& labels : batches) {
    set.images.push_back(Tensor::zeros({static_cast<int64_t>(labels.size()), 1, 1, 1}));
    set.labels.push_back(labels);
    set.size += static_cast<int64_t>(labels.size());
  }
  return set;
}
}  // namespace

TEST(Metric, Top1AndLogProbOnHandComputedLogits) {
  FixedLogits net;
  const EvalSet set = labelled({{1, 1, 0}, {1}});  // three of four right
  EXPECT_DOUBLE_EQ(model_accuracy(net, set), 75.0);
  EXPECT_DOUBLE_EQ(model_accuracy(net, set, Metric::Top1), 75.0);
  EXPECT_NEAR(model_accuracy(net, set, Metric::LogProb), (3 * std::log(0.75) + std::log(0.25)) / 4, 1e-6);
  EXPECT_EQ(parse_metric("logprob"), Metric::LogProb);
  EXPECT_STREQ(metric_name(parse_metric("top1")), "top1");
  EXPECT_THROW(parse_metric("top5"), std::invalid_argument);
}

TEST(Metric, ContributionStateRecordsItAndOlderStatesAreTop1) {
  ContribState st;
  st.space = "tiny", st.weights = "ema", st.options.passes = 1, st.options.metric = Metric::LogProb;
  st.ids = {"base"}, st.accuracy = {{-0.8}};
  EXPECT_EQ(contrib_state_from_json(contrib_state_to_json(st), "c.json").options.metric, Metric::LogProb);
  const std::string old = R"({"format": "iqnas-contributions-1", "space": "tiny", "weights": "ema", "images": 10,
    "options": {"passes": 1, "images": 10, "context": "uniform", "seed": 0}, "measurements": []})";
  EXPECT_EQ(contrib_state_from_json(old, "old.json").options.metric, Metric::Top1);
}

TEST(Metric, SampleCsvNamesItsMetric) {
  const SearchSpace s = find_space("tiny");
  SubnetSample x;
  x.arch = smallest_arch(s), x.accuracy = -0.75, x.accuracy_recalibrated = -0.5, x.has_recalibrated = true;
  const std::string csv = samples_to_csv(s, {x}, Metric::LogProb);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "index,selection,depths,logprob,logprob_recalibrated");
  Metric m = Metric::Top1;
  const auto back = samples_from_csv(s, csv, "s.csv", &m);
  EXPECT_EQ(m, Metric::LogProb);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_DOUBLE_EQ(back[0].accuracy, -0.75);
  EXPECT_TRUE(back[0].has_recalibrated);
  EXPECT_DOUBLE_EQ(back[0].accuracy_recalibrated, -0.5);
  // Top-1 files are as before: the old header, an empty recalibrated column when not measured.
  x.accuracy = 61.5, x.has_recalibrated = false;
  const std::string top1 = samples_to_csv(s, {x});
  EXPECT_EQ(top1.substr(0, top1.find('\n')), "index,selection,depths,accuracy,accuracy_recalibrated");
  EXPECT_FALSE(samples_from_csv(s, top1, "t.csv", &m)[0].has_recalibrated);
  EXPECT_EQ(m, Metric::Top1);
  EXPECT_THROW(samples_from_csv(s, "index,selection,depths,loss,x\n", "bad.csv"), std::invalid_argument);
  // sample-eval --columns recalibrated: the inherited cell stays empty, and reads back as absent.
  x.has_inherited = false, x.has_recalibrated = true, x.accuracy_recalibrated = 70.25;
  const std::string recal = samples_to_csv(s, {x});
  EXPECT_NE(recal.find(",,70.2500\n"), std::string::npos) << recal;
  const auto r = samples_from_csv(s, recal, "r.csv");
  EXPECT_FALSE(r[0].has_inherited);
  EXPECT_TRUE(r[0].has_recalibrated);
  EXPECT_DOUBLE_EQ(r[0].accuracy_recalibrated, 70.25);
  EXPECT_TRUE(samples_from_csv(s, top1, "t.csv")[0].has_inherited);
  x.has_recalibrated = false;
  EXPECT_THROW(samples_from_csv(s, samples_to_csv(s, {x}), "empty.csv"), std::invalid_argument);
}

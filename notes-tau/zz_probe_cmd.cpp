// TEMPORARY exploration probe (not committed): per-image true-class log-probability and
// correctness for every contribution measurement x pass, and for random sub-networks.
#include <cmath>
#include <cstdio>
#include <fstream>

#include "experiments/args.h"
#include "experiments/command.h"
#include "experiments/datasets.h"
#include "experiments/run_folder.h"
#include "predictor/contributions.h"
#include "predictor/subnet_samples.h"
#include "supernet/evaluate.h"
#include "supernet/subnet.h"
#include "nn/train/classifier.h"

namespace iqnas::cli {
namespace {

struct Writer {
  std::ofstream f;
  void rec(const std::vector<float>& lp, const std::vector<uint8_t>& c) {
    f.write(reinterpret_cast<const char*>(lp.data()), lp.size() * 4);
    f.write(reinterpret_cast<const char*>(c.data()), c.size());
    f.flush();
  }
};

template <class Fwd>
void per_image(const predictor::EvalSet& set, Fwd&& fwd, std::vector<float>& lp, std::vector<uint8_t>& c) {
  NoGradGuard ng;
  lp.clear(), c.clear();
  int64_t start = 0;
  for (size_t b = 0; b < set.images.size(); ++b) {
    const int64_t n = set.images[b].dim(0);
    const Tensor logits = fwd(start, set.images[b]).value().contiguous();
    const int64_t k = logits.dim(1);
    for (int64_t i = 0; i < n; ++i) {
      const float* r = logits.data() + i * k;
      const int y = set.labels[b][size_t(i)];
      float mx = r[0]; int64_t best = 0;
      for (int64_t j = 1; j < k; ++j) if (r[j] > mx) mx = r[j], best = j;
      double z = 0; for (int64_t j = 0; j < k; ++j) z += std::exp(double(r[j] - mx));
      lp.push_back(float(double(r[y] - mx) - std::log(z)));
      c.push_back(best == y);
    }
    start += n;
  }
}

void set_mode(Supernet& net, const std::string& bn) {
  if (bn == "batch") {
    net.train();
    net.fixed().dropout = 0;
    for (BatchNorm* b : net.modules_of_type<BatchNorm>()) b->momentum = 0;
  } else net.eval();
}

int run_probe(const std::vector<std::string>& argv) {
  Args a(argv, {"run", "what", "out", "passes", "images", "bn", "count", "context", "recal", "seed"}, {});
  const std::string dir = a.str("run");
  const SearchSpace s = load_run_space(dir);
  const DataSets d = open_datasets(a, default_dataset_for_space(s.name), s.image_size, false);
  const int64_t images = a.integer("images", 1000, 1, 100000);
  const predictor::EvalSet set = heldout_eval_set(d, images, 250, 2);
  const std::string bn = a.str("bn", "running");
  const int recal = int(a.integer("recal", 20, 1, 1000));
  Writer w; w.f.open(a.str("out"), std::ios::binary);
  std::vector<float> lp; std::vector<uint8_t> c;
  if (a.str("what") == "contrib") {
    predictor::ContribOptions opt;
    opt.passes = int(a.integer("passes", 2, 1, 100));
    opt.context = predictor::parse_context(a.str("context", "uniform"));
    opt.seed = uint64_t(a.integer("seed", 0, 0, 1000000));
    const auto plan = predictor::contribution_plan(s);
    auto net = load_run_supernet(dir, s, "ema");
    for (size_t m = 0; m < plan.size(); ++m) {
      for (int k = 0; k < opt.passes; ++k) {
        const PathSample p = predictor::measurement_paths(s, plan, m, k, set.size, opt);
        if (bn == "recal") {  // per-measurement recalibration on training batches with this measurement's draws
          net = load_run_supernet(dir, s, "ema");
          predictor::ContribOptions o2 = opt; o2.seed = opt.seed + 777;
          const PathSample tp = predictor::measurement_paths(s, plan, m, k, 64LL * recal, o2);
          {
            const std::vector<BatchNorm*> bns = net->modules_of_type<BatchNorm>();
            data::LoaderOptions lo; lo.batch_size = 64; lo.shuffle = true; lo.drop_last = true; lo.seed = uint64_t(k); lo.augment = d.eval_aug;
            data::Loader loader(d.train, lo);
            net->train(); net->fixed().dropout = 0;
            NoGradGuard ng;
            for (int r = 0; r < recal; ++r) {
              for (BatchNorm* b : bns) b->momentum = 1.f / float(r + 1);
              const data::Batch bt = loader.next();
              net->forward(Var(batch_images(bt, Device::CPU)), predictor::slice_paths(tp, 64LL * r, 64));
            }
            net->eval();
          }
        } else set_mode(*net, bn);
        per_image(set, [&](int64_t st, const Tensor& x) { return net->forward(Var(x), predictor::slice_paths(p, st, x.dim(0))); }, lp, c);
        w.rec(lp, c);
      }
      double acc = 0; for (auto v : c) acc += v;
      std::fprintf(stderr, "%zu/%zu %s %.2f\n", m + 1, plan.size(), plan[m].id(s).c_str(), 100.0 * acc / double(c.size()));
    }
  } else {
    const int count = int(a.integer("count", 200, 1, 100000));
    const auto archs = predictor::draw_architectures(s, count, uint64_t(a.integer("seed", 1, 0, 1000000)));
    auto net = load_run_supernet(dir, s, "ema");
    set_mode(*net, bn == "recal" ? "running" : bn);
    {
      std::ofstream af(a.str("out") + ".archs");
      for (const auto& ar : archs) {
        for (size_t st = 0; st < ar.depths.size(); ++st) {
          af << ar.depths[st];
          for (size_t b = 0; b < ar.blocks[st].size(); ++b) af << ' ' << s.config(ar.blocks[st][b]).name();
          af << (st + 1 < ar.depths.size() ? " | " : "\n");
        }
      }
    }
    for (int i = 0; i < count; ++i) {
      if (bn == "recal") {
        auto sub = extract_subnetwork(*net, archs[size_t(i)]);
        recalibrate_bn(*sub, d.train, d.train_aug, recal, 64, uint64_t(1 + i));
        sub->eval();
        per_image(set, [&](int64_t, const Tensor& x) { return sub->forward(Var(x)); }, lp, c);
      } else {
        const PathSample p = PathSample::fixed(s, archs[size_t(i)], set.size);
        per_image(set, [&](int64_t st, const Tensor& x) { return net->forward(Var(x), predictor::slice_paths(p, st, x.dim(0))); }, lp, c);
      }
      w.rec(lp, c);
      double acc = 0; for (auto v : c) acc += v;
      std::fprintf(stderr, "%d/%d %.2f\n", i + 1, count, 100.0 * acc / double(c.size()));
    }
  }
  return 0;
}
}  // namespace
IQNAS_COMMAND("probe", "temporary", run_probe);
}  // namespace iqnas::cli

#include "predictor/contributions.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "dist/shard.h"
#include "util/choice.h"
#include "util/json_reader.h"

namespace iqnas::predictor {

using Kind = Measurement::Kind;

std::string Measurement::id(const SearchSpace& s) const {
  switch (kind) {
    case Kind::Base:
      return "base";
    case Kind::Depth:
      return "s" + std::to_string(stage + 1) + ".depth" +
             std::to_string(s.stages[static_cast<size_t>(stage)].depths[static_cast<size_t>(depth_index)]);
    case Kind::Block: {
      std::string id = "s" + std::to_string(stage + 1) + ".b" + std::to_string(block + 1) + "." + s.config(config).name();
      if (depth_index >= 0) id += "@d" + std::to_string(s.stages[static_cast<size_t>(stage)].depths[static_cast<size_t>(depth_index)]);
      return id;
    }
  }
  return "";
}

std::vector<Measurement> contribution_plan(const SearchSpace& s) {
  std::vector<Measurement> plan{Measurement{}};
  for (size_t i = 0; i < s.stages.size(); ++i) {
    const int si = static_cast<int>(i);
    const auto& ds = s.stages[i].depths;
    for (int c = 0; c < s.num_configs(); ++c) plan.push_back({Kind::Block, si, 0, c, -1});
    // Blocks 2.. in order; each runs at the smallest allowed depth that reaches it. A depth is
    // measured just before the first block measured at it (every allowed depth is measured).
    std::vector<bool> depth_done(ds.size(), false);
    auto measure_depth = [&](size_t d) {
      if (depth_done[d]) return;
      depth_done[d] = true;
      plan.push_back({Kind::Depth, si, -1, -1, static_cast<int>(d)});
    };
    for (int b = 1; b < s.stages[i].max_depth(); ++b) {
      const size_t d = static_cast<size_t>(std::lower_bound(ds.begin(), ds.end(), b + 1) - ds.begin());
      for (size_t e = 0; e <= d; ++e) measure_depth(e);
      for (int c = 0; c < s.num_configs(); ++c) plan.push_back({Kind::Block, si, b, c, static_cast<int>(d)});
    }
    for (size_t d = 0; d < ds.size(); ++d) measure_depth(d);
  }
  return plan;
}

namespace {
constexpr util::Choice<Context> kContexts[] = {
    {"uniform", Context::Uniform}, {"sequential", Context::Sequential}, {"grouped", Context::Grouped}};
}

Context parse_context(const std::string& name) { return util::parse_choice(name, kContexts, "context"); }

const char* context_name(Context c) { return util::choice_name(c, kContexts); }

void ContribOptions::validate() const {
  if (passes < 1 || passes > 1000) throw std::invalid_argument("passes must be in [1, 1000], got " + std::to_string(passes));
  if (images < 0 || images > 100000000) throw std::invalid_argument("images must be in [0, 1e8], got " + std::to_string(images));
  if (recalibrate < 0 || recalibrate > 100000)
    throw std::invalid_argument("recalibrate must be in [0, 100000] batches, got " + std::to_string(recalibrate));
  if (context == Context::Grouped) {
    if (group_images < 1 || group_images > 100000000)
      throw std::invalid_argument("group_images must be in [1, 1e8] in the grouped context, got " + std::to_string(group_images));
    // Without recalibration every group would run the running statistics, which the per-image
    // context already measures: the grouping would change nothing but the draws.
    if (recalibrate < 1) throw std::invalid_argument("the grouped context needs recalibrate >= 1 (BN statistics per group path)");
  } else if (group_images != 0) {
    throw std::invalid_argument("group_images applies to the grouped context only, got " + std::to_string(group_images) +
                                " with context " + context_name(context));
  }
}

std::string contrib_state_to_json(const ContribState& st) {
  nlohmann::json j;
  j["format"] = "iqnas-contributions-1";
  j["space"] = st.space;
  j["weights"] = st.weights;
  j["options"] = {{"passes", st.options.passes},
                  {"images", st.options.images},
                  {"context", context_name(st.options.context)},
                  {"metric", metric_name(st.options.metric)},
                  {"seed", st.options.seed},
                  {"recalibrate", st.options.recalibrate},
                  {"group_images", st.options.group_images}};
  j["images"] = st.images;
  j["measurements"] = nlohmann::json::array();
  for (size_t m = 0; m < st.ids.size(); ++m) j["measurements"].push_back({{"id", st.ids[m]}, {"accuracy", st.accuracy[m]}});
  return j.dump(1) + "\n";
}

ContribState contrib_state_from_json(const std::string& text, const std::string& source) {
  const util::json j = util::parse_json(text, source);
  util::JsonObject top(j, "", source);
  if (top.get_string("format") != "iqnas-contributions-1") top.fail("format is not iqnas-contributions-1");
  ContribState st;
  st.space = top.get_string("space");
  st.weights = top.get_string("weights");
  util::JsonObject o(top.at("options"), "options", source);
  // The ranges are ContribOptions::validate()'s; the names are parse_context's and parse_metric's.
  st.options.passes = o.get_int("passes");
  st.options.images = o.get_int64("images", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  st.options.context = o.get_parsed("context", parse_context);
  // States written before the metric option measured top-1.
  st.options.metric = o.has("metric") ? o.get_parsed("metric", parse_metric) : Metric::Top1;
  st.options.seed = static_cast<uint64_t>(o.get_int64("seed", 0, std::numeric_limits<int64_t>::max()));
  st.options.recalibrate = o.has("recalibrate") ? o.get_int("recalibrate") : 0;
  st.options.group_images = o.has("group_images") ? o.get_int64("group_images", 0, std::numeric_limits<int64_t>::max()) : 0;
  o.finish();
  try {
    st.options.validate();
  } catch (const std::invalid_argument& e) {
    o.fail(std::string("options: ") + e.what());
  }
  st.images = top.get_int64("images", 0, std::numeric_limits<int64_t>::max());
  const util::json& ms = top.get_array("measurements");
  for (size_t i = 0; i < ms.size(); ++i) {
    util::JsonObject m = top.element(ms, "measurements", i);
    st.ids.push_back(m.get_string("id"));
    st.accuracy.push_back(m.get_number_list("accuracy", -std::numeric_limits<double>::max(), std::numeric_limits<double>::max()));
    if (st.accuracy.back().size() != static_cast<size_t>(st.options.passes))
      m.fail(m.field("accuracy") + " has " + std::to_string(st.accuracy.back().size()) + " passes, options say " +
             std::to_string(st.options.passes) + " (measurement '" + st.ids.back() + "')");
    m.finish();
  }
  top.finish();
  return st;
}

namespace {
// The first plan index at which each decision group is measured (sequential context).
struct FirstVisit {
  std::vector<std::vector<size_t>> block;  // [stage][block]
  std::vector<size_t> depth;               // [stage]
};
FirstVisit first_visits(const SearchSpace& s, const std::vector<Measurement>& plan) {
  const size_t never = plan.size();
  FirstVisit f;
  for (const auto& st : s.stages) f.block.emplace_back(static_cast<size_t>(st.max_depth()), never);
  f.depth.assign(s.stages.size(), never);
  for (size_t m = 0; m < plan.size(); ++m) {
    const Measurement& x = plan[m];
    if (x.kind == Kind::Block) {
      auto& v = f.block[static_cast<size_t>(x.stage)][static_cast<size_t>(x.block)];
      v = std::min(v, m);
    }
    if (x.kind == Kind::Depth) f.depth[static_cast<size_t>(x.stage)] = std::min(f.depth[static_cast<size_t>(x.stage)], m);
  }
  return f;
}
}  // namespace

PathSample measurement_paths(const SearchSpace& s, const std::vector<Measurement>& plan, size_t m, int pass,
                             int64_t n, const ContribOptions& opt) {
  // The pass's draws: a generator seeded by (seed, pass) only, so every measurement of the pass
  // sees the same per-image draws.
  Rng rng(opt.seed * 1000003ULL + static_cast<uint64_t>(pass) + 1);
  PathSample p = sample_multipath(s, n, rng);
  if (opt.context == Context::Sequential) {  // not yet visited: the smallest network
    const FirstVisit f = first_visits(s, plan);
    const PathSample small = PathSample::fixed(s, smallest_arch(s), n);
    for (size_t i = 0; i < s.stages.size(); ++i) {
      for (size_t b = 0; b < f.block[i].size(); ++b)
        if (f.block[i][b] >= m) p.configs[i][b] = small.configs[i][b];
      if (f.depth[i] >= m) p.depths[i] = small.depths[i];
    }
  }
  const Measurement& x = plan[m];
  if (x.kind == Kind::Base) return p;
  const size_t st = static_cast<size_t>(x.stage);
  if (x.depth_index >= 0) p.depths[st].assign(static_cast<size_t>(n), s.stages[st].depths[static_cast<size_t>(x.depth_index)]);
  if (x.kind == Kind::Block) p.configs[st][static_cast<size_t>(x.block)].assign(static_cast<size_t>(n), x.config);
  return p;
}

void measure_contributions(Supernet& net, const EvalSet& set, ContribState& state,
                           const std::function<void(const ContribState&)>& save, const ContribProgress& progress,
                           dist::Communicator& comm, const EvalSet* recalibration) {
  const SearchSpace& s = net.space();
  state.options.validate();
  const int recal = state.options.recalibrate;
  if (recal > 0 && (!recalibration || static_cast<int>(recalibration->images.size()) < recal))
    throw std::invalid_argument("contributions with recalibrate " + std::to_string(recal) + " need that many batches of training images");
  if (state.space != s.name)
    throw std::invalid_argument("the contribution state is for space '" + state.space + "', the supernet is '" + s.name + "'");
  if (state.ids.empty()) state.images = set.size;
  if (state.images != set.size)
    throw std::invalid_argument("the contribution state was measured on " + std::to_string(state.images) +
                                " images, the evaluation set has " + std::to_string(set.size));
  const std::vector<Measurement> plan = contribution_plan(s);
  if (state.ids.size() > plan.size()) throw std::invalid_argument("the contribution state has more measurements than the plan");
  for (size_t m = 0; m < state.ids.size(); ++m)
    if (state.ids[m] != plan[m].id(s))
      throw std::invalid_argument("the contribution state's measurement " + std::to_string(m) + " is '" + state.ids[m] +
                                  "', the plan's is '" + plan[m].id(s) + "'");
  // The grouped context's groups: consecutive images of the set, the same in every measurement.
  const bool grouped = state.options.context == Context::Grouped;
  const std::vector<EvalSet> groups = grouped ? split_eval_set(set, state.options.group_images) : std::vector<EvalSet>{};
  // Pass k's value in the grouped context: every group recalibrated on its own path (the same
  // recalibration images for every group), then measured with it; the mean over all images.
  auto grouped_value = [&](size_t m, int k) {
    const PathSample paths = measurement_paths(s, plan, m, k, static_cast<int64_t>(groups.size()), state.options);
    double sum = 0;
    for (size_t g = 0; g < groups.size(); ++g) {
      const Architecture a = paths.arch_of(static_cast<int64_t>(g));
      recalibrate_bn_on_paths(net, *recalibration, recal, [&](int, int64_t n) { return PathSample::fixed(s, a, n); });
      const std::vector<double> sc = image_scores(net, groups[g], PathSample::fixed(s, a, groups[g].size), state.options.metric);
      sum = std::accumulate(sc.begin(), sc.end(), sum);
    }
    return sum / static_cast<double>(set.size);
  };
  // The measurements are independent (their paths depend on the measurement and the pass only), so
  // the ranks share them and every rank takes them in plan order.
  auto measure = [&](int64_t m) {
    // Recalibration draws: passes kRecalPass + k of the measurement's paths, apart from the
    // evaluation passes, the same in every measurement.
    constexpr int kRecalPass = 1 << 20;
    if (recal > 0 && !grouped)
      recalibrate_bn_on_paths(net, *recalibration, recal, [&](int k, int64_t n) {
        return measurement_paths(s, plan, size_t(m), kRecalPass + k, n, state.options);
      });
    std::vector<double> acc;
    for (int k = 0; k < state.options.passes; ++k)
      acc.push_back(grouped ? grouped_value(size_t(m), k)
                            : mean_score(image_scores(net, set, measurement_paths(s, plan, size_t(m), k, set.size, state.options),
                                                      state.options.metric)));
    return std::string(reinterpret_cast<const char*>(acc.data()), acc.size() * sizeof(double));
  };
  auto take = [&](int64_t m, const std::string& bytes) {
    std::vector<double> acc(bytes.size() / sizeof(double));
    std::memcpy(acc.data(), bytes.data(), acc.size() * sizeof(double));
    state.ids.push_back(plan[size_t(m)].id(s));
    state.accuracy.push_back(acc);
    if (save && comm.rank() == 0) save(state);
    if (progress)
      progress(size_t(m) + 1, plan.size(), state.ids.back(), std::accumulate(acc.begin(), acc.end(), 0.0) / static_cast<double>(acc.size()));
  };
  dist::for_each_job(comm, static_cast<int64_t>(state.ids.size()), static_cast<int64_t>(plan.size()), measure, take);
}

}  // namespace iqnas::predictor

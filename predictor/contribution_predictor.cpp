#include "predictor/contribution_predictor.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "predictor/encoding.h"
#include "util/choice.h"
#include "util/json_reader.h"

namespace iqnas::predictor {

namespace {
// Mean and standard error over passes of a - b (paired: the same draws in both).
Estimate paired(const std::vector<double>& a, const std::vector<double>* b) {
  std::vector<double> d(a);
  if (b)
    for (size_t k = 0; k < d.size(); ++k) d[k] -= (*b)[k];
  Estimate e;
  const double n = static_cast<double>(d.size());
  e.mean = std::accumulate(d.begin(), d.end(), 0.0) / n;
  if (d.size() > 1) {
    double ss = 0;
    for (double x : d) ss += (x - e.mean) * (x - e.mean);
    e.se = std::sqrt(ss / (n - 1) / n);
  }
  return e;
}
constexpr util::Choice<ContributionPredictor::Variant> kVariants[] = {{"paper", ContributionPredictor::Variant::Paper},
                                                                       {"conditional", ContributionPredictor::Variant::Conditional}};
}  // namespace

ContributionPredictor::Variant ContributionPredictor::parse_variant(const std::string& name) {
  return util::parse_choice(name, kVariants, "predictor variant");
}

ContributionPredictor::ContributionPredictor(const SearchSpace& s, Variant v) : space_(s), variant_(v) {
  for (const auto& st : s.stages) {
    block.emplace_back(static_cast<size_t>(st.max_depth()), std::vector<Estimate>(static_cast<size_t>(s.num_configs())));
    depth.emplace_back(st.depths.size());
  }
}

ContributionPredictor ContributionPredictor::from_measurements(const SearchSpace& s, const ContribState& st, Variant v) {
  const std::vector<Measurement> plan = contribution_plan(s);
  if (st.space != s.name) throw std::invalid_argument("contributions measured on space '" + st.space + "', not '" + s.name + "'");
  if (st.ids.size() != plan.size())
    throw std::invalid_argument("contributions incomplete: " + std::to_string(st.ids.size()) + " of " +
                                std::to_string(plan.size()) + " measurements (run `iqnas contrib` to finish them)");
  std::map<std::string, const std::vector<double>*> acc;
  for (size_t m = 0; m < plan.size(); ++m) {
    if (st.ids[m] != plan[m].id(s))
      throw std::invalid_argument("contribution measurement " + std::to_string(m) + " is '" + st.ids[m] + "', expected '" +
                                  plan[m].id(s) + "'");
    acc[st.ids[m]] = &st.accuracy[m];
  }
  ContributionPredictor p(s, v);
  const std::vector<double>& base = *acc.at("base");
  p.base = paired(base, nullptr);
  for (const Measurement& m : plan) {
    const auto& a = *acc.at(m.id(s));
    const size_t si = static_cast<size_t>(m.stage);
    if (m.kind == Measurement::Kind::Depth) p.depth[si][static_cast<size_t>(m.depth_index)] = paired(a, &base);
    if (m.kind != Measurement::Kind::Block) continue;
    const std::vector<double>* ref = &base;
    if (v == Variant::Conditional && m.depth_index >= 0) {
      Measurement d{Measurement::Kind::Depth, m.stage, -1, -1, m.depth_index};
      ref = acc.at(d.id(s));
    }
    p.block[si][static_cast<size_t>(m.block)][static_cast<size_t>(m.config)] = paired(a, ref);
  }
  return p;
}

double ContributionPredictor::predict(const Architecture& a) const {
  return additive_value(
      space_, a, base.mean, [&](int s, int b, int c) { return block[s][b][c].mean; },
      [&](int s, int d) { return depth[s][d].mean; });
}

std::optional<solver::Expression> ContributionPredictor::objective() const {
  return additive_row(
      space_, base.mean, [&](int s, int b, int c) { return block[s][b][c].mean; },
      [&](int s, int d) { return depth[s][d].mean; });
}

std::string ContributionPredictor::to_json() const {
  nlohmann::json j;
  j["format"] = "iqnas-predictor-1";
  j["kind"] = kind();
  j["space"] = space_.name;
  j["variant"] = util::choice_name(variant_, kVariants);
  j["base"] = {{"mean", base.mean}, {"se", base.se}};
  j["blocks"] = nlohmann::json::array();
  for (size_t s = 0; s < block.size(); ++s)
    for (size_t b = 0; b < block[s].size(); ++b)
      for (size_t c = 0; c < block[s][b].size(); ++c)
        j["blocks"].push_back({{"stage", s + 1},
                               {"block", b + 1},
                               {"config", space_.config(static_cast<int>(c)).name()},
                               {"delta", block[s][b][c].mean},
                               {"se", block[s][b][c].se}});
  j["depths"] = nlohmann::json::array();
  for (size_t s = 0; s < depth.size(); ++s)
    for (size_t d = 0; d < depth[s].size(); ++d)
      j["depths"].push_back({{"stage", s + 1},
                             {"depth", space_.stages[s].depths[d]},
                             {"delta", depth[s][d].mean},
                             {"se", depth[s][d].se}});
  return j.dump(1) + "\n";
}

ContributionPredictor ContributionPredictor::from_json(const SearchSpace& s, const std::string& text,
                                                       const std::string& source) {
  const util::json j = util::parse_json(text, source);
  util::JsonObject top(j, "", source);
  read_predictor_header(top, s, "contributions");
  ContributionPredictor p(s, top.get_parsed("variant", parse_variant));
  auto estimate = [](util::JsonObject& o, const char* mean) { return Estimate{o.get_number(mean), o.get_number("se")}; };
  util::JsonObject base(top.at("base"), "base", source);
  p.base = estimate(base, "mean");
  base.finish();
  size_t want_blocks = 0;
  for (const auto& st : s.stages) want_blocks += static_cast<size_t>(st.max_depth()) * static_cast<size_t>(s.num_configs());
  const util::json& blocks = top.get_array("blocks");
  if (blocks.size() != want_blocks)
    top.fail("blocks has " + std::to_string(blocks.size()) + " entries, space '" + s.name + "' needs " +
             std::to_string(want_blocks));
  const int stages = static_cast<int>(s.stages.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    util::JsonObject e = top.element(blocks, "blocks", i);
    const int st = e.get_int("stage", 1, stages) - 1;
    const int b = e.get_int("block", 1, s.stages[static_cast<size_t>(st)].max_depth()) - 1;
    const std::string config = e.get_string("config");
    const int c = s.config_index(config);
    if (c < 0) e.fail(e.field("config") + ": '" + config + "' is not a block configuration of space '" + s.name + "'");
    p.block[static_cast<size_t>(st)][static_cast<size_t>(b)][static_cast<size_t>(c)] = estimate(e, "delta");
    e.finish();
  }
  const util::json& depths = top.get_array("depths");
  for (size_t i = 0; i < depths.size(); ++i) {
    util::JsonObject e = top.element(depths, "depths", i);
    const int st = e.get_int("stage", 1, stages) - 1;
    const auto& ds = s.stages[static_cast<size_t>(st)].depths;
    const auto it = std::find(ds.begin(), ds.end(), e.get_int("depth"));
    if (it == ds.end()) e.fail(e.field("depth") + ": not a depth of stage " + std::to_string(st + 1) + " of space '" + s.name + "'");
    p.depth[static_cast<size_t>(st)][static_cast<size_t>(it - ds.begin())] = estimate(e, "delta");
    e.finish();
  }
  top.finish();
  return p;
}

}  // namespace iqnas::predictor

#include "predictor/fitted_predictors.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "nn/layers.h"
#include "nn/ops.h"
#include "nn/optim.h"
#include "predictor/encoding.h"
#include "util/choice.h"
#include "util/json_reader.h"

namespace iqnas::predictor {

namespace {
std::vector<int> group_sizes(const SearchSpace& s) {
  std::vector<int> v;
  for (const auto& g : space_groups(s)) v.push_back(static_cast<int>(g.options.size()));
  return v;
}

std::vector<GroupPair> form_pairs(const SearchSpace& s, RidgePredictor::Form f) {
  const int groups = static_cast<int>(group_sizes(s).size());
  if (f == RidgePredictor::Form::Quadratic) return OneHotFeatures::all_pairs(groups);
  std::vector<int> alpha, beta;
  for (size_t i = 0; i < s.stages.size(); ++i) {
    for (int b = 0; b < s.stages[i].max_depth(); ++b) alpha.push_back(alpha_group(s, static_cast<int>(i), b));
    beta.push_back(beta_group(s, static_cast<int>(i)));
  }
  return OneHotFeatures::pairs_between(alpha, beta);
}

constexpr double kAnyNumber = std::numeric_limits<double>::max();  // finite numbers, any size
}  // namespace

Eigen::VectorXd onehot_vector(const SearchSpace& s, const Architecture& a) {
  const std::vector<int> sel = arch_to_selection(s, a);
  Eigen::VectorXd x = Eigen::VectorXd::Zero(num_vars(s));
  int offset = 0;
  const auto sizes = group_sizes(s);
  for (size_t g = 0; g < sel.size(); ++g) {
    x[offset + sel[g]] = 1.0;
    offset += sizes[g];
  }
  return x;
}

// ---- ridge ----

namespace {
constexpr util::Choice<RidgePredictor::Form> kForms[] = {{"bilinear", RidgePredictor::Form::Bilinear},
                                                         {"quadratic", RidgePredictor::Form::Quadratic}};
}

RidgePredictor::Form RidgePredictor::parse_form(const std::string& name) { return util::parse_choice(name, kForms, "ridge form"); }

const char* RidgePredictor::form_name(Form f) { return util::choice_name(f, kForms); }

RidgePredictor::RidgePredictor(const SearchSpace& s, Form f)
    : space_(s), form_(f), features_(group_sizes(s), form_pairs(s, f)) {}

RidgePredictor RidgePredictor::fit(const SearchSpace& s, Form form, const std::vector<SubnetSample>& train,
                                   const RidgeOptions& options) {
  RidgePredictor p(s, form);
  std::vector<std::vector<int>> sel;
  Eigen::VectorXd y(static_cast<Eigen::Index>(train.size()));
  for (size_t i = 0; i < train.size(); ++i) {
    sel.push_back(arch_to_selection(s, train[i].arch));
    y[static_cast<Eigen::Index>(i)] = train[i].accuracy;
  }
  const RidgeFit f = fit_ridge(p.features_.sparse_matrix(sel), y, options);
  p.intercept_ = f.intercept, p.weights_ = f.weights, p.lambda_ = f.lambda;
  p.samples_ = static_cast<int>(train.size());
  return p;
}

double RidgePredictor::predict(const Architecture& a) const {
  return features_.predict(intercept_, weights_, arch_to_selection(space_, a));
}

std::optional<solver::Expression> RidgePredictor::objective() const {
  return features_.to_expression(intercept_, weights_);
}

std::string RidgePredictor::to_json() const {
  nlohmann::json j;
  j["format"] = "iqnas-predictor-1";
  j["kind"] = kind();
  j["space"] = space_.name;
  j["form"] = form_name(form_);
  j["samples"] = samples_;
  j["lambda"] = lambda_;
  j["intercept"] = intercept_;
  j["weights"] = std::vector<double>(weights_.data(), weights_.data() + weights_.size());
  return j.dump() + "\n";
}

RidgePredictor RidgePredictor::from_json(const SearchSpace& s, const std::string& text, const std::string& source) {
  const util::json j = util::parse_json(text, source);
  util::JsonObject top(j, "", source);
  read_predictor_header(top, s, "ridge");
  RidgePredictor p(s, top.get_parsed("form", parse_form));
  p.samples_ = top.get_int("samples", 0, std::numeric_limits<int>::max());
  p.lambda_ = top.get_number("lambda", 0, kAnyNumber);
  p.intercept_ = top.get_number("intercept");
  const std::vector<double> w = top.get_number_list("weights", -kAnyNumber, kAnyNumber);
  if (static_cast<int>(w.size()) != p.features_.size())
    top.fail("weights has " + std::to_string(w.size()) + " entries, the " + form_name(p.form_) + " form of space '" +
             s.name + "' has " + std::to_string(p.features_.size()));
  p.weights_ = Eigen::Map<const Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(w.size()));
  top.finish();
  return p;
}

// ---- MLP ----

namespace {
// The network being trained: Linear + ReLU layers and a Linear output, Kaiming-initialised.
struct MlpNet : Module {
  std::vector<std::shared_ptr<Linear>> fc;
  MlpNet(int in, const MlpOptions& o, Rng& rng) {
    int width = in;
    for (int l = 0; l <= o.layers; ++l) {
      const int out = l == o.layers ? 1 : o.hidden;
      fc.push_back(register_module("fc" + std::to_string(l), std::make_shared<Linear>(width, out, true, rng)));
      const double stddev = std::sqrt(2.0 / width);
      Tensor w = fc.back()->weight.value();
      for (int64_t i = 0; i < w.numel(); ++i) w.data()[i] = static_cast<float>(rng.normal(0.0, stddev));
      width = out;
    }
  }
  Var forward(const Var& x) {
    Var h = x;
    for (size_t l = 0; l < fc.size(); ++l) {
      h = fc[l]->forward(h);
      if (l + 1 < fc.size()) h = activation(h, Act::ReLU);
    }
    return h;
  }
};
}  // namespace

MlpPredictor MlpPredictor::fit(const SearchSpace& s, const std::vector<SubnetSample>& train, const MlpOptions& o) {
  if (train.size() < 2) throw std::invalid_argument("mlp: at least 2 training samples are needed");
  if (o.hidden < 1 || o.layers < 0 || o.epochs < 1 || o.batch_size < 1 || !(o.lr > 0))
    throw std::invalid_argument("mlp: hidden, epochs and batch size must be >= 1, layers >= 0 and lr > 0");
  MlpPredictor p(s);
  p.samples_ = static_cast<int>(train.size());
  const int in = num_vars(s);
  const int64_t n = static_cast<int64_t>(train.size());
  double mean = 0, var = 0;
  for (const auto& t : train) mean += t.accuracy;
  mean /= static_cast<double>(n);
  for (const auto& t : train) var += (t.accuracy - mean) * (t.accuracy - mean);
  p.y_mean_ = mean, p.y_scale_ = std::max(std::sqrt(var / static_cast<double>(n)), 1e-6);
  std::vector<Eigen::VectorXd> x;
  for (const auto& t : train) x.push_back(onehot_vector(s, t.arch));

  Rng rng(o.seed);
  MlpNet net(in, o, rng);
  SgdOptions so;
  so.lr = static_cast<float>(o.lr), so.momentum = 0.9f, so.weight_decay = static_cast<float>(o.weight_decay);
  SGD opt(net.named_parameters(), so);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const double total = static_cast<double>(steps_per_epoch) * o.epochs;
  int64_t step = 0;
  for (int e = 0; e < o.epochs; ++e) {
    util::shuffle(order, rng);
    for (int64_t start = 0; start < n; start += o.batch_size, ++step) {
      const int64_t m = std::min(o.batch_size, n - start);
      Tensor xb = Tensor::empty({m, in}), yb = Tensor::empty({m, 1});
      for (int64_t i = 0; i < m; ++i) {
        const size_t k = static_cast<size_t>(order[static_cast<size_t>(start + i)]);
        for (int f = 0; f < in; ++f) xb.data()[i * in + f] = static_cast<float>(x[k][f]);
        yb.data()[i] = static_cast<float>((train[k].accuracy - p.y_mean_) / p.y_scale_);
      }
      opt.set_lr(static_cast<float>(0.5 * o.lr * (1 + std::cos(M_PI * static_cast<double>(step) / total))));
      opt.zero_grad();
      Var loss = mse(net.forward(Var(xb)), Var(yb));
      loss.backward();
      opt.step();
    }
  }
  for (const auto& l : net.fc) {
    const Tensor w = l->weight.value().contiguous(), b = l->bias.value().contiguous();
    const auto rows = static_cast<Eigen::Index>(w.dim(0)), cols = static_cast<Eigen::Index>(w.dim(1));
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index r = 0; r < rows; ++r)
      for (Eigen::Index c = 0; c < cols; ++c) m(r, c) = w.data()[r * cols + c];
    p.w_.push_back(m);
    Eigen::VectorXd bv(rows);
    for (Eigen::Index r = 0; r < rows; ++r) bv[r] = b.data()[r];
    p.b_.push_back(bv);
  }
  return p;
}

double MlpPredictor::predict(const Architecture& a) const {
  Eigen::VectorXd h = onehot_vector(space_, a);
  for (size_t l = 0; l < w_.size(); ++l) {
    h = w_[l] * h + b_[l];
    if (l + 1 < w_.size()) h = h.cwiseMax(0.0);
  }
  return y_mean_ + y_scale_ * h[0];
}

std::string MlpPredictor::to_json() const {
  nlohmann::json j;
  j["format"] = "iqnas-predictor-1";
  j["kind"] = kind();
  j["space"] = space_.name;
  j["samples"] = samples_;
  j["y_mean"] = y_mean_;
  j["y_scale"] = y_scale_;
  j["layers"] = nlohmann::json::array();
  for (size_t l = 0; l < w_.size(); ++l) {
    std::vector<double> w(static_cast<size_t>(w_[l].size()));
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data(), w_[l].rows(), w_[l].cols()) = w_[l];
    j["layers"].push_back({{"rows", w_[l].rows()}, {"cols", w_[l].cols()}, {"weight", w},
                           {"bias", std::vector<double>(b_[l].data(), b_[l].data() + b_[l].size())}});
  }
  return j.dump() + "\n";
}

MlpPredictor MlpPredictor::from_json(const SearchSpace& s, const std::string& text, const std::string& source) {
  const util::json j = util::parse_json(text, source);
  util::JsonObject top(j, "", source);
  read_predictor_header(top, s, "mlp");
  MlpPredictor p(s);
  p.samples_ = top.get_int("samples", 0, std::numeric_limits<int>::max());
  p.y_mean_ = top.get_number("y_mean");
  p.y_scale_ = top.get_number("y_scale");
  int width = num_vars(s);
  const util::json& layers = top.get_array("layers");
  for (size_t i = 0; i < layers.size(); ++i) {
    util::JsonObject l = top.element(layers, "layers", i);
    const int rows = l.get_int("rows", 1, std::numeric_limits<int>::max());
    const int cols = l.get_int("cols", width, width);  // the previous layer's width
    const std::vector<double> w = l.get_number_list("weight", -kAnyNumber, kAnyNumber);
    const std::vector<double> b = l.get_number_list("bias", -kAnyNumber, kAnyNumber);
    if (static_cast<int64_t>(w.size()) != int64_t{rows} * cols)
      l.fail(l.field("weight") + " has " + std::to_string(w.size()) + " entries, rows x cols is " +
             std::to_string(int64_t{rows} * cols));
    if (static_cast<int>(b.size()) != rows)
      l.fail(l.field("bias") + " has " + std::to_string(b.size()) + " entries, rows is " + std::to_string(rows));
    l.finish();
    p.w_.push_back(Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(w.data(), rows, cols));
    p.b_.push_back(Eigen::Map<const Eigen::VectorXd>(b.data(), rows));
    width = rows;
  }
  if (p.w_.empty() || width != 1) top.fail("layers: the last layer must have one output (rows 1)");
  top.finish();
  return p;
}

}  // namespace iqnas::predictor

#include "solver/problem_io.h"

#include "util/atomic_file.h"
#include "util/json_reader.h"
#include "util/text_file.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace iqnas::solver {

using nlohmann::json;

namespace {

using util::JsonObject;

// A required field that must be an array (`what`: of what, for the message).
const json& array(JsonObject& o, const std::string& key, const std::string& what) {
  const json& a = o.at(key);
  if (!a.is_array()) o.fail(o.field(key) + " must be an array " + what + ", got " + util::json_type_name(a));
  return a;
}

// The terms under `key` (absent: none): [var, coef] (arity 2) or [var_i, var_j, coef] (arity 3),
// each with its path for the messages.
std::vector<std::pair<const json*, std::string>> terms(JsonObject& o, const std::string& key, size_t arity) {
  std::vector<std::pair<const json*, std::string>> out;
  if (!o.has(key)) return out;
  const std::string form = arity == 2 ? "[var, coef]" : "[var_i, var_j, coef]";
  const json& a = array(o, key, "of " + form + " terms");
  for (size_t t = 0; t < a.size(); ++t) {
    const std::string at = o.field(key) + "[" + std::to_string(t) + "]";
    if (!a[t].is_array() || a[t].size() != arity) o.fail(at + " must be " + form + ", got " + a[t].dump());
    out.emplace_back(&a[t], at);
  }
  return out;
}

// "constant", "linear" and "bilinear" of a row; each may be omitted (0 / no terms). A variable
// index must be a JSON integer; Problem::validate() checks its range.
Expression expression(JsonObject& o, const std::string& source) {
  auto index = [&](const json& v, const std::string& at) { return JsonObject::to_int(v, at, source); };
  auto coef = [&](const json& v, const std::string& at) { return JsonObject::to_number(v, at, source); };
  Expression e;
  if (o.has("constant")) e.constant = o.get_number("constant");
  for (const auto& [t, at] : terms(o, "linear", 2))
    e.linear.push_back({index((*t)[0], at + "[0]"), coef((*t)[1], at + "[1]")});
  for (const auto& [t, at] : terms(o, "bilinear", 3))
    e.bilinear.push_back({index((*t)[0], at + "[0]"), index((*t)[1], at + "[1]"), coef((*t)[2], at + "[2]")});
  return e;
}

json expression_json(const Expression& e) {
  json lin = json::array(), bil = json::array();
  for (const auto& t : e.linear) lin.push_back({t.var, t.coef});
  for (const auto& t : e.bilinear) bil.push_back({t.var_i, t.var_j, t.coef});
  return json{{"constant", e.constant}, {"linear", lin}, {"bilinear", bil}};
}

}  // namespace

Problem problem_from_json(const json& j, const std::string& source) {
  JsonObject r(j, "", source);
  Problem p;
  const json& groups = array(r, "groups", "of groups");
  for (size_t g = 0; g < groups.size(); ++g) {
    JsonObject gj(groups[g], "groups[" + std::to_string(g) + "]", source);
    Group grp;
    grp.name = gj.get_string("name");
    const json& opts = array(gj, "options", "of option names");
    for (size_t o = 0; o < opts.size(); ++o) {
      if (opts[o].is_string())
        grp.options.push_back(opts[o].get<std::string>());
      else if (opts[o].is_number())
        grp.options.push_back(opts[o].dump());
      else
        gj.fail(gj.field("options") + "[" + std::to_string(o) + "] must be a string, got " + util::json_type_name(opts[o]));
    }
    gj.finish();
    p.groups.push_back(std::move(grp));
  }
  JsonObject obj(r.at("objective"), "objective", source);
  p.objective = expression(obj, source);
  obj.finish();
  const json& constraints = array(r, "constraints", "(use [] for no budgets)");
  for (size_t k = 0; k < constraints.size(); ++k) {
    JsonObject cj(constraints[k], "constraints[" + std::to_string(k) + "]", source);
    Constraint c;
    c.name = cj.get_string("name");
    c.expr = expression(cj, source);
    c.max = cj.get_number("max");
    cj.finish();
    p.constraints.push_back(std::move(c));
  }
  r.finish();
  try {
    p.validate();
  } catch (const std::invalid_argument& e) {
    util::json_fail(source, e.what());
  }
  return p;
}

json problem_to_json(const Problem& p) {
  json groups = json::array();
  for (const auto& g : p.groups) groups.push_back({{"name", g.name}, {"options", g.options}});
  json cons = json::array();
  for (const auto& c : p.constraints) {
    json cj = expression_json(c.expr);
    cj["name"] = c.name;
    cj["max"] = c.max;
    cons.push_back(cj);
  }
  return json{{"groups", groups}, {"objective", expression_json(p.objective)}, {"constraints", cons}};
}

Problem read_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))  // a FIFO would block the read for ever
    throw std::runtime_error(path + ": not a regular file");
  const std::string text = util::read_text_file(path, "the problem file");
  try {
    return problem_from_json(util::parse_json(text, path), path);
  } catch (const std::invalid_argument& e) {  // the message names the path and the field
    throw std::runtime_error(e.what());
  }
}

void write_problem(const Problem& p, const std::string& path) { write_json_file(problem_to_json(p), path); }

json result_to_json(const Result& r) {
  json j;
  j["method"] = r.method;
  json opts = json::object();
  for (const auto& [key, v] : r.options)  // integral values (seeds, counts) as JSON integers
    opts[key] = v == std::floor(v) && std::fabs(v) <= 9007199254740992.0 ? json(static_cast<int64_t>(v)) : json(v);
  j["options"] = opts;
  j["status"] = status_name(r.status);
  const bool has_sel = !r.selection.empty();
  j["objective"] = has_sel ? json(r.objective) : json(nullptr);
  j["bound"] = r.has_bound ? json(r.bound) : json(nullptr);
  j["selection"] = r.selection;
  json cons = json::object();
  for (size_t k = 0; k < r.constraint_names.size(); ++k) {
    json c{{"max", r.constraint_max[k]}};
    c["value"] = has_sel ? json(r.constraint_values[k]) : json(nullptr);
    if (k < r.constraint_min.size()) c["min_achievable"] = r.constraint_min[k];
    cons[r.constraint_names[k]] = c;
  }
  j["constraints"] = cons;
  j["solve_time_s"] = r.solve_seconds;
  if (!r.message.empty()) j["message"] = r.message;
  json st = json::object();
  for (const auto& kv : r.stats) st[kv.first] = kv.second;
  j["stats"] = st;
  return j;
}

void write_json_file(const json& j, const std::string& path) { write_file_atomic(path, j.dump(1) + "\n"); }

}  // namespace iqnas::solver

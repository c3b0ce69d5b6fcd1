#include "solver/problem_io.h"

#include "util/atomic_file.h"

#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

namespace iqnas::solver {

using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

const json& field(const json& obj, const char* key, const std::string& where) {
  if (!obj.is_object()) fail(where, "expected a JSON object");
  auto it = obj.find(key);
  if (it == obj.end()) fail(where, std::string("missing field \"") + key + "\"");
  return *it;
}

// Refuses any key of `obj` outside `allowed` (a typo such as "bilnear" would otherwise be ignored).
void only_keys(const json& obj, std::initializer_list<const char*> allowed, const std::string& where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || it.key() == a;
    if (ok) continue;
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    fail(where, "unknown field \"" + it.key() + "\" (expected: " + list + ")");
  }
}

double number(const json& v, const std::string& where) {
  if (!v.is_number()) fail(where, "expected a number, got " + std::string(v.type_name()));
  const double d = v.get<double>();
  if (!std::isfinite(d)) fail(where, "is not a finite number");
  return d;
}

int index(const json& v, const std::string& where) {
  if (!v.is_number()) fail(where, "expected a variable index, got " + std::string(v.type_name()));
  const double d = v.get<double>();
  if (!std::isfinite(d) || d != std::floor(d) || d < -1e9 || d > 1e9)
    fail(where, "expected an integer variable index, got " + v.dump());
  return static_cast<int>(d);
}

Expression expression(const json& j, const std::string& where, bool constraint = false) {
  if (!j.is_object()) fail(where, "expected a JSON object");
  if (constraint)
    only_keys(j, {"name", "constant", "linear", "bilinear", "max"}, where);
  else
    only_keys(j, {"constant", "linear", "bilinear"}, where);
  Expression e;
  // "constant", "linear" and "bilinear" may be omitted (0 / no terms); anything present is checked.
  if (auto it = j.find("constant"); it != j.end()) e.constant = number(*it, where + ".constant");
  if (auto it = j.find("linear"); it != j.end()) {
    if (!it->is_array()) fail(where + ".linear", "expected an array of [var, coef] pairs");
    for (size_t t = 0; t < it->size(); ++t) {
      const json& term = (*it)[t];
      const std::string at = where + ".linear[" + std::to_string(t) + "]";
      if (!term.is_array() || term.size() != 2) fail(at, "expected [var, coef], got " + term.dump());
      e.linear.push_back({index(term[0], at + "[0]"), number(term[1], at + "[1]")});
    }
  }
  if (auto it = j.find("bilinear"); it != j.end()) {
    if (!it->is_array()) fail(where + ".bilinear", "expected an array of [var_i, var_j, coef] triples");
    for (size_t t = 0; t < it->size(); ++t) {
      const json& term = (*it)[t];
      const std::string at = where + ".bilinear[" + std::to_string(t) + "]";
      if (!term.is_array() || term.size() != 3) fail(at, "expected [var_i, var_j, coef], got " + term.dump());
      e.bilinear.push_back({index(term[0], at + "[0]"), index(term[1], at + "[1]"), number(term[2], at + "[2]")});
    }
  }
  return e;
}

json expression_json(const Expression& e) {
  json lin = json::array(), bil = json::array();
  for (const auto& t : e.linear) lin.push_back({t.var, t.coef});
  for (const auto& t : e.bilinear) bil.push_back({t.var_i, t.var_j, t.coef});
  return json{{"constant", e.constant}, {"linear", lin}, {"bilinear", bil}};
}

}  // namespace

Problem problem_from_json(const json& j) {
  if (!j.is_object()) fail("problem", "expected a JSON object with groups, objective and constraints");
  only_keys(j, {"groups", "objective", "constraints"}, "problem");
  Problem p;
  const json& groups = field(j, "groups", "problem");
  if (!groups.is_array()) fail("groups", "expected an array");
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string where = "groups[" + std::to_string(g) + "]";
    const json& gj = groups[g];
    Group grp;
    const json& name = field(gj, "name", where);
    only_keys(gj, {"name", "options"}, where);
    if (!name.is_string()) fail(where + ".name", "expected a string");
    grp.name = name.get<std::string>();
    const json& opts = field(gj, "options", where);
    if (!opts.is_array()) fail(where + ".options", "expected an array of option names");
    for (size_t o = 0; o < opts.size(); ++o) {
      if (opts[o].is_string())
        grp.options.push_back(opts[o].get<std::string>());
      else if (opts[o].is_number())
        grp.options.push_back(opts[o].dump());
      else
        fail(where + ".options[" + std::to_string(o) + "]", "expected a string");
    }
    p.groups.push_back(std::move(grp));
  }
  p.objective = expression(field(j, "objective", "problem"), "objective");
  {
    const json* it = &field(j, "constraints", "problem");
    if (!it->is_array()) fail("constraints", "expected an array (use [] for no budgets)");
    for (size_t k = 0; k < it->size(); ++k) {
      const std::string where = "constraints[" + std::to_string(k) + "]";
      const json& cj = (*it)[k];
      Constraint c;
      const json& name = field(cj, "name", where);
      if (!name.is_string()) fail(where + ".name", "expected a string");
      c.name = name.get<std::string>();
      c.expr = expression(cj, where, true);
      c.max = number(field(cj, "max", where), where + ".max");
      p.constraints.push_back(std::move(c));
    }
  }
  p.validate();
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
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the problem file");
  json j;
  try {
    j = json::parse(in);
  } catch (const json::exception& e) {
    throw std::runtime_error(path + ": not valid JSON (" + e.what() + ")");
  }
  try {
    return problem_from_json(j);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
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

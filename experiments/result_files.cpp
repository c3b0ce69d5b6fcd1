#include "experiments/result_files.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "util/text_file.h"

namespace iqnas::cli {

nlohmann::json read_json_if_exists(const std::string& path) {
  return std::filesystem::exists(path) ? nlohmann::json::parse(util::read_text_file(path)) : nlohmann::json();
}

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(util::read_text_file(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    rows.emplace_back();
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) rows.back().push_back(cell);
  }
  return rows;
}

double json_number(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return NAN;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : NAN;
}

std::string format_value(const char* printf_format, double v) {
  if (!std::isfinite(v)) return "-";
  char b[64];
  std::snprintf(b, sizeof b, printf_format, v);
  return b;
}

double standard_error(double se, int passes) { return passes > 1 ? se : NAN; }

std::string plus_minus(const char* printf_format, double se, int passes) {
  const double e = standard_error(se, passes);
  return "+-" + (std::isfinite(e) ? format_value(printf_format, e) : std::string("n/a"));
}

const nlohmann::json* kept_fit_round(const nlohmann::json& search) {
  if (!search.contains("measured_fit")) return nullptr;
  for (const nlohmann::json& r : search.at("measured_fit").at("rounds"))
    if (r.value("chosen", false)) return &r;
  return nullptr;
}

double kept_solver_budget_ms(const nlohmann::json& search) {
  const nlohmann::json* kept = kept_fit_round(search);
  return kept ? json_number(*kept, {"solver_budget_ms"}) : NAN;
}

double judged_latency_ms(const nlohmann::json& measure) { return json_number(measure, {"latency", "same_run_ms"}); }

std::string within_budget_cell(const nlohmann::json& measure, double budget) {
  const double judged = judged_latency_ms(measure);
  if (!std::isfinite(judged)) return "-";
  return judged <= budget ? "yes" : "no";
}

std::string solver_cell(const nlohmann::json& search) {
  const nlohmann::json& solver = search.at("solver");
  std::string cell = solver.value("status", std::string("?")) + (solver.value("bound", nlohmann::json()).is_null() ? "" : " (proven)");
  const double solver_budget = kept_solver_budget_ms(search);
  if (std::isfinite(solver_budget) && solver_budget != json_number(search, {"budgets", "latency_ms"}))
    cell += " for solver budget " + format_value("%.4f", solver_budget) + " ms";
  return cell;
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t h = v.size() / 2;
  return v.size() % 2 ? v[h] : 0.5 * (v[h - 1] + v[h]);
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace iqnas::cli

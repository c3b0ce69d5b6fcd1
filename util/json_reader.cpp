#include "util/json_reader.h"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace iqnas::util {

void json_fail(const std::string& source, const std::string& msg) { throw std::invalid_argument(source + ": " + msg); }

const char* json_type_name(const json& j) {
  if (j.is_null()) return "null";
  if (j.is_boolean()) return "a boolean";
  if (j.is_number_integer()) return "an integer";
  if (j.is_number()) return "a number";
  if (j.is_string()) return "a string";
  if (j.is_array()) return "an array";
  return "an object";
}

json parse_json(const std::string& text, const std::string& source) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    json_fail(source, std::string("invalid JSON: ") + e.what());
  }
}

JsonObject::JsonObject(const json& j, std::string path, std::string source)
    : j_(j), path_(std::move(path)), source_(std::move(source)) {
  if (!j_.is_object())
    fail((path_.empty() ? std::string("the top level") : path_) + " must be an object, got " + json_type_name(j_));
}

std::string JsonObject::field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

const json& JsonObject::at(const std::string& key) {
  seen_.insert(key);
  auto it = j_.find(key);
  if (it == j_.end()) fail("missing required field '" + field(key) + "'");
  return *it;
}

bool JsonObject::has(const std::string& key) {
  seen_.insert(key);
  return j_.contains(key);
}

int JsonObject::get_int(const std::string& key) { return to_int(at(key), field(key), source_); }
int JsonObject::get_int(const std::string& key, int lo, int hi) {
  return static_cast<int>(to_int64(at(key), field(key), source_, lo, hi));
}
int64_t JsonObject::get_int64(const std::string& key, int64_t lo, int64_t hi) {
  return to_int64(at(key), field(key), source_, lo, hi);
}
float JsonObject::get_float(const std::string& key) { return to_float(at(key), field(key), source_); }
double JsonObject::get_number(const std::string& key) { return to_number(at(key), field(key), source_); }
double JsonObject::get_number(const std::string& key, double lo, double hi) {
  return to_number(at(key), field(key), source_, lo, hi);
}

std::vector<double> JsonObject::get_number_list(const std::string& key, double lo, double hi) {
  const json& v = at(key);
  if (!v.is_array()) fail(field(key) + " must be an array, got " + json_type_name(v));
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(to_number(v[i], field(key) + "[" + std::to_string(i) + "]", source_, lo, hi));
  return out;
}

bool JsonObject::get_bool(const std::string& key) {
  const json& v = at(key);
  if (!v.is_boolean()) fail(field(key) + " must be true or false, got " + json_type_name(v));
  return v.get<bool>();
}

std::string JsonObject::get_string(const std::string& key) {
  const json& v = at(key);
  if (!v.is_string()) fail(field(key) + " must be a string, got " + json_type_name(v));
  return v.get<std::string>();
}

std::vector<int> JsonObject::get_int_list(const std::string& key) {
  const json& v = at(key);
  if (!v.is_array()) fail(field(key) + " must be an array, got " + json_type_name(v));
  std::vector<int> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(to_int(v[i], field(key) + "[" + std::to_string(i) + "]", source_));
  return out;
}

std::vector<bool> JsonObject::get_bool_list(const std::string& key) {
  const json& v = at(key);
  if (!v.is_array()) fail(field(key) + " must be an array, got " + json_type_name(v));
  std::vector<bool> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_boolean())
      fail(field(key) + "[" + std::to_string(i) + "] must be true or false, got " + json_type_name(v[i]));
    out.push_back(v[i].get<bool>());
  }
  return out;
}

const json& JsonObject::get_array(const std::string& key) {
  const json& v = at(key);
  if (!v.is_array()) fail(field(key) + " must be an array, got " + json_type_name(v));
  return v;
}

JsonObject JsonObject::element(const json& array, const std::string& key, size_t i) const {
  return JsonObject(array[i], field(key) + "[" + std::to_string(i) + "]", source_);
}

void JsonObject::finish() const {
  std::string known;
  for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
  for (auto it = j_.begin(); it != j_.end(); ++it)
    if (!seen_.count(it.key())) fail("unknown field '" + field(it.key()) + "' (known here: " + known + ")");
}

int JsonObject::to_int(const json& v, const std::string& name, const std::string& source) {
  return static_cast<int>(
      to_int64(v, name, source, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

int64_t JsonObject::to_int64(const json& v, const std::string& name, const std::string& source, int64_t lo,
                             int64_t hi) {
  if (!v.is_number_integer())
    json_fail(source, name + " must be an integer, got " + json_type_name(v) + " (" + v.dump() + ")");
  const bool in = v.is_number_unsigned() ? v.get<uint64_t>() <= uint64_t(std::numeric_limits<int64_t>::max()) &&
                                               v.get<int64_t>() >= lo && v.get<int64_t>() <= hi
                                         : v.get<int64_t>() >= lo && v.get<int64_t>() <= hi;
  if (!in)
    json_fail(source, name + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + v.dump());
  return v.get<int64_t>();
}

double JsonObject::to_number(const json& v, const std::string& name, const std::string& source) {
  if (!v.is_number()) json_fail(source, name + " must be a number, got " + json_type_name(v));
  const double d = v.get<double>();
  if (!std::isfinite(d)) json_fail(source, name + " must be a finite number");  // a document built in code
  return d;
}

double JsonObject::to_number(const json& v, const std::string& name, const std::string& source, double lo, double hi) {
  const double d = to_number(v, name, source);
  if (!(d >= lo && d <= hi)) {
    std::ostringstream o;
    o << name << " must be in [" << lo << ", " << hi << "], got " << v.dump();
    json_fail(source, o.str());
  }
  return d;
}

float JsonObject::to_float(const json& v, const std::string& name, const std::string& source) {
  return static_cast<float>(to_number(v, name, source, -1e30, 1e30));
}

}  // namespace iqnas::util

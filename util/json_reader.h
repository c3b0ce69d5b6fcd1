// One strict reader for the JSON files users write (spaces, architectures, configurations, ...):
// every error names the source (a file or flag) and the field by its JSON path, and a key that was
// not read is refused, so a typo is an error rather than a silently ignored option. Errors are
// std::invalid_argument with the text "<source>: <message>".
#pragma once
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace iqnas::util {

using json = nlohmann::json;

[[noreturn]] void json_fail(const std::string& source, const std::string& msg);
const char* json_type_name(const json& j);  // "an integer", "a string", ... for messages
json parse_json(const std::string& text, const std::string& source);  // refuses invalid JSON

// The reader of one JSON object at `path` ("" for the top level, "stages[1]", "choices", ...).
class JsonObject {
 public:
  JsonObject(const json& j, std::string path, std::string source);

  std::string field(const std::string& key) const;  // "stages[1].stride"
  const json& at(const std::string& key);           // a required field
  bool has(const std::string& key);                 // an optional field (counts as known)
  int get_int(const std::string& key);
  int get_int(const std::string& key, int lo, int hi);  // and in [lo, hi]
  int64_t get_int64(const std::string& key, int64_t lo, int64_t hi);
  float get_float(const std::string& key);  // in [-1e30, 1e30]
  double get_number(const std::string& key);                         // finite
  double get_number(const std::string& key, double lo, double hi);  // finite, in [lo, hi]
  std::vector<double> get_number_list(const std::string& key, double lo, double hi);
  bool get_bool(const std::string& key);
  std::string get_string(const std::string& key);
  // A string field naming a choice, turned into its value by `parse` (a parse_* function that throws
  // std::invalid_argument for an unknown name); the error is "<field path>: <parse's message>".
  template <class Parse>
  auto get_parsed(const std::string& key, Parse&& parse) -> decltype(parse(std::string())) {
    const std::string name = get_string(key);
    try {
      return parse(name);
    } catch (const std::invalid_argument& e) {
      fail(field(key) + ": " + e.what());
    }
  }
  std::vector<int> get_int_list(const std::string& key);
  std::vector<bool> get_bool_list(const std::string& key);
  const json& get_array(const std::string& key);  // a required field that must be an array
  // Element i of the array `key` (from get_array) as an object, its path "key[i]".
  JsonObject element(const json& array, const std::string& key, size_t i) const;
  // Call after reading every field: a key not read is refused, listing the known ones.
  void finish() const;
  [[noreturn]] void fail(const std::string& msg) const { json_fail(source_, msg); }

  // Single values, for array elements; `name` is the element's path.
  static int to_int(const json& v, const std::string& name, const std::string& source);
  static float to_float(const json& v, const std::string& name, const std::string& source);
  static int64_t to_int64(const json& v, const std::string& name, const std::string& source, int64_t lo, int64_t hi);
  static double to_number(const json& v, const std::string& name, const std::string& source);
  static double to_number(const json& v, const std::string& name, const std::string& source, double lo, double hi);

 private:
  const json& j_;
  std::string path_, source_;
  std::set<std::string> seen_;
};

}  // namespace iqnas::util

// JSON IO of problems and results (the formats in docs/solver.md).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "solver/problem.h"

namespace iqnas::solver {

// Parses and validates with the strict reader (util/json_reader.h: unknown keys are refused);
// throws std::invalid_argument naming the source and the field (e.g. "problem:
// constraints[1].bilinear[4]: variable index 300 is out of range 0..254").
Problem problem_from_json(const nlohmann::json& j, const std::string& source = "problem");
nlohmann::json problem_to_json(const Problem& p);

// Reads a problem file; errors (std::runtime_error) name the path.
Problem read_problem(const std::string& path);
void write_problem(const Problem& p, const std::string& path);

nlohmann::json result_to_json(const Result& r);
// Writes through a checked, fsynced temporary file and a rename (util/atomic_file.h).
void write_json_file(const nlohmann::json& j, const std::string& path);

}  // namespace iqnas::solver

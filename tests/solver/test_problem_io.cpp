#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <limits>

#include "random_problems.h"
#include "solver/exact.h"
#include "solver/problem_io.h"
#include "solver/solve.h"
#include "tests/refusal.h"

using namespace iqnas::solver;
using nlohmann::json;

namespace {

json good() {
  return json::parse(R"({
    "groups": [{"name": "s1.b1", "options": ["e3", "e6"]}, {"name": "s1.depth", "options": ["2", "3", "4"]}],
    "objective": {"constant": 1.0, "linear": [[0, 0.5], [1, 1.5]], "bilinear": [[1, 3, 0.25]]},
    "constraints": [{"name": "latency_ms", "constant": 2.0, "linear": [[0, 1.0], [1, 3.0]],
                     "bilinear": [[1, 4, 1.0]], "max": 5.0}]})");
}

// Expects problem_from_json to throw with a message containing `needle`.
void expect_error(const json& j, const std::string& needle) {
  const std::string m = iqnas::test::error_of([&] { problem_from_json(j); });
  EXPECT_NE(m.find(needle), std::string::npos) << "message: '" << m << "' for " << j.dump();
}

}  // namespace

TEST(ProblemIo, ParsesTheDesignFormat) {
  Problem p = problem_from_json(good());
  ASSERT_EQ(p.num_groups(), 2);
  EXPECT_EQ(p.num_vars(), 5);
  EXPECT_EQ(p.var(1, 2), 4);
  EXPECT_EQ(p.constraints[0].name, "latency_ms");
  EXPECT_DOUBLE_EQ(p.objective_value({1, 1}), 1.0 + 1.5 + 0.25);
  EXPECT_DOUBLE_EQ(p.constraint_values({1, 2})[0], 2.0 + 3.0 + 1.0);
  Result r = solve_exact(p);
  EXPECT_EQ(r.status, Status::Optimal);
}

TEST(ProblemIo, RoundTrip) {
  iqnas::util::Rng rng(21);
  iqnas::solver::testing::RandomSpec spec;
  for (int i = 0; i < 30; ++i) {
    Problem p = iqnas::solver::testing::random_problem(rng, spec);
    const std::string path = ::testing::TempDir() + "/iqnas_roundtrip.json";
    write_problem(p, path);
    Problem q = read_problem(path);
    EXPECT_EQ(problem_to_json(p), problem_to_json(q));
    std::remove(path.c_str());
  }
}

TEST(ProblemIo, EveryMalformedCaseNamesTheField) {
  expect_error(json::array(), "problem: the top level must be an object, got an array");
  {
    json j = good();
    j.erase("groups");
    expect_error(j, "problem: missing required field 'groups'");
  }
  {
    json j = good();
    j.erase("objective");
    expect_error(j, "problem: missing required field 'objective'");
  }
  {
    json j = good();
    j.erase("constraints");
    expect_error(j, "problem: missing required field 'constraints'");
  }
  {
    json j = good();
    j["groups"] = json::array();
    expect_error(j, "no groups");
  }
  {
    json j = good();
    j["groups"][1]["options"] = json::array();
    expect_error(j, "groups[1] (s1.depth): the group has no options");
  }
  {
    json j = good();
    j["groups"][0].erase("name");
    expect_error(j, "missing required field 'groups[0].name'");
  }
  {
    json j = good();
    j["groups"][0]["options"] = "e3";
    expect_error(j, "groups[0].options must be an array of option names, got a string");
  }
  {
    json j = good();
    j["objective"]["linear"][1][0] = 5;
    expect_error(j, "objective.linear[1]: variable index 5 is out of range 0..4");
  }
  {
    json j = good();
    j["objective"]["linear"][0][0] = -1;
    expect_error(j, "objective.linear[0]: variable index -1");
  }
  {
    json j = good();
    j["objective"]["linear"][0][0] = 1.5;
    expect_error(j, "objective.linear[0][0] must be an integer, got a number (1.5)");
  }
  {
    json j = good();
    j["objective"]["linear"][0] = json::array({0});
    expect_error(j, "objective.linear[0] must be [var, coef], got [0]");
  }
  {
    json j = good();
    j["objective"]["linear"][0][1] = "x";
    expect_error(j, "objective.linear[0][1] must be a number, got a string");
  }
  {
    json j = good();
    j["constraints"][0]["bilinear"][0][1] = 99;
    expect_error(j, "constraints[0].bilinear[0]: variable index 99");
  }
  {
    json j = good();
    j["constraints"][0].erase("max");
    expect_error(j, "missing required field 'constraints[0].max'");
  }
  {
    json j = good();
    j["constraints"][0]["max"] = nullptr;
    expect_error(j, "constraints[0].max must be a number, got null");
  }
  {
    json j = good();
    j["constraints"][0].erase("name");
    expect_error(j, "missing required field 'constraints[0].name'");
  }
  {
    json j = good();
    j["constraints"].push_back(j["constraints"][0]);
    expect_error(j, "constraints[1].name: duplicate constraint name 'latency_ms'");
  }
  {
    json j = good();
    j["objective"]["constant"] = "1";
    expect_error(j, "objective.constant must be a number, got a string");
  }
}

TEST(ProblemIo, NonFiniteNumbers) {
  // JSON text has no NaN or infinity (the parser refuses 1e999), but a document built in code can.
  EXPECT_THROW(json::parse(R"({"x": 1e999})"), json::exception);
  json j = good();
  j["objective"]["linear"][0][1] = std::numeric_limits<double>::infinity();
  expect_error(j, "objective.linear[0][1] must be a finite number");
  j = good();
  j["constraints"][0]["bilinear"][0][2] = std::numeric_limits<double>::quiet_NaN();
  expect_error(j, "constraints[0].bilinear[0][2] must be a finite number");
  j = good();
  j["constraints"][0]["max"] = -std::numeric_limits<double>::infinity();
  expect_error(j, "constraints[0].max must be a finite number");
  Problem p = problem_from_json(good());
  p.constraints[0].max = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(p.validate(), std::invalid_argument);
}

TEST(ProblemIo, FileErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "/iqnas_bad.json";
  {
    std::ofstream f(path);
    f << "{ not json";
  }
  try {
    read_problem(path);
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  }
  {
    std::ofstream f(path);
    f << R"({"groups": [], "objective": {}, "constraints": []})";
  }
  try {
    read_problem(path);
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": groups"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read_problem(path + ".missing"), std::runtime_error);
  std::remove(path.c_str());
}

TEST(ProblemIo, ResultJson) {
  Problem p = problem_from_json(good());
  Result r = solve_exact(p);
  json j = result_to_json(r);
  EXPECT_EQ(j["status"], "optimal");
  EXPECT_EQ(j["selection"].size(), 2u);
  EXPECT_TRUE(j["constraints"].contains("latency_ms"));
  EXPECT_DOUBLE_EQ(j["constraints"]["latency_ms"]["max"].get<double>(), 5.0);
  EXPECT_EQ(j["objective"].get<double>(), j["bound"].get<double>());
  EXPECT_TRUE(j.contains("solve_time_s"));
}

namespace iqnas::solver {
namespace {
TEST(ProblemIo, ProductsInsideOneGroupFoldToLinearOrZero) {
  // x_i * x_i is x_i; two options of one group are never both chosen.
  Problem p;
  p.groups = {{"a", {"0", "1"}}, {"b", {"0", "1"}}};
  p.objective.linear = {{0, 1.0}, {3, 1.0}};
  p.objective.bilinear = {{1, 1, 5.0}, {2, 3, 100.0}};
  p.validate();
  EXPECT_DOUBLE_EQ(p.objective_value({1, 1}), 6.0);
  SolveOptions opt;
  const Result r = solve(p, opt);
  EXPECT_EQ(r.status, Status::Optimal);
  EXPECT_EQ(r.selection, (std::vector<int>{1, 1}));
  EXPECT_DOUBLE_EQ(r.objective, 6.0);
}
}  // namespace
}  // namespace iqnas::solver

TEST(ProblemIo, UnknownFieldsAreRefusedWithTheirPath) {
  {
    json j = good();
    j["objectve"] = json::object();  // a typo next to the real key
    expect_error(j, "problem: unknown field 'objectve'");
  }
  {
    json j = good();
    j["objective"]["bilnear"] = json::array();
    expect_error(j, "problem: unknown field 'objective.bilnear'");
  }
  {
    json j = good();
    j["constraints"][0]["maximum"] = 3;
    expect_error(j, "problem: unknown field 'constraints[0].maximum'");
  }
  {
    json j = good();
    j["groups"][1]["extra"] = 1;
    expect_error(j, "problem: unknown field 'groups[1].extra'");
  }
  EXPECT_NO_THROW(problem_from_json(good()));
}

// Values that would overflow (two groups of 1e308 sum to infinity) are refused, not solved to
// "optimal" with an infinite objective.
TEST(ProblemIo, RowsThatCouldOverflowAreRefused) {
  json j = good();
  j["objective"]["linear"] = json::array({json::array({0, 1e308}), json::array({2, 1e308})});
  expect_error(j, "objective: the absolute values of the row's coefficients sum to");
  j = good();
  j["constraints"][0]["bilinear"][0][2] = 1e101;
  expect_error(j, "constraints[0]: the absolute values");
  j = good();
  j["constraints"][0]["max"] = 1e300;
  expect_error(j, "constraints[0].max");
}

TEST(ProblemIo, AFifoIsRefusedInsteadOfBlocking) {
  const std::string fifo = ::testing::TempDir() + "/iqnas_problem_fifo_" + std::to_string(::getpid());
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  EXPECT_THROW(iqnas::solver::read_problem(fifo), std::runtime_error);
  ::unlink(fifo.c_str());
}

// The integer program's variables for a search space, and rows of the "block-additive" form that
// every resource model and the contribution predictor share (METHOD: LAT = t0 + p^T alpha +
// alpha^T Theta beta, Theta cumulative over depth).
//
// Groups, in the order of encode_onehot's [alpha, beta]: one group per (stage, block) named
// "s<stage>.b<block>" (1-based) whose options are the configuration names ("e6_k5_se1"), for every
// block up to the stage's largest depth; then one group per stage named "s<stage>.depth" whose
// options are the allowed depths ("2", "3", "4"). Blocks beyond the chosen depth still select an
// option; every term of such a block is multiplied by the depth indicators that activate it, so
// that option is irrelevant.
#pragma once
#include <functional>
#include <vector>

#include "solver/problem.h"
#include "supernet/arch.h"

namespace iqnas::predictor {

std::vector<solver::Group> space_groups(const SearchSpace& s);
int num_vars(const SearchSpace& s);
int alpha_var(const SearchSpace& s, int stage, int block, int config);  // 0-based stage, block
int beta_var(const SearchSpace& s, int stage, int depth_index);         // index into stages[stage].depths
int alpha_group(const SearchSpace& s, int stage, int block);
int beta_group(const SearchSpace& s, int stage);

// Selection (one option per group) of an architecture; inactive blocks take option 0.
std::vector<int> arch_to_selection(const SearchSpace& s, const Architecture& a);
Architecture selection_to_arch(const SearchSpace& s, const std::vector<int>& selection);  // validates

// A block is always active when its 1-based position is at most the stage's smallest depth.
bool block_always_active(const SearchSpace& s, int stage, int block);

// constant + sum over active blocks of block_cost(stage, block, config)
//          + sum over stages of depth_cost(stage, depth_index)   (depth_cost may be empty)
// as a solver row: always-active blocks linear, the others bilinear with every depth that
// activates them (the cumulative Theta). Zero coefficients are left out.
using BlockCost = std::function<double(int stage, int block, int config)>;
using DepthCost = std::function<double(int stage, int depth_index)>;
solver::Expression additive_row(const SearchSpace& s, double constant, const BlockCost& block_cost,
                                const DepthCost& depth_cost = {});

// The same quantity summed directly over an architecture's active blocks (the row's oracle).
double additive_value(const SearchSpace& s, const Architecture& a, double constant, const BlockCost& block_cost,
                      const DepthCost& depth_cost = {});

}  // namespace iqnas::predictor

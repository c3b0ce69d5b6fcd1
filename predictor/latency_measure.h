// Timing with the table's protocol (docs/latency.md): the BN-folded inference path of
// supernet/inference.h, random weights (timing does not depend on their values), a random input,
// `warmup` untimed runs of every program, then `repeats` rounds in each of which every program runs
// once, timed alone, in a freshly shuffled order, so that machine noise spreads evenly over the
// entries. Statistics are per image: elapsed / batch.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "predictor/latency_table.h"
#include "supernet/inference.h"

namespace iqnas::predictor {

struct MeasureOptions {
  std::string device = "cpu";  // "cuda" is refused: the inference path runs on the CPU
  int threads = 1, batch = 1, repeats = 30, warmup = 3;
  // "cpu": the measuring thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which leaves out the time the
  // thread waits while other processes run: on a shared machine this is the latency the machine
  // would have alone. Only for one thread. "wall": elapsed time. "auto": cpu for one thread, else wall.
  std::string clock = "auto";
  std::string resolved_clock() const { return clock == "auto" ? (threads == 1 ? "cpu" : "wall") : clock; }
  // The cache state each timed run starts from. "cold": the last-level cache is evicted, then the
  // program's input and activation buffers are read (inside a network they were just written by
  // the block before), so weights come from memory: a network whose weights do not stay in cache
  // between calls. "warm": the program runs once, untimed, just before: everything it touches is in
  // cache, as in one small network called over and over.
  std::string cache = "cold";
  // Rounds go on beyond `repeats` until this much wall time has passed since the first timed one. A
  // shared machine has slow moments of a few seconds; a table timed within a few seconds can fall
  // into one, and every median moves with it. Spread over tens of seconds, such a moment is a
  // minority of the rounds, and the medians do not see it (`iqnas lut --min-seconds`, 20 by default).
  double min_seconds = 0;
  uint64_t seed = 0;
  // Checks the ranges and the device; throws std::invalid_argument naming the option.
  void validate() const;
  // The protocol a table was measured with (device, threads, batch, clock, cache; a table that does
  // not record its cache state counts as cold), so that networks are timed as its entries were.
  static MeasureOptions of_table(const LatencyTable& t);
  // The same for timing a few whole networks: 100-200 rounds (the table's count within that
  // range), so that a median stands for the network, not for a moment of the machine.
  static MeasureOptions of_table_for_networks(const LatencyTable& t);
};

struct LatencyStats {
  double median_ms = 0, mean_ms = 0, iqr_ms = 0;  // per image
  int64_t runs = 0;                               // timed runs behind them
};

// Called as (done, total) while measuring; may be empty.
using Progress = std::function<void(int64_t done, int64_t total)>;

// The core: interleaved timing of already built programs.
std::vector<LatencyStats> time_interleaved(const std::vector<InferenceProgram*>& programs, const MeasureOptions& o,
                                           const Progress& progress = {});

// The whole table of a space: every distinct block and the fixed part, interleaved. Under mpirun
// the ranks of `comm` (one per socket or machine: ranks that share cores disturb each other's
// timings) time a share of the entries each, and every rank returns the whole table.
LatencyTable measure_latency_table(const SearchSpace& s, const MeasureOptions& o, const Progress& progress = {},
                                   dist::Communicator& comm = dist::world());

// End-to-end latency of whole networks, interleaved in groups of `group` networks (memory).
std::vector<LatencyStats> measure_networks_latency(const SearchSpace& s, const std::vector<Architecture>& archs,
                                                   const MeasureOptions& o, const Progress& progress = {},
                                                   int group = 16);

// The table's entries and the networks timed in the same interleaved rounds (groups of `group`
// networks; the fixed part and the entries of the blocks the group's networks run are re-timed
// with every group), so that changes of the machine's load between a table and its check cannot
// enter: per network, its measurement and the prediction from the entries timed alongside it.
// `lut-check --same-run` checks additivity with it; `search --fit-measured` and `iqnas measure`
// judge found networks with it (predictor/measured_latency.h).
struct SameRunPoint {
  LatencyStats measured;
  double predicted_ms = 0;
};
std::vector<SameRunPoint> measure_same_run(const SearchSpace& s, const std::vector<Architecture>& archs,
                                           const MeasureOptions& o, const Progress& progress = {}, int group = 16);

}  // namespace iqnas::predictor

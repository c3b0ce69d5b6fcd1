// Splitting work over the ranks of a Communicator.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "dist/communicator.h"

namespace iqnas::dist {

// Rank `rank`'s contiguous part [begin, end) of n items split over `size` ranks (sizes differ by at
// most one; the first n % size ranks get one more).
struct Range {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
Range shard(int64_t n, int rank, int size);

// Independent jobs begin..end-1 spread over the ranks in rounds of comm.size(): in each round rank
// k runs job (round start + k) with `run`, the results are exchanged, and every rank calls `take`
// for the round's jobs in index order. So `take` sees the serial order (a caller that saves after
// every job stays resumable), and the results are those of the serial loop whenever `run(i)`
// depends on i only. With one rank this is the plain loop.
void for_each_job(Communicator& comm, int64_t begin, int64_t end, const std::function<std::string(int64_t)>& run,
                  const std::function<void(int64_t, const std::string&)>& take);

}  // namespace iqnas::dist

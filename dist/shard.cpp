#include "dist/shard.h"

#include <algorithm>
#include <stdexcept>

namespace iqnas::dist {

Range shard(int64_t n, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size || n < 0)
    throw std::invalid_argument("shard: rank " + std::to_string(rank) + " of " + std::to_string(size) + ", " +
                                std::to_string(n) + " items");
  const int64_t base = n / size, extra = n % size;
  Range r;
  r.begin = rank * base + std::min<int64_t>(rank, extra);
  r.end = r.begin + base + (rank < extra ? 1 : 0);
  return r;
}

void for_each_job(Communicator& comm, int64_t begin, int64_t end, const std::function<std::string(int64_t)>& run,
                  const std::function<void(int64_t, const std::string&)>& take) {
  const int64_t p = comm.size();
  for (int64_t round = begin; round < end; round += p) {
    const int64_t mine = round + comm.rank();
    const std::string result = mine < end ? run(mine) : std::string();
    const std::vector<std::string> all = p == 1 ? std::vector<std::string>{result} : comm.allgather(result, "job results");
    for (int64_t k = 0; k < p && round + k < end; ++k) take(round + k, all[static_cast<size_t>(k)]);
  }
}

}  // namespace iqnas::dist

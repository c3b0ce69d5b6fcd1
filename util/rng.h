// The one random number generator of iqnas: SplitMix64 with its own distributions. The standard
// library's distributions (std::normal_distribution, ...) are free to differ between standard
// libraries, so a seed would not give the same initialisation, paths, dropout masks, shuffles or
// solver samples everywhere; these give the same numbers with every compiler (the normal draw up to
// the last bit of the platform's std::log/std::cos).
//
// How much of the stream each draw takes is part of the contract (results depend on it):
//   next, uniform, bernoulli, coin: one value;  normal: exactly two (Box-Muller, cosine branch);
//   below, uniform_int: one, and another each time one falls in the rejected tail (probability
//   below n / 2^64); shuffle: one `below` per element but the first.
#pragma once
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

namespace iqnas::util {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for a stream identified by (seed, a, b, c), e.g. (seed, epoch, sample index, purpose).
inline uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  return splitmix64(splitmix64(splitmix64(splitmix64(seed) ^ a) ^ b) ^ c);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {  // the SplitMix64 sequence: splitmix64() of the seed, of the seed + one step, ...
    const uint64_t x = state_;
    state_ += 0x9E3779B97F4A7C15ull;
    return splitmix64(x);
  }
  // Uniform in [0, 1) on the 2^-53 grid.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n), unbiased (rejection), n > 0.
  uint64_t below(uint64_t n) {
    const uint64_t limit = ~uint64_t(0) - (~uint64_t(0) % n);
    uint64_t x;
    do x = next();
    while (x >= limit);
    return x % n;
  }
  // Uniform integer in [lo, hi], lo <= hi.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1));
  }
  bool bernoulli(double p) { return uniform() < p; }
  bool coin() { return (next() >> 63) != 0; }
  // Standard normal by Box-Muller: radius from the first value (1 - uniform, in (0, 1], so the log
  // is finite), angle from the second; the sine twin is not kept, so every call takes two values.
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

 private:
  uint64_t state_;
};

// Fisher-Yates from the back: the same seed gives the same order on every platform.
template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

}  // namespace iqnas::util

// A tiny seeded PRNG (SplitMix64). The core and the simulator draw all their
// randomness from explicit seeds so every run replays exactly.
#pragma once

#include <cstdint>

namespace arbor::raft {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n > 0. (The tiny modulo bias is irrelevant here.)
  uint64_t Uniform(uint64_t n) { return Next() % n; }
  // True with probability num/den.
  bool Chance(uint64_t num, uint64_t den) { return Uniform(den) < num; }

 private:
  uint64_t state_;
};

}  // namespace arbor::raft

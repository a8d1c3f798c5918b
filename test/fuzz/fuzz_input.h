// A small, dependency-free reader of fuzzer bytes (libFuzzer's
// FuzzedDataProvider is a clang header; the replay drivers are built by gcc
// too). Reads never fail: past the end every value is zero / empty, so a
// short input is simply a short program.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

// Aborts with a message: a violated invariant is a finding like a crash
// (libFuzzer saves the input, the replay driver fails).
#define FUZZ_CHECK(cond, ...)                                                     \
  do {                                                                            \
    if (!(cond)) {                                                                \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                          \
      std::fprintf(stderr, "\n");                                                 \
      std::abort();                                                               \
    }                                                                             \
  } while (0)

namespace arbor::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  bool empty() const { return pos_ >= size_; }
  size_t remaining() const { return size_ - pos_; }

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool Bool() { return Byte() & 1; }
  uint32_t U32() {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | Byte();
    return v;
  }
  uint64_t U64() { return uint64_t{U32()} << 32 | U32(); }
  // A value in [lo, hi] (inclusive), from as few bytes as the range needs.
  int64_t Range(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t v = 0;
    for (uint64_t s = span; s != 0; s >>= 8) v = v << 8 | Byte();
    if (span != UINT64_MAX) v %= span + 1;
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + v);
  }
  template <typename T, size_t N>
  const T& Pick(const T (&choices)[N]) {
    return choices[Range(0, N - 1)];
  }
  // Up to max_len bytes, length first.
  std::string Bytes(size_t max_len) {
    size_t n = static_cast<size_t>(Range(0, static_cast<int64_t>(max_len)));
    return Take(n);
  }
  std::string Take(size_t n) {
    n = std::min(n, remaining());
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  std::string Rest() { return Take(remaining()); }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace arbor::fuzz

// ARBOR_TREE_CHECK: an invariant check that stays on in every build type
// (release builds define NDEBUG, which would silence assert). A failed check
// means the replicated state is no longer trustworthy, so the process stops
// rather than apply further entries to a corrupt tree.
#pragma once

#include <cstdio>
#include <cstdlib>

#define ARBOR_TREE_CHECK(cond)                                                          \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

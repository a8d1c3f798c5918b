#include "server/tree/tree_flags.h"

#include <gflags/gflags.h>

DEFINE_uint64(max_data_bytes, 1 << 20,
              "Largest znode payload in bytes; larger create/setData fail with BADARGUMENTS. "
              "Every server of a cluster must use the same value (it is applied inside the "
              "replicated state machine).");

namespace arbor::tree {

TreeOptions TreeOptionsFromFlags() {
  TreeOptions options;
  options.max_data_bytes = static_cast<size_t>(FLAGS_max_data_bytes);
  return options;
}

}  // namespace arbor::tree

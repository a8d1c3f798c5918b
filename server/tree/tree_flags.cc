#include "server/tree/tree_flags.h"

#include <gflags/gflags.h>

DEFINE_uint64(max_data_bytes, 1 << 20,
              "Largest znode payload in bytes; larger create/setData fail with BADARGUMENTS. Checked by the "
              "leader before it proposes a write, so servers may differ (the leader's value decides).");
DEFINE_uint64(max_znodes, 10000000,
              "Most znodes the cluster holds; creates past it fail with QUOTAEXCEEDED (deletes always work). "
              "Checked by the leader before proposing. 0 = no limit.");
DEFINE_uint64(max_total_data_bytes, 4ull << 30,
              "Most bytes of znode names and data the cluster holds; writes that would go past it fail with "
              "QUOTAEXCEEDED, so a client cannot fill every replica's disk. Checked by the leader. 0 = no limit.");

namespace arbor::tree {

TreeOptions TreeOptionsFromFlags() {
  TreeOptions options;
  options.max_data_bytes = static_cast<size_t>(FLAGS_max_data_bytes);
  options.max_znodes = static_cast<size_t>(FLAGS_max_znodes);
  options.max_total_data_bytes = static_cast<size_t>(FLAGS_max_total_data_bytes);
  return options;
}

}  // namespace arbor::tree

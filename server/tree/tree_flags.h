// Builds TreeOptions from command-line flags (--max_data_bytes). Kept apart
// from the core so server/tree stays free of gflags.
#pragma once

#include "server/tree/tree_options.h"

namespace arbor::tree {

TreeOptions TreeOptionsFromFlags();

}  // namespace arbor::tree

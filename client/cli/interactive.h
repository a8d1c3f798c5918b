// The interactive shell: libedit line editing (emacs keys), history kept in
// a bounded file, and tab completion of command names and znode paths.
#pragma once

#include <string>
#include <vector>

#include "client/cli/shell.h"

namespace arbor::cli {

// Runs the read-eval loop on the terminal until ^D or `quit`. History is
// loaded from and saved to `history_file` ("" = none), at most kMaxHistory
// lines. Returns kExitOk.
int RunInteractive(Shell* sh, const std::string& history_file);

// Runs commands read from a non-terminal stdin, one a line, without
// prompts. Returns the last non-zero exit code (0 if every command worked).
int RunScript(Shell* sh);

// The completions of the word before the cursor in `line` (what the tab key
// offers): command names for the first word, children of the parent node
// for a word starting with '/'. Exposed for tests.
std::vector<std::string> Completions(Shell* sh, const std::string& line);

}  // namespace arbor::cli

# cmake -DIN=console.html -DOUT=console_assets.cc -P embed.cmake
# Wraps a file in a C++ raw string literal (the delimiter must not occur in it).
file(READ ${IN} body)
string(FIND "${body}" ")ARBOR_EMBED\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw string delimiter")
endif()
file(WRITE ${OUT} "// Generated from ${IN} by embed.cmake; do not edit.\n#include \"server/admin/console_assets.h\"\n\nnamespace arbor::admin {\n\nconst std::string& ConsoleHtml() {\n  static const std::string* html = new std::string(R\"ARBOR_EMBED(${body})ARBOR_EMBED\");\n  return *html;\n}\n\n}  // namespace arbor::admin\n")

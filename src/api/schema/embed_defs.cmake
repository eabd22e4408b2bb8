# Turns every defs/*.schema file into a C++ source holding the text, so the binary carries its
# schema with it. Invoked at build time with -DOUT=<file> -DDEFS=<dir>.
file(GLOB defs ${DEFS}/*.schema)
list(SORT defs)
set(body "// Generated from src/api/schema/defs by embed_defs.cmake. Do not edit.\n#include <string>\n#include <utility>\n#include <vector>\nnamespace mk::api::schema {\nconst std::vector<std::pair<std::string, std::string>>& builtin_definitions() {\n  static const std::vector<std::pair<std::string, std::string>> defs = {\n")
foreach(f ${defs})
  get_filename_component(name ${f} NAME)
  file(READ ${f} text)
  string(APPEND body "    {\"${name}\", R\"mkschema(${text})mkschema\"},\n")
endforeach()
string(APPEND body "  };\n  return defs;\n}\n}  // namespace mk::api::schema\n")
file(WRITE ${OUT}.tmp "${body}")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.tmp ${OUT})

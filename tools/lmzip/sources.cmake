list(APPEND LMZIP_TOOL_SOURCES tools/lmzip/main.cc tools/lmzip/compress_command.cc)
list(APPEND LMZIP_TOOL_SOURCES tools/lmzip/bench_command.cc)
list(APPEND LMZIP_TOOL_SOURCES tools/lmzip/generate_command.cc tools/lmzip/study_command.cc)

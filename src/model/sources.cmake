list(APPEND LMZIP_SOURCES
  src/model/predictor.cc
  src/model/registry.cc
  src/model/cm.cc
  src/model/cm_match.cc
  src/model/cm_memory.cc
  src/model/cm_mixer.cc
  src/model/cm_signal.cc
  src/model/cm_tables.cc
  src/model/mixed_model.cc)
list(APPEND LMZIP_TEST_SOURCES tests/model_test.cc tests/cm_test.cc)
list(APPEND LMZIP_TOOL_SOURCES tools/lmzip/prime_command.cc)

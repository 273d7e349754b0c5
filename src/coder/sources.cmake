list(APPEND LMZIP_SOURCES src/coder/arithmetic_coder.cc)
list(APPEND LMZIP_TEST_SOURCES tests/arithmetic_coder_test.cc)

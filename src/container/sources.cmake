list(APPEND LMZIP_SOURCES src/container/format.cc src/container/compressor.cc)
list(APPEND LMZIP_TEST_SOURCES tests/container_test.cc tests/golden_test.cc)

list(APPEND LMZIP_SOURCES
  src/generate/next_byte.cc
  src/generate/sampler.cc
  src/generate/media.cc
  src/generate/generate.cc)
list(APPEND LMZIP_TEST_SOURCES tests/generate_test.cc)

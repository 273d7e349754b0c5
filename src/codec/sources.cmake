list(APPEND LMZIP_SOURCES src/codec/model_codec.cc src/codec/primed_codec.cc src/codec/word_transform.cc)
list(APPEND LMZIP_SOURCES
  src/codec/registry.cc
  src/codec/gzip_codec.cc
  src/codec/xz_codec.cc
  src/codec/zstd_codec.cc
  src/codec/brotli_codec.cc
  src/codec/bzip2_codec.cc
  src/codec/png_codec.cc
  src/codec/flac_codec.cc)
list(APPEND LMZIP_TEST_SOURCES tests/codec_test.cc tests/word_transform_test.cc)

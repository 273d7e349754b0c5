list(APPEND LMZIP_SOURCES
  src/data/dataset.cc
  src/data/files.cc
  src/data/image_decode.cc
  src/data/image_loader.cc
  src/data/audio_loader.cc)
list(APPEND LMZIP_TEST_SOURCES tests/data_test.cc)

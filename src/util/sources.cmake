list(APPEND LMZIP_SOURCES src/util/status.cc src/util/file_io.cc src/util/progress.cc src/util/byte_size.cc)
list(APPEND LMZIP_TEST_SOURCES tests/status_test.cc tests/file_io_test.cc tests/byte_size_test.cc)

list(APPEND LMZIP_SOURCES
  src/bench/bench.cc
  src/bench/report.cc
  src/bench/paper_table.cc
  src/bench/plot.cc
  src/bench/bench_dataset.cc)
list(APPEND LMZIP_TEST_SOURCES tests/bench_test.cc)

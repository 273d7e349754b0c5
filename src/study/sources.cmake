list(APPEND LMZIP_SOURCES
  src/study/ngram.cc
  src/study/tokenizer.cc
  src/study/studies.cc
  src/study/plot.cc
  src/study/report.cc)
list(APPEND LMZIP_TEST_SOURCES tests/study_test.cc)
# Tokenizer experiments use Debian's libsentencepiece-dev when it is installed.
pkg_check_modules(SENTENCEPIECE QUIET IMPORTED_TARGET sentencepiece)
if(SENTENCEPIECE_FOUND)
  link_libraries(PkgConfig::SENTENCEPIECE)
  set_source_files_properties(src/study/tokenizer.cc PROPERTIES COMPILE_DEFINITIONS LMZIP_HAVE_SENTENCEPIECE=1)
endif()

list(APPEND LMZIP_SOURCES
  src/study/ngram.cc
  src/study/tokenizer.cc
  src/study/studies.cc
  src/study/transformer_training.cc
  src/study/plot.cc
  src/study/report.cc)
list(APPEND LMZIP_TEST_SOURCES tests/study_test.cc)
# Tokenizer experiments use Debian's libsentencepiece-dev when it is installed.
# (libtorch, whose protobuf runtime cannot share a process with SentencePiece's, is
# linked only into the separate lmzip-train program.)
pkg_check_modules(SENTENCEPIECE QUIET IMPORTED_TARGET sentencepiece)
if(SENTENCEPIECE_FOUND)
  list(APPEND LMZIP_CORE_LIBRARIES PkgConfig::SENTENCEPIECE)
  set_source_files_properties(src/study/tokenizer.cc PROPERTIES COMPILE_DEFINITIONS LMZIP_HAVE_SENTENCEPIECE=1)
else()
  message(STATUS "lmzip: libsentencepiece-dev not found; the tokens study runs byte rows only")
endif()

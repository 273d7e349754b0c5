list(APPEND LMZIP_SOURCES
  src/study/ngram.cc
  src/study/tokenizer.cc
  src/study/studies.cc
  src/study/plot.cc
  src/study/report.cc)
list(APPEND LMZIP_TEST_SOURCES tests/study_test.cc)
# Tokenizer experiments use Debian's libsentencepiece-dev when it is installed. Its
# built-in protobuf-lite clashes with the libprotobuf that libtorch loads (the process
# crashes while loading), so a build that links the trainer goes without it:
# configure with -DLMZIP_BUILD_TRAIN=OFF for the tokens study's BPE rows.
pkg_check_modules(SENTENCEPIECE QUIET IMPORTED_TARGET sentencepiece)
find_package(Torch QUIET)
if(NOT DEFINED LMZIP_BUILD_TRAIN)
  set(lmzip_study_with_torch ${Torch_FOUND})
else()
  set(lmzip_study_with_torch ${LMZIP_BUILD_TRAIN})
endif()
if(SENTENCEPIECE_FOUND AND NOT lmzip_study_with_torch)
  link_libraries(PkgConfig::SENTENCEPIECE)
  set_source_files_properties(src/study/tokenizer.cc PROPERTIES COMPILE_DEFINITIONS LMZIP_HAVE_SENTENCEPIECE=1)
elseif(SENTENCEPIECE_FOUND)
  message(STATUS "lmzip: SentencePiece left out (it cannot share a process with libtorch); "
                 "-DLMZIP_BUILD_TRAIN=OFF brings it in")
endif()

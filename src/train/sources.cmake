# src/train: training of the neural models with libtorch (optional; never in the
# coding path). Included by the top-level CMakeLists.txt when LMZIP_BUILD_TRAIN is on.
# libtorch brings the full protobuf runtime, which cannot share a process with the
# protobuf-lite that libsentencepiece (in lmzip_core) uses, so the trainer links only
# the parts of src/nn it needs and runs as its own program, lmzip-train, which
# `lmzip train` starts.
find_package(Torch REQUIRED)
add_library(lmzip_train STATIC
  src/train/trainer.cc src/train/torch_transformer.cc
  src/nn/gguf.cc src/nn/det_math.cc src/nn/kernels.cc src/nn/transformer_weights.cc
  src/nn/transformer.cc src/nn/token_file.cc src/util/status.cc)
target_include_directories(lmzip_train PUBLIC include src)
target_link_libraries(lmzip_train PUBLIC ${TORCH_LIBRARIES} PkgConfig::XXHASH fmt::fmt)
add_executable(lmzip-train tools/lmzip/train_main.cc tools/lmzip/train_command.cc)
target_link_libraries(lmzip-train PRIVATE lmzip_train)
add_dependencies(lmzip lmzip-train)
if(LMZIP_BUILD_TESTS)
  # The coder's own transformer predictor, to check that validation scores chunks as
  # the coder codes them.
  add_executable(lmzip_train_tests tests/train_test.cc src/model/transformer_model.cc
                 src/model/token_transformer.cc
                 src/model/predictor.cc src/coder/arithmetic_coder.cc)
  target_link_libraries(lmzip_train_tests PRIVATE lmzip_train GTest::gtest GTest::gtest_main)
  gtest_discover_tests(lmzip_train_tests DISCOVERY_TIMEOUT 120)
endif()

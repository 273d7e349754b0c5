# src/train: training of the neural models with libtorch (optional; never in the
# coding path). Included by the top-level CMakeLists.txt when LMZIP_BUILD_TRAIN is on.
find_package(Torch REQUIRED)
add_library(lmzip_train STATIC src/train/trainer.cc src/train/torch_transformer.cc)
target_link_libraries(lmzip_train PUBLIC lmzip_core ${TORCH_LIBRARIES})
target_sources(lmzip PRIVATE tools/lmzip/train_command.cc)
target_link_libraries(lmzip PRIVATE lmzip_train)
if(LMZIP_BUILD_TESTS)
  add_executable(lmzip_train_tests tests/train_test.cc)
  target_link_libraries(lmzip_train_tests PRIVATE lmzip_train GTest::gtest GTest::gtest_main)
  gtest_discover_tests(lmzip_train_tests DISCOVERY_TIMEOUT 120)
endif()

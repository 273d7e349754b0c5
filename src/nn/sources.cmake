# src/nn: lmzip's own inference engine (deterministic kernels, transformer, GGUF).
# The transformer Predictor/Codec (src/model/transformer_model.cc) is listed here as
# it exists only with this layer.
list(APPEND LMZIP_SOURCES
  src/nn/gguf.cc
  src/nn/det_math.cc
  src/nn/kernels.cc
  src/nn/transformer_weights.cc
  src/nn/transformer.cc
  src/nn/token_file.cc
  src/model/transformer_model.cc
  src/model/token_transformer.cc)
set_source_files_properties(src/model/transformer_model.cc PROPERTIES
  COMPILE_DEFINITIONS LMZIP_MODELS_DIR="${CMAKE_CURRENT_SOURCE_DIR}/models")
list(APPEND LMZIP_TEST_SOURCES tests/nn_test.cc tests/transformer_test.cc tests/token_model_test.cc)

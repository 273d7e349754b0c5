// Deterministic float kernels of the inference engine.
//
// Each kernel fixes its evaluation order: every output element is computed by the
// same sequence of IEEE-754 single-precision operations (fused multiply-add where
// stated, which is exactly rounded) whichever implementation runs. The SIMD versions
// spread independent output elements over vector lanes; they never reassociate a sum,
// so they are bit-identical to the scalar reference (tests/nn_test.cc checks each on
// random inputs). Setting the environment variable LMZIP_NO_SIMD=1 forces the scalar
// reference.
#pragma once

#include <cstddef>

namespace lmzip::nn {

enum class KernelIsa { kScalar, kAvx2 };

// The implementation the dispatching entry points use (decided once per process).
KernelIsa ActiveIsa();
const char* IsaName(KernelIsa isa);

// Sum of 8 interleaved partial sums: lane j accumulates x[j], x[j+8], ... in order
// (plain additions), then ((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7)).
float ReduceSum(const float* x, size_t n, KernelIsa isa);

// y[r][o] = fma-chain over i = 0..in-1 of x[r][i] * wt[i][o], starting from bias[o]
// (0 when bias is null): acc = fma(x[r][i], wt[i][o], acc). x: rows x in (row stride
// in), wt: in x out (the transposed Linear weight), y: rows x out.
void MatMul(const float* x, size_t rows, size_t in, const float* wt, size_t out, const float* bias,
            float* y, KernelIsa isa);

// Attention of one query over `n` cached keys: s_p = scale * (fma-chain over j of
// q[j] * kt[j][p]) with kt: width x stride (transposed keys, positions contiguous);
// e_p = DetExp(s_p - max_p s_p); out[j] = (fma-chain over p of e_p * v[p][j]) / ReduceSum(e)
// with v rows `v_stride` apart. `scratch` holds n floats (n <= stride).
void Attend(const float* q, const float* kt, size_t stride, const float* v, size_t v_stride,
            size_t n, size_t width, float scale, float* scratch, float* out, KernelIsa isa);

// x[i] = DetExp(x[i]) for i < n.
void ExpInPlace(float* x, size_t n, KernelIsa isa);

// x[i] = DetGelu(x[i]) for i < n.
void GeluInPlace(float* x, size_t n, KernelIsa isa);

// Post-LN step on `rows` rows of width `d`: x = LayerNorm(x + add) * scale + bias, with
// mean = ReduceSum(x)/d, var = ReduceSum((x-mean)^2)/d, y = (x-mean) * (1/sqrt(var+eps)).
void AddLayerNorm(float* x, const float* add, size_t rows, size_t d, const float* scale,
                  const float* bias, float eps, KernelIsa isa);

}  // namespace lmzip::nn

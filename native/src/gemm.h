// Single-precision matrix product for the kernels: C = op(A)·op(B) (+ C when accumulate).
//
// Row-major throughout. op(A) is M×K: A itself (M×K, row stride lda) or, with trans_a, the
// transpose of a K×M matrix (row stride lda). Likewise op(B) is K×N: B (K×N, ldb) or, with trans_b,
// the transpose of an N×K matrix. C is M×N with row stride ldc.
//
// Packed, cache-blocked, with an AVX-512 / AVX2 / generic micro-kernel picked by cpu.h, and split
// over the pool by column panels or row blocks of C (never over K), so the result does not depend
// on the thread count.
#pragma once

#include <cstdint>

namespace rigl {

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
           float* C, int64_t ldc, bool accumulate);

// The same product on one thread (for callers that are already inside parallel_for, e.g. a
// convolution that splits its batch over the pool).
void sgemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                  int64_t ldb, float* C, int64_t ldc, bool accumulate);

}  // namespace rigl

// Packed, cache-blocked SGEMM (see gemm.h). Loop nest after Goto & van de Geijn (2008) / BLIS:
//   for each column panel jc (NC columns):  for each depth block pc (KC):  pack op(B) → Bp
//     for each row block ic (MC rows):  pack op(A) → Ap
//       for each NR-column strip × MR-row strip: micro-kernel on Ap, Bp → C tile
// The micro-kernel keeps the MR×NR tile of C in registers; packing zero-pads partial strips, and
// partial tiles are written with masks (AVX-512) or through a small buffer.
#include "gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "cpu.h"
#include "parallel.h"

namespace rigl {
namespace {

constexpr int64_t kKC = 256;
constexpr int64_t kMC = 128;
constexpr int64_t kNC = 2048;

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};

// A per-thread growable 64-byte-aligned buffer.
float* scratch(std::unique_ptr<float[], AlignedFree>& holder, size_t& capacity, size_t count) {
  if (count > capacity) {
    size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
    holder.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    capacity = count;
  }
  return holder.get();
}

struct Operand {
  const float* data;
  int64_t ld;
  bool trans;
  // Element (row, col) of op(X).
  float at(int64_t row, int64_t col) const { return trans ? data[col * ld + row] : data[row * ld + col]; }
};

// Ap layout: for each MR-row strip, kc steps of MR values (rows r of the strip), zero-padded.
template <int MR>
void pack_a(const Operand& a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t is = 0; is < mc; is += MR) {
    int64_t rows = std::min<int64_t>(MR, mc - is);
    if (!a.trans) {
      for (int64_t k = 0; k < kc; k++) {
        float* dst = out + k * MR;
        for (int64_t r = 0; r < rows; r++) dst[r] = a.data[(i0 + is + r) * a.ld + p0 + k];
        for (int64_t r = rows; r < MR; r++) dst[r] = 0.0f;
      }
    } else {
      // op(A)(i, k) = A[k][i]: rows of a strip are contiguous in A.
      for (int64_t k = 0; k < kc; k++) {
        const float* src = a.data + (p0 + k) * a.ld + i0 + is;
        float* dst = out + k * MR;
        for (int64_t r = 0; r < rows; r++) dst[r] = src[r];
        for (int64_t r = rows; r < MR; r++) dst[r] = 0.0f;
      }
    }
    out += kc * MR;
  }
}

// Bp layout: for each NR-column strip, kc steps of NR values, zero-padded.
template <int NR>
void pack_b(const Operand& b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  for (int64_t js = 0; js < nc; js += NR) {
    int64_t cols = std::min<int64_t>(NR, nc - js);
    if (!b.trans) {
      for (int64_t k = 0; k < kc; k++) {
        const float* src = b.data + (p0 + k) * b.ld + j0 + js;
        float* dst = out + k * NR;
        std::memcpy(dst, src, cols * sizeof(float));
        for (int64_t c = cols; c < NR; c++) dst[c] = 0.0f;
      }
    } else {
      for (int64_t k = 0; k < kc; k++) {
        float* dst = out + k * NR;
        for (int64_t c = 0; c < cols; c++) dst[c] = b.data[(j0 + js + c) * b.ld + p0 + k];
        for (int64_t c = cols; c < NR; c++) dst[c] = 0.0f;
      }
    }
    out += kc * NR;
  }
}

// Micro-kernel contract: C[0..rows)[0..cols) (row stride ldc) = (overwrite ? 0 : C) + Ap·Bp over kc.
using MicroKernel = void (*)(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t rows, int64_t cols,
                             bool overwrite);

// ---- generic (any CPU): 4×8, plain C++ the compiler may auto-vectorise.
constexpr int kGenericMR = 4;
constexpr int kGenericNR = 8;

void micro_generic(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t rows, int64_t cols, bool overwrite) {
  float acc[kGenericMR][kGenericNR] = {};
  for (int64_t k = 0; k < kc; k++) {
    const float* a = ap + k * kGenericMR;
    const float* b = bp + k * kGenericNR;
    for (int r = 0; r < kGenericMR; r++)
      for (int j = 0; j < kGenericNR; j++) acc[r][j] += a[r] * b[j];
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < cols; j++) c[r * ldc + j] = overwrite ? acc[r][j] : c[r * ldc + j] + acc[r][j];
}

#if defined(__x86_64__)
// ---- AVX2 + FMA: 6×16 (12 ymm accumulators).
constexpr int kAvx2MR = 6;
constexpr int kAvx2NR = 16;

#pragma GCC push_options
#pragma GCC target("avx2,fma")
void micro_avx2(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t rows, int64_t cols, bool overwrite) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
  __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
  __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    __m256 b0 = _mm256_load_ps(bp + k * kAvx2NR);
    __m256 b1 = _mm256_load_ps(bp + k * kAvx2NR + 8);
    const float* a = ap + k * kAvx2MR;
    __m256 a0 = _mm256_broadcast_ss(a + 0);
    c00 = _mm256_fmadd_ps(a0, b0, c00);
    c01 = _mm256_fmadd_ps(a0, b1, c01);
    __m256 a1 = _mm256_broadcast_ss(a + 1);
    c10 = _mm256_fmadd_ps(a1, b0, c10);
    c11 = _mm256_fmadd_ps(a1, b1, c11);
    __m256 a2 = _mm256_broadcast_ss(a + 2);
    c20 = _mm256_fmadd_ps(a2, b0, c20);
    c21 = _mm256_fmadd_ps(a2, b1, c21);
    __m256 a3 = _mm256_broadcast_ss(a + 3);
    c30 = _mm256_fmadd_ps(a3, b0, c30);
    c31 = _mm256_fmadd_ps(a3, b1, c31);
    __m256 a4 = _mm256_broadcast_ss(a + 4);
    c40 = _mm256_fmadd_ps(a4, b0, c40);
    c41 = _mm256_fmadd_ps(a4, b1, c41);
    __m256 a5 = _mm256_broadcast_ss(a + 5);
    c50 = _mm256_fmadd_ps(a5, b0, c50);
    c51 = _mm256_fmadd_ps(a5, b1, c51);
  }
  alignas(32) float tile[kAvx2MR][kAvx2NR];
  __m256 acc[kAvx2MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  if (rows == kAvx2MR && cols == kAvx2NR) {
    for (int r = 0; r < kAvx2MR; r++) {
      float* row = c + r * ldc;
      if (overwrite) {
        _mm256_storeu_ps(row, acc[r][0]);
        _mm256_storeu_ps(row + 8, acc[r][1]);
      } else {
        _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[r][0]));
        _mm256_storeu_ps(row + 8, _mm256_add_ps(_mm256_loadu_ps(row + 8), acc[r][1]));
      }
    }
    return;
  }
  for (int r = 0; r < kAvx2MR; r++) {
    _mm256_store_ps(tile[r], acc[r][0]);
    _mm256_store_ps(tile[r] + 8, acc[r][1]);
  }
  for (int64_t r = 0; r < rows; r++)
    for (int64_t j = 0; j < cols; j++) c[r * ldc + j] = overwrite ? tile[r][j] : c[r * ldc + j] + tile[r][j];
}
#pragma GCC pop_options

// ---- AVX-512F: 8×32 (16 zmm accumulators); partial tiles through column masks.
constexpr int kAvx512MR = 8;
constexpr int kAvx512NR = 32;

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")
void micro_avx512(int64_t kc, const float* ap, const float* bp, float* c, int64_t ldc, int64_t rows, int64_t cols, bool overwrite) {
  __m512 acc[kAvx512MR][2];
#pragma GCC unroll 8
  for (int r = 0; r < kAvx512MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    __m512 b0 = _mm512_load_ps(bp + k * kAvx512NR);
    __m512 b1 = _mm512_load_ps(bp + k * kAvx512NR + 16);
    const float* a = ap + k * kAvx512MR;
#pragma GCC unroll 8
    for (int r = 0; r < kAvx512MR; r++) {
      __m512 ar = _mm512_set1_ps(a[r]);
      acc[r][0] = _mm512_fmadd_ps(ar, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(ar, b1, acc[r][1]);
    }
  }
  __mmask16 m0 = cols >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1u);
  __mmask16 m1 = cols >= 32 ? static_cast<__mmask16>(0xFFFF) : (cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1u));
#pragma GCC unroll 8
  for (int r = 0; r < kAvx512MR; r++) {
    if (r >= rows) break;
    float* row = c + r * ldc;
    if (overwrite) {
      _mm512_mask_storeu_ps(row, m0, acc[r][0]);
      _mm512_mask_storeu_ps(row + 16, m1, acc[r][1]);
    } else {
      _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), acc[r][0]));
      _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), acc[r][1]));
    }
  }
}
#pragma GCC pop_options
#endif

struct PackBuffers {
  std::unique_ptr<float[], AlignedFree> a, b;
  size_t a_cap = 0, b_cap = 0;
};

PackBuffers& thread_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

// C[i0..i1)[j0..j1) of the product, on the calling thread.
template <int MR, int NR>
void gemm_block(MicroKernel micro, const Operand& a, const Operand& b, int64_t K, float* C, int64_t ldc, bool accumulate, int64_t i0,
                int64_t i1, int64_t j0, int64_t j1) {
  PackBuffers& buf = thread_buffers();
  for (int64_t jc = j0; jc < j1; jc += kNC) {
    int64_t nc = std::min(kNC, j1 - jc);
    int64_t nc_padded = (nc + NR - 1) / NR * NR;
    for (int64_t pc = 0; pc < K; pc += kKC) {
      int64_t kc = std::min(kKC, K - pc);
      float* bp = scratch(buf.b, buf.b_cap, static_cast<size_t>(nc_padded * kc));
      pack_b<NR>(b, pc, kc, jc, nc, bp);
      bool overwrite = pc == 0 && !accumulate;
      for (int64_t ic = i0; ic < i1; ic += kMC) {
        int64_t mc = std::min(kMC, i1 - ic);
        int64_t mc_padded = (mc + MR - 1) / MR * MR;
        float* ap = scratch(buf.a, buf.a_cap, static_cast<size_t>(mc_padded * kc));
        pack_a<MR>(a, ic, mc, pc, kc, ap);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const float* bstrip = bp + (jr / NR) * kc * NR;
          int64_t cols = std::min<int64_t>(NR, nc - jr);
          for (int64_t ir = 0; ir < mc; ir += MR) {
            int64_t rows = std::min<int64_t>(MR, mc - ir);
            micro(kc, ap + (ir / MR) * kc * MR, bstrip, C + (ic + ir) * ldc + jc + jr, ldc, rows, cols, overwrite);
          }
        }
      }
    }
  }
}

// K == 0: C = 0 (or unchanged when accumulating).
void empty_product(int64_t M, int64_t N, float* C, int64_t ldc, bool accumulate) {
  if (accumulate) return;
  for (int64_t i = 0; i < M; i++) std::memset(C + i * ldc, 0, N * sizeof(float));
}

template <int MR, int NR>
void gemm_driver(MicroKernel micro, bool parallel, const Operand& a, const Operand& b, int64_t M, int64_t N, int64_t K, float* C,
                 int64_t ldc, bool accumulate) {
  int threads = parallel ? num_threads() : 1;
  // Too little work to share: ~64 KFLOP per thread hand-off is below the pool's wake-up cost.
  if (threads <= 1 || M * N * K < 262144) {
    gemm_block<MR, NR>(micro, a, b, K, C, ldc, accumulate, 0, M, 0, N);
    return;
  }
  int64_t col_strips = (N + NR - 1) / NR;
  int64_t row_strips = (M + MR - 1) / MR;
  // Split the dimension that gives every thread the most whole strips (column panels share A's
  // packing cost, row blocks share B's).
  if (col_strips >= row_strips) {
    parallel_for(col_strips, 1, [&](int64_t s0, int64_t s1) {
      gemm_block<MR, NR>(micro, a, b, K, C, ldc, accumulate, 0, M, s0 * NR, std::min(N, s1 * NR));
    });
  } else {
    parallel_for(row_strips, 1, [&](int64_t s0, int64_t s1) {
      gemm_block<MR, NR>(micro, a, b, K, C, ldc, accumulate, s0 * MR, std::min(M, s1 * MR), 0, N);
    });
  }
}

void dispatch(bool parallel, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
              int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    empty_product(M, N, C, ldc, accumulate);
    return;
  }
  Operand a{A, lda, trans_a};
  Operand b{B, ldb, trans_b};
  switch (active_isa()) {
#if defined(__x86_64__)
    case Isa::Avx512:
      gemm_driver<kAvx512MR, kAvx512NR>(micro_avx512, parallel, a, b, M, N, K, C, ldc, accumulate);
      return;
    case Isa::Avx2:
      gemm_driver<kAvx2MR, kAvx2NR>(micro_avx2, parallel, a, b, M, N, K, C, ldc, accumulate);
      return;
#endif
    default:
      gemm_driver<kGenericMR, kGenericNR>(micro_generic, parallel, a, b, M, N, K, C, ldc, accumulate);
  }
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B, int64_t ldb,
           float* C, int64_t ldc, bool accumulate) {
  dispatch(true, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

void sgemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
                  int64_t ldb, float* C, int64_t ldc, bool accumulate) {
  dispatch(false, trans_a, trans_b, M, N, K, A, lda, B, ldb, C, ldc, accumulate);
}

}  // namespace rigl

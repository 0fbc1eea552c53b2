// Fully connected (dense) layers for the native backend (trainers/backends/native/sparse-kernels.ts):
//
// - the fused dense layer's epilogue y = act(y + b) after the SGEMM, and its backward prologue
//   g = dy ⊙ act'(y), db = Σ_rows g (the SGEMMs themselves are gemm.h's);
// - sparse kernels for a masked weight w [in, out] whose mask is given in compressed form, both by
//   output column (CSC: column_starts[out + 1], column_rows[nnz]) and by input row (CSR:
//   row_starts[in + 1], row_columns[nnz]), indices ascending within each column / row:
//     forward       y  = act(x·(w⊙m) + b)            over CSC
//     input grad    dx = g·(w⊙m)ᵀ                    over CSR
//     weight grad   dw = (xᵀ·g)⊙m, written at active entries only (the caller zero-fills dw)
//   Weight values are read from the dense w at the active positions, so only the mask structure
//   has to be kept in sync with the trainer's masks.
//
// Sparse kernels work on batch-minor copies (xᵀ [in, Bp], gᵀ [out, Bp], Bp = the batch rounded up
// to 16 and zero-padded): for each output column j the batch vector of y[:, j] accumulates
// w_ij · xᵀ[i, :] over the column's active i in registers (8 zmm = 128 examples per pass), and a
// weight-gradient entry is the dot product xᵀ[i, :]·gᵀ[j, :].
//
// Determinism (parallel.h): work is split over output columns (forward), input rows (both
// gradients) or output column blocks (db), never inside a sum; every sum runs in a fixed order
// (ascending input index, ascending batch chunk), so results are bit-identical at any thread count.
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu.h"
#include "napi_util.h"
#include "optim.h"
#include "parallel.h"

namespace rigl {
namespace {

constexpr int64_t kLanePad = 16;  // batch padding of the transposed copies (one zmm)

int64_t padded_batch(int64_t batch) { return (batch + kLanePad - 1) / kLanePad * kLanePad; }

// ---- scratch ------------------------------------------------------------------------------------

struct AlignedFree {
  void operator()(float* p) const { std::free(p); }
};

// A growable 64-byte-aligned buffer, one per role and calling thread (the pool's workers only
// read and write through the pointers the caller hands them).
class Scratch {
 public:
  float* get(size_t count) {
    if (count > capacity_) {
      size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
      data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
      if (!data_) throw std::bad_alloc();
      capacity_ = count;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<float[], AlignedFree> data_;
  size_t capacity_ = 0;
};

Scratch& x_transposed_scratch() {
  thread_local Scratch s;
  return s;
}
Scratch& g_transposed_scratch() {
  thread_local Scratch s;
  return s;
}
Scratch& g_scratch() {
  thread_local Scratch s;
  return s;
}

// The first 64-byte-aligned float of a caller's buffer (a JS Float32Array is only 4-byte aligned;
// such a buffer holds 16 extra floats so that `count` floats fit after the aligned start).
float* aligned_within(float* p) {
  return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(p) + 63) & ~static_cast<uintptr_t>(63));
}

// Runs fn over [0, n) on the pool, or inline when the work is too small to share.
template <typename Fn>
void maybe_parallel(int64_t n, int64_t work, const Fn& fn) {
  if (num_threads() <= 1 || work < (int64_t{1} << 15) || n <= 1) {
    fn(0, n);
    return;
  }
  parallel_for(n, 1, fn);
}

// Splits [0, count) into `parts` contiguous ranges of about equal cost, where the cost of index k
// is starts[k + 1] − starts[k] (its active entries) plus a fixed per-index overhead.
void balanced_bounds(const int32_t* starts, int64_t count, int64_t per_index, int parts, int64_t* bounds) {
  const int64_t total = starts[count] + per_index * count;
  bounds[0] = 0;
  int64_t k = 0;
  for (int t = 1; t < parts; t++) {
    const int64_t target = total * t / parts;
    while (k < count && starts[k] + per_index * k < target) k++;
    bounds[t] = k;
  }
  bounds[parts] = count;
}

// Runs fn(k0, k1) over [0, count) split by balanced_bounds, one range per pool thread.
template <typename Fn>
void parallel_balanced(const int32_t* starts, int64_t count, int64_t per_index, int64_t work, const Fn& fn) {
  const int threads = num_threads();
  if (threads <= 1 || work < (int64_t{1} << 15) || count <= 1) {
    fn(0, count);
    return;
  }
  int64_t bounds[65];
  const int parts = std::min(threads, 64);
  balanced_bounds(starts, count, per_index, parts, bounds);
  parallel_for(parts, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; t++) fn(bounds[t], bounds[t + 1]);
  });
}

// xᵀ[c, r] = x[r, c] for r < rows, 0 for rows ≤ r < padded; x is rows × cols, xᵀ is cols × padded.
// Columns [c0, c1) only (the caller splits the columns over the pool).
void transpose_padded_generic(const float* x, int64_t rows, int64_t cols, int64_t padded, float* xt, int64_t c0, int64_t c1) {
  constexpr int64_t kBlock = 16;
  for (int64_t r0 = 0; r0 < rows; r0 += kBlock) {
    const int64_t r1 = std::min(rows, r0 + kBlock);
    for (int64_t cb = c0; cb < c1; cb += kBlock) {
      const int64_t ce = std::min(c1, cb + kBlock);
      for (int64_t r = r0; r < r1; r++) {
        const float* src = x + r * cols;
        for (int64_t c = cb; c < ce; c++) xt[c * padded + r] = src[c];
      }
    }
  }
  for (int64_t c = c0; c < c1; c++) std::memset(xt + c * padded + rows, 0, (padded - rows) * sizeof(float));
}

// ---- what the per-ISA bodies share ----------------------------------------------------------------

struct SparseForwardArgs {
  int64_t batch, padded, outputs;
  const float* xt;  // [in, padded]
  const float* w;   // [in, out]
  const float* bias;
  bool relu;
  const int32_t* column_starts;
  const int32_t* column_rows;
  float* y;  // [batch, out]
};

struct SparseInputGradArgs {
  int64_t batch, padded, inputs, outputs;
  const float* gt;  // [out, padded]
  const float* w;
  const int32_t* row_starts;
  const int32_t* row_columns;
  float* dx;  // [batch, in]
};

struct SparseWeightGradArgs {
  int64_t padded, outputs;
  const float* xt;  // [in, padded]
  const float* gt;  // [out, padded]
  const int32_t* row_starts;
  const int32_t* row_columns;
  float* dw;              // [in, out]; unused when sgd is set
  const float* zero_row;  // `padded` zeros
  // The fused step (sparseDenseBackwardSgd): each entry's gradient goes straight into the SGD step
  // of w and its momentum v ([in, out], updated in place) instead of into dw.
  const SgdHyper* sgd = nullptr;
  float* w = nullptr;
  float* v = nullptr;
};

// The weight gradients of `count` active entries of row i (listed from row_columns[p0]): stored in
// dw, or applied as the SGD step when the args carry one.
inline void emit_weight_grads(const SparseWeightGradArgs& a, int64_t i, int32_t p0, int64_t count, const float* sums) {
  const int32_t* columns = a.row_columns + p0;
  if (a.sgd != nullptr) {
    sgd_active_row(*a.sgd, a.w + i * a.outputs, a.v + i * a.outputs, columns, sums, count);
    return;
  }
  float* dwr = a.dw + i * a.outputs;
  for (int64_t k = 0; k < count; k++) dwr[columns[k]] = sums[k];
}

inline float relu_scalar(float v) { return v < 0.0f ? 0.0f : v; }  // keeps NaN, like tfjs's Relu

// Writes values[0, count) (the batch rows r0.. of one column) to out[(r0 + r) * stride].
inline void scatter_column(const float* values, int64_t count, float* out, int64_t stride) {
  for (int64_t r = 0; r < count; r++) out[r * stride] = values[r];
}

// ---- generic bodies (any CPU; the compiler may vectorise the fixed-size loops) --------------------

constexpr int64_t kGenericChunk = 64;

void forward_columns_generic(const SparseForwardArgs& a, int64_t j0, int64_t j1) {
  alignas(64) float acc[kGenericChunk];
  for (int64_t j = j0; j < j1; j++) {
    const int32_t p0 = a.column_starts[j], p1 = a.column_starts[j + 1];
    for (int64_t c0 = 0; c0 < a.batch; c0 += kGenericChunk) {
      const int64_t len = std::min(kGenericChunk, a.padded - c0);
      for (int64_t r = 0; r < kGenericChunk; r++) acc[r] = 0.0f;
      for (int32_t p = p0; p < p1; p++) {
        const int64_t i = a.column_rows[p];
        const float wv = a.w[i * a.outputs + j];
        const float* xr = a.xt + i * a.padded + c0;
        for (int64_t r = 0; r < len; r++) acc[r] += wv * xr[r];
      }
      const float bj = a.bias[j];
      const int64_t count = std::min(kGenericChunk, a.batch - c0);
      for (int64_t r = 0; r < count; r++) acc[r] = a.relu ? relu_scalar(acc[r] + bj) : acc[r] + bj;
      scatter_column(acc, count, a.y + c0 * a.outputs + j, a.outputs);
    }
  }
}

void input_grad_rows_generic(const SparseInputGradArgs& a, int64_t i0, int64_t i1) {
  alignas(64) float acc[kGenericChunk];
  for (int64_t i = i0; i < i1; i++) {
    const int32_t p0 = a.row_starts[i], p1 = a.row_starts[i + 1];
    const float* wrow = a.w + i * a.outputs;
    for (int64_t c0 = 0; c0 < a.batch; c0 += kGenericChunk) {
      const int64_t len = std::min(kGenericChunk, a.padded - c0);
      for (int64_t r = 0; r < kGenericChunk; r++) acc[r] = 0.0f;
      for (int32_t p = p0; p < p1; p++) {
        const int64_t j = a.row_columns[p];
        const float wv = wrow[j];
        const float* gr = a.gt + j * a.padded + c0;
        for (int64_t r = 0; r < len; r++) acc[r] += wv * gr[r];
      }
      scatter_column(acc, std::min(kGenericChunk, a.batch - c0), a.dx + c0 * a.inputs + i, a.inputs);
    }
  }
}

void weight_grad_rows_generic(const SparseWeightGradArgs& a, int64_t i0, int64_t i1) {
  constexpr int kLanes = 8;
  float sums[16];
  for (int64_t i = i0; i < i1; i++) {
    const float* xr = a.xt + i * a.padded;
    for (int32_t p0 = a.row_starts[i]; p0 < a.row_starts[i + 1]; p0 += 16) {
      const int64_t count = std::min<int64_t>(16, a.row_starts[i + 1] - p0);
      for (int64_t k = 0; k < count; k++) {
        const float* gr = a.gt + a.row_columns[p0 + k] * a.padded;
        float lanes[kLanes] = {};
        for (int64_t c = 0; c < a.padded; c += kLanes)
          for (int l = 0; l < kLanes; l++) lanes[l] += xr[c + l] * gr[c + l];
        float s = 0.0f;
        for (int l = 0; l < kLanes; l++) s += lanes[l];
        sums[k] = s;
      }
      emit_weight_grads(a, i, p0, count, sums);
    }
  }
}

// One block of backward_prologue: columns [c0, c0 + n), n <= kPrologueBlock.
constexpr int64_t kPrologueBlock = 64;
struct PrologueBlock {
  int64_t rows, cols, c0, n;
  const float* dy;
  const float* y;  // null: no activation
  float* g;
  float* db;
};

void prologue_block_generic(const PrologueBlock& k) {
  float acc[kPrologueBlock] = {};
  for (int64_t r = 0; r < k.rows; r++) {
    const float* d = k.dy + r * k.cols + k.c0;
    if (k.y != nullptr) {
      const float* yr = k.y + r * k.cols + k.c0;
      float* gr = k.g + r * k.cols + k.c0;
      for (int64_t c = 0; c < k.n; c++) {
        const float v = yr[c] > 0.0f ? d[c] : 0.0f;
        gr[c] = v;
        acc[c] += v;
      }
    } else {
      for (int64_t c = 0; c < k.n; c++) acc[c] += d[c];
    }
  }
  std::memcpy(k.db + k.c0, acc, k.n * sizeof(float));
}

#if defined(__x86_64__)
// ---- AVX2 + FMA: 8 ymm accumulators = 64 examples per pass ----------------------------------------

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// 8×8 blocks transposed in registers (unpack, shuffle, 128-bit permute). Rows past `rows` load as
// zeros (the batch padding); columns past `cols` are masked off.
void transpose_padded_avx2(const float* x, int64_t rows, int64_t cols, int64_t padded, float* xt, int64_t c0, int64_t c1) {
  for (int64_t cb = c0; cb < c1; cb += 8) {
    const int64_t width = std::min<int64_t>(8, c1 - cb);
    alignas(32) int32_t bits[8];
    for (int l = 0; l < 8; l++) bits[l] = l < width ? -1 : 0;
    const __m256i m = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
    for (int64_t r0 = 0; r0 < padded; r0 += 8) {
      __m256 r[8], t[8];
#pragma GCC unroll 8
      for (int k = 0; k < 8; k++) r[k] = r0 + k < rows ? _mm256_maskload_ps(x + (r0 + k) * cols + cb, m) : _mm256_setzero_ps();
#pragma GCC unroll 4
      for (int k = 0; k < 8; k += 2) {
        t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
        t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
      }
#pragma GCC unroll 2
      for (int k = 0; k < 8; k += 4) {
        r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
#pragma GCC unroll 4
      for (int k = 0; k < 4; k++) {
        t[k] = _mm256_permute2f128_ps(r[k], r[k + 4], 0x20);
        t[k + 4] = _mm256_permute2f128_ps(r[k], r[k + 4], 0x31);
      }
      for (int k = 0; k < width; k++) _mm256_store_ps(xt + (cb + k) * padded + r0, t[k]);
    }
  }
}

template <int NV>
inline void forward_chunk_avx2(const SparseForwardArgs& a, int64_t j, int64_t c0, float* out) {
  __m256 acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) acc[v] = _mm256_setzero_ps();
  for (int32_t p = a.column_starts[j]; p < a.column_starts[j + 1]; p++) {
    const int64_t i = a.column_rows[p];
    const __m256 wv = _mm256_set1_ps(a.w[i * a.outputs + j]);
    const float* xr = a.xt + i * a.padded + c0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm256_fmadd_ps(wv, _mm256_load_ps(xr + 8 * v), acc[v]);
  }
  const __m256 bj = _mm256_set1_ps(a.bias[j]);
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) {
    __m256 s = _mm256_add_ps(acc[v], bj);
    if (a.relu) s = _mm256_max_ps(zero, s);  // max(0, NaN) = NaN: the second operand wins on NaN
    _mm256_store_ps(out + 8 * v, s);
  }
}

void forward_columns_avx2(const SparseForwardArgs& a, int64_t j0, int64_t j1) {
  alignas(64) float out[64];
  for (int64_t j = j0; j < j1; j++) {
    for (int64_t c0 = 0; c0 < a.batch; c0 += 64) {
      const int64_t vectors = std::min<int64_t>(8, (a.padded - c0) / 8);
      switch (vectors) {
        case 8: forward_chunk_avx2<8>(a, j, c0, out); break;
        case 6: forward_chunk_avx2<6>(a, j, c0, out); break;
        case 4: forward_chunk_avx2<4>(a, j, c0, out); break;
        default: forward_chunk_avx2<2>(a, j, c0, out); break;
      }
      scatter_column(out, std::min<int64_t>(64, a.batch - c0), a.y + c0 * a.outputs + j, a.outputs);
    }
  }
}

template <int NV>
inline void input_grad_chunk_avx2(const SparseInputGradArgs& a, int64_t i, int64_t c0, float* out) {
  __m256 acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) acc[v] = _mm256_setzero_ps();
  const float* wrow = a.w + i * a.outputs;
  for (int32_t p = a.row_starts[i]; p < a.row_starts[i + 1]; p++) {
    const int64_t j = a.row_columns[p];
    const __m256 wv = _mm256_set1_ps(wrow[j]);
    const float* gr = a.gt + j * a.padded + c0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm256_fmadd_ps(wv, _mm256_load_ps(gr + 8 * v), acc[v]);
  }
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) _mm256_store_ps(out + 8 * v, acc[v]);
}

void input_grad_rows_avx2(const SparseInputGradArgs& a, int64_t i0, int64_t i1) {
  alignas(64) float out[64];
  for (int64_t i = i0; i < i1; i++) {
    for (int64_t c0 = 0; c0 < a.batch; c0 += 64) {
      const int64_t vectors = std::min<int64_t>(8, (a.padded - c0) / 8);
      switch (vectors) {
        case 8: input_grad_chunk_avx2<8>(a, i, c0, out); break;
        case 6: input_grad_chunk_avx2<6>(a, i, c0, out); break;
        case 4: input_grad_chunk_avx2<4>(a, i, c0, out); break;
        default: input_grad_chunk_avx2<2>(a, i, c0, out); break;
      }
      scatter_column(out, std::min<int64_t>(64, a.batch - c0), a.dx + c0 * a.inputs + i, a.inputs);
    }
  }
}

inline float horizontal_sum_avx2(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

void weight_grad_rows_avx2(const SparseWeightGradArgs& a, int64_t i0, int64_t i1) {
  float sums[16];
  for (int64_t i = i0; i < i1; i++) {
    const float* xr = a.xt + i * a.padded;
    for (int32_t p0 = a.row_starts[i]; p0 < a.row_starts[i + 1]; p0 += 16) {
      const int64_t count = std::min<int64_t>(16, a.row_starts[i + 1] - p0);
      for (int64_t k = 0; k < count; k++) {
        const float* gr = a.gt + a.row_columns[p0 + k] * a.padded;
        // Two independent accumulators (padded is a multiple of 16) hide the FMA latency.
        __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
        for (int64_t c = 0; c < a.padded; c += 16) {
          s0 = _mm256_fmadd_ps(_mm256_load_ps(xr + c), _mm256_load_ps(gr + c), s0);
          s1 = _mm256_fmadd_ps(_mm256_load_ps(xr + c + 8), _mm256_load_ps(gr + c + 8), s1);
        }
        sums[k] = horizontal_sum_avx2(_mm256_add_ps(s0, s1));
      }
      emit_weight_grads(a, i, p0, count, sums);
    }
  }
}

void prologue_block_avx2(const PrologueBlock& k) {
  constexpr int kVectors = kPrologueBlock / 8;
  __m256i lane_masks[kVectors];
  for (int v = 0; v < kVectors; v++) {
    const int64_t left = k.n - 8 * v;
    alignas(32) int32_t bits[8];
    for (int l = 0; l < 8; l++) bits[l] = l < left ? -1 : 0;
    lane_masks[v] = _mm256_load_si256(reinterpret_cast<const __m256i*>(bits));
  }
  __m256 acc[kVectors];
  for (int v = 0; v < kVectors; v++) acc[v] = _mm256_setzero_ps();
  const __m256 zero = _mm256_setzero_ps();
  for (int64_t r = 0; r < k.rows; r++) {
    const int64_t base = r * k.cols + k.c0;
    for (int v = 0; v < kVectors && 8 * v < k.n; v++) {
      __m256 gv = _mm256_maskload_ps(k.dy + base + 8 * v, lane_masks[v]);
      if (k.y != nullptr) {
        const __m256 yv = _mm256_maskload_ps(k.y + base + 8 * v, lane_masks[v]);
        gv = _mm256_and_ps(gv, _mm256_cmp_ps(yv, zero, _CMP_GT_OQ));
        _mm256_maskstore_ps(k.g + base + 8 * v, lane_masks[v], gv);
      }
      acc[v] = _mm256_add_ps(acc[v], gv);
    }
  }
  for (int v = 0; v < kVectors && 8 * v < k.n; v++) _mm256_maskstore_ps(k.db + k.c0 + 8 * v, lane_masks[v], acc[v]);
}

#pragma GCC pop_options

// ---- AVX-512F: 8 zmm accumulators = 128 examples per pass -----------------------------------------

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")

// 16×16 blocks transposed in registers (unpack, then 128-bit lane shuffles). Rows past `rows` load
// as zeros, which writes the batch padding; columns past `cols` are masked off.
void transpose_padded_avx512(const float* x, int64_t rows, int64_t cols, int64_t padded, float* xt, int64_t c0, int64_t c1) {
  for (int64_t cb = c0; cb < c1; cb += 16) {
    const int64_t width = std::min<int64_t>(16, c1 - cb);
    const __mmask16 m = width == 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << width) - 1u);
    for (int64_t r0 = 0; r0 < padded; r0 += 16) {
      __m512 r[16], t[16];
#pragma GCC unroll 16
      for (int k = 0; k < 16; k++) r[k] = r0 + k < rows ? _mm512_maskz_loadu_ps(m, x + (r0 + k) * cols + cb) : _mm512_setzero_ps();
#pragma GCC unroll 8
      for (int k = 0; k < 16; k += 2) {
        t[k] = _mm512_maskz_unpacklo_ps(0xFFFF, r[k], r[k + 1]);
        t[k + 1] = _mm512_maskz_unpackhi_ps(0xFFFF, r[k], r[k + 1]);
      }
#pragma GCC unroll 4
      for (int k = 0; k < 16; k += 4) {
        r[k] = _mm512_maskz_shuffle_ps(0xFFFF, t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 1] = _mm512_maskz_shuffle_ps(0xFFFF, t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        r[k + 2] = _mm512_maskz_shuffle_ps(0xFFFF, t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        r[k + 3] = _mm512_maskz_shuffle_ps(0xFFFF, t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
#pragma GCC unroll 2
      for (int h = 0; h < 16; h += 8) {
#pragma GCC unroll 4
        for (int k = 0; k < 4; k++) {
          t[h + k] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[h + k], r[h + k + 4], 0x88);
          t[h + k + 4] = _mm512_maskz_shuffle_f32x4(0xFFFF, r[h + k], r[h + k + 4], 0xDD);
        }
      }
#pragma GCC unroll 8
      for (int k = 0; k < 8; k++) {
        r[k] = _mm512_maskz_shuffle_f32x4(0xFFFF, t[k], t[k + 8], 0x88);
        r[k + 8] = _mm512_maskz_shuffle_f32x4(0xFFFF, t[k], t[k + 8], 0xDD);
      }
      for (int k = 0; k < width; k++) _mm512_store_ps(xt + (cb + k) * padded + r0, r[k]);
    }
  }
}

template <int NV>
inline void forward_chunk_avx512(const SparseForwardArgs& a, int64_t j, int64_t c0, float* out) {
  __m512 acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
  for (int32_t p = a.column_starts[j]; p < a.column_starts[j + 1]; p++) {
    const int64_t i = a.column_rows[p];
    const __m512 wv = _mm512_set1_ps(a.w[i * a.outputs + j]);
    const float* xr = a.xt + i * a.padded + c0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm512_fmadd_ps(wv, _mm512_load_ps(xr + 16 * v), acc[v]);
  }
  const __m512 bj = _mm512_set1_ps(a.bias[j]);
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) {
    __m512 s = _mm512_add_ps(acc[v], bj);
    if (a.relu) s = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(s, zero, _CMP_LT_OQ), s, zero);  // NaN stays NaN
    _mm512_store_ps(out + 16 * v, s);
  }
}

void forward_columns_avx512(const SparseForwardArgs& a, int64_t j0, int64_t j1) {
  alignas(64) float out[128];
  for (int64_t j = j0; j < j1; j++) {
    for (int64_t c0 = 0; c0 < a.batch; c0 += 128) {
      switch (std::min<int64_t>(8, (a.padded - c0) / 16)) {
        case 8: forward_chunk_avx512<8>(a, j, c0, out); break;
        case 7: forward_chunk_avx512<7>(a, j, c0, out); break;
        case 6: forward_chunk_avx512<6>(a, j, c0, out); break;
        case 5: forward_chunk_avx512<5>(a, j, c0, out); break;
        case 4: forward_chunk_avx512<4>(a, j, c0, out); break;
        case 3: forward_chunk_avx512<3>(a, j, c0, out); break;
        case 2: forward_chunk_avx512<2>(a, j, c0, out); break;
        default: forward_chunk_avx512<1>(a, j, c0, out); break;
      }
      scatter_column(out, std::min<int64_t>(128, a.batch - c0), a.y + c0 * a.outputs + j, a.outputs);
    }
  }
}

template <int NV>
inline void input_grad_chunk_avx512(const SparseInputGradArgs& a, int64_t i, int64_t c0, float* out) {
  __m512 acc[NV];
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) acc[v] = _mm512_setzero_ps();
  const float* wrow = a.w + i * a.outputs;
  for (int32_t p = a.row_starts[i]; p < a.row_starts[i + 1]; p++) {
    const int64_t j = a.row_columns[p];
    const __m512 wv = _mm512_set1_ps(wrow[j]);
    const float* gr = a.gt + j * a.padded + c0;
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) acc[v] = _mm512_fmadd_ps(wv, _mm512_load_ps(gr + 16 * v), acc[v]);
  }
#pragma GCC unroll 8
  for (int v = 0; v < NV; v++) _mm512_store_ps(out + 16 * v, acc[v]);
}

void input_grad_rows_avx512(const SparseInputGradArgs& a, int64_t i0, int64_t i1) {
  alignas(64) float out[128];
  for (int64_t i = i0; i < i1; i++) {
    for (int64_t c0 = 0; c0 < a.batch; c0 += 128) {
      switch (std::min<int64_t>(8, (a.padded - c0) / 16)) {
        case 8: input_grad_chunk_avx512<8>(a, i, c0, out); break;
        case 7: input_grad_chunk_avx512<7>(a, i, c0, out); break;
        case 6: input_grad_chunk_avx512<6>(a, i, c0, out); break;
        case 5: input_grad_chunk_avx512<5>(a, i, c0, out); break;
        case 4: input_grad_chunk_avx512<4>(a, i, c0, out); break;
        case 3: input_grad_chunk_avx512<3>(a, i, c0, out); break;
        case 2: input_grad_chunk_avx512<2>(a, i, c0, out); break;
        default: input_grad_chunk_avx512<1>(a, i, c0, out); break;
      }
      scatter_column(out, std::min<int64_t>(128, a.batch - c0), a.dx + c0 * a.inputs + i, a.inputs);
    }
  }
}

// Lane k of the result = Σ of the 16 lanes of p[k] (16 horizontal sums at once: pairwise unpacks,
// then in-lane and cross-lane shuffles; a fixed order). The zero-masked forms of the shuffles keep
// GCC 12's headers from tripping -Wmaybe-uninitialized.
inline __m512 sum16_avx512(const __m512* p) {
  constexpr __mmask16 all = 0xFFFF;
  __m512 q[8], r[4], s[2];
#pragma GCC unroll 8
  for (int k = 0; k < 8; k++) {
    q[k] = _mm512_add_ps(_mm512_maskz_unpacklo_ps(all, p[2 * k], p[2 * k + 1]), _mm512_maskz_unpackhi_ps(all, p[2 * k], p[2 * k + 1]));
  }
#pragma GCC unroll 4
  for (int k = 0; k < 4; k++) {
    r[k] = _mm512_add_ps(_mm512_maskz_shuffle_ps(all, q[2 * k], q[2 * k + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                         _mm512_maskz_shuffle_ps(all, q[2 * k], q[2 * k + 1], _MM_SHUFFLE(3, 2, 3, 2)));
  }
  // r[k]'s 128-bit lane L holds the lane-L sums of p[4k..4k+3] (in that order).
#pragma GCC unroll 2
  for (int k = 0; k < 2; k++) {
    s[k] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, r[2 * k], r[2 * k + 1], 0x88), _mm512_maskz_shuffle_f32x4(all, r[2 * k], r[2 * k + 1], 0xDD));
  }
  return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(all, s[0], s[1], 0x88), _mm512_maskz_shuffle_f32x4(all, s[0], s[1], 0xDD));
}

// dw[i, j] = xᵀ[i, :]·gᵀ[j, :] for 16 active entries of row i at a time: the row of xᵀ is read once
// per group, each dot product accumulates in its own register over the batch, and one sum16 turns
// the 16 accumulators into 16 results. A short last group points its missing rows at zeros.
void weight_grad_rows_avx512(const SparseWeightGradArgs& a, int64_t i0, int64_t i1) {
  const float* zeros = a.zero_row;
  for (int64_t i = i0; i < i1; i++) {
    const float* xr = a.xt + i * a.padded;
    for (int32_t p0 = a.row_starts[i]; p0 < a.row_starts[i + 1]; p0 += 16) {
      const int count = static_cast<int>(std::min<int64_t>(16, a.row_starts[i + 1] - p0));
      const float* gr[16];
#pragma GCC unroll 16
      for (int k = 0; k < 16; k++) gr[k] = k < count ? a.gt + a.row_columns[p0 + k] * a.padded : zeros;
      __m512 acc[16];
      const __m512 x0 = _mm512_load_ps(xr);
#pragma GCC unroll 16
      for (int k = 0; k < 16; k++) acc[k] = _mm512_mul_ps(x0, _mm512_load_ps(gr[k]));
      for (int64_t c = 16; c < a.padded; c += 16) {
        const __m512 xv = _mm512_load_ps(xr + c);
#pragma GCC unroll 16
        for (int k = 0; k < 16; k++) acc[k] = _mm512_fmadd_ps(xv, _mm512_load_ps(gr[k] + c), acc[k]);
      }
      alignas(64) float sums[16];
      _mm512_store_ps(sums, sum16_avx512(acc));
      emit_weight_grads(a, i, p0, count, sums);
    }
  }
}

void prologue_block_avx512(const PrologueBlock& k) {
  constexpr int kVectors = kPrologueBlock / 16;
  __mmask16 lane_masks[kVectors];
  for (int v = 0; v < kVectors; v++) {
    const int64_t left = k.n - 16 * v;
    lane_masks[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : left <= 0 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << left) - 1u);
  }
  __m512 acc[kVectors];
  for (int v = 0; v < kVectors; v++) acc[v] = _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t r = 0; r < k.rows; r++) {
    const int64_t base = r * k.cols + k.c0;
    for (int v = 0; v < kVectors && 16 * v < k.n; v++) {
      __m512 gv = _mm512_maskz_loadu_ps(lane_masks[v], k.dy + base + 16 * v);
      if (k.y != nullptr) {
        const __m512 yv = _mm512_maskz_loadu_ps(lane_masks[v], k.y + base + 16 * v);
        gv = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(yv, zero, _CMP_GT_OQ), gv);
        _mm512_mask_storeu_ps(k.g + base + 16 * v, lane_masks[v], gv);
      }
      acc[v] = _mm512_add_ps(acc[v], gv);
    }
  }
  for (int v = 0; v < kVectors && 16 * v < k.n; v++) _mm512_mask_storeu_ps(k.db + k.c0 + 16 * v, lane_masks[v], acc[v]);
}

#pragma GCC pop_options
#endif  // __x86_64__

// ---- ISA dispatch -------------------------------------------------------------------------------

void forward_columns(const SparseForwardArgs& a, int64_t j0, int64_t j1) {
  switch (active_isa()) {
#if defined(__x86_64__)
    case Isa::Avx512: forward_columns_avx512(a, j0, j1); return;
    case Isa::Avx2: forward_columns_avx2(a, j0, j1); return;
#endif
    default: forward_columns_generic(a, j0, j1);
  }
}

void input_grad_rows(const SparseInputGradArgs& a, int64_t i0, int64_t i1) {
  switch (active_isa()) {
#if defined(__x86_64__)
    case Isa::Avx512: input_grad_rows_avx512(a, i0, i1); return;
    case Isa::Avx2: input_grad_rows_avx2(a, i0, i1); return;
#endif
    default: input_grad_rows_generic(a, i0, i1);
  }
}

void weight_grad_rows(const SparseWeightGradArgs& a, int64_t i0, int64_t i1) {
  switch (active_isa()) {
#if defined(__x86_64__)
    case Isa::Avx512: weight_grad_rows_avx512(a, i0, i1); return;
    case Isa::Avx2: weight_grad_rows_avx2(a, i0, i1); return;
#endif
    default: weight_grad_rows_generic(a, i0, i1);
  }
}

// xᵀ[c, r] = x[r, c] for r < rows, 0 for rows ≤ r < padded; x is rows × cols, xᵀ is cols × padded
// (padded a multiple of 16, xᵀ 64-byte aligned). Split over blocks of 16 columns.
void transpose_padded(const float* x, int64_t rows, int64_t cols, int64_t padded, float* xt) {
  constexpr int64_t kBlock = 16;
  const int64_t blocks = (cols + kBlock - 1) / kBlock;
  maybe_parallel(blocks, rows * cols, [&](int64_t b0, int64_t b1) {
    const int64_t c0 = b0 * kBlock, c1 = std::min(cols, b1 * kBlock);
    switch (active_isa()) {
#if defined(__x86_64__)
      case Isa::Avx512: transpose_padded_avx512(x, rows, cols, padded, xt, c0, c1); return;
      case Isa::Avx2: transpose_padded_avx2(x, rows, cols, padded, xt, c0, c1); return;
#endif
      default: transpose_padded_generic(x, rows, cols, padded, xt, c0, c1);
    }
  });
}

// ---- dense-layer epilogue and backward prologue -------------------------------------------------

// y[r, :] = act(y[r, :] + b), in place.
void bias_activation(int64_t rows, int64_t cols, float* y, const float* bias, bool relu) {
  maybe_parallel(rows, rows * cols, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; r++) {
      float* row = y + r * cols;
      if (relu) {
        for (int64_t c = 0; c < cols; c++) row[c] = relu_scalar(row[c] + bias[c]);
      } else {
        for (int64_t c = 0; c < cols; c++) row[c] += bias[c];
      }
    }
  });
}

// With y: g = dy where y > 0, else 0 (the ReLU's derivative at 0 is 0, as in tfjs), db = Σ_r g[r, :].
// Without y: db = Σ_r dy[r, :]. Split over blocks of kPrologueBlock columns; every body sums each
// column's rows in row order, so db is the same on every ISA.
void backward_prologue(int64_t rows, int64_t cols, const float* dy, const float* y, float* g, float* db) {
  const int64_t blocks = (cols + kPrologueBlock - 1) / kPrologueBlock;
  maybe_parallel(blocks, rows * cols, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      const PrologueBlock block{rows, cols, b * kPrologueBlock, std::min(kPrologueBlock, cols - b * kPrologueBlock), dy, y, g, db};
      switch (active_isa()) {
#if defined(__x86_64__)
        case Isa::Avx512: prologue_block_avx512(block); break;
        case Isa::Avx2: prologue_block_avx2(block); break;
#endif
        default: prologue_block_generic(block);
      }
    }
  });
}

// ---- argument checks ----------------------------------------------------------------------------

// Whether every group of indices (starts already checked) ascends strictly from >= 0 and stays
// below bound. No early exit, so that the compiler vectorises the loops: this runs on every call.
bool indices_valid(const int32_t* starts, int64_t count, const int32_t* indices, int64_t nnz, int64_t bound) {
  int32_t bad = 0;
  if (bound <= INT32_MAX) {
    const int32_t limit = static_cast<int32_t>(bound);
    for (int64_t p = 0; p < nnz; p++) bad |= static_cast<int32_t>(indices[p] >= limit) | static_cast<int32_t>(indices[p] < 0);
  }
  for (int64_t k = 0; k < count; k++) {
    for (int32_t p = starts[k] + 1; p < starts[k + 1]; p++) bad |= static_cast<int32_t>(indices[p] <= indices[p - 1]);
  }
  return bad == 0;
}

// Checks one compressed index (starts[count + 1], indices[nnz] < bound, ascending in each group) and
// returns nnz. A malformed layout would make the kernels read out of bounds, so this runs on every
// call; it reads count + nnz integers, little next to the nnz · batch multiply-adds that follow.
int64_t checked_index(const Napi::CallbackInfo& info, const char* fn, int starts_arg, const int32_t* starts, int64_t count,
                      int indices_arg, int64_t bound) {
  Napi::Env env = info.Env();
  if (starts[0] != 0) throw Napi::RangeError::New(env, arg_name(fn, starts_arg) + " must start at 0");
  for (int64_t k = 0; k < count; k++) {
    if (starts[k + 1] < starts[k]) throw Napi::RangeError::New(env, arg_name(fn, starts_arg) + " must not decrease");
  }
  const int64_t nnz = starts[count];
  if (nnz > count * bound) {
    throw Napi::RangeError::New(env, arg_name(fn, starts_arg) + " ends at " + std::to_string(nnz) + ", more than " +
                                         std::to_string(count) + " × " + std::to_string(bound) + " entries");
  }
  const int32_t* indices = i32(info, indices_arg, fn, nnz);
  if (indices_valid(starts, count, indices, nnz, bound)) return nnz;
  // Something is wrong: find the first bad entry for the message.
  for (int64_t k = 0; k < count; k++) {
    int64_t previous = -1;
    for (int32_t p = starts[k]; p < starts[k + 1]; p++) {
      const int64_t v = indices[p];
      if (v <= previous || v >= bound) {
        throw Napi::RangeError::New(env, arg_name(fn, indices_arg) + " must hold ascending indices < " + std::to_string(bound) +
                                             " in each group but has " + std::to_string(v) + " at " + std::to_string(p));
      }
      previous = v;
    }
  }
  return nnz;
}

// A Float32Array argument that may be null.
const float* optional_f32(const Napi::CallbackInfo& info, int index, const char* fn, int64_t min_length) {
  if (index < static_cast<int>(info.Length()) && info[index].IsNull()) return nullptr;
  return f32(info, index, fn, min_length);
}

// ---- bindings -----------------------------------------------------------------------------------

// denseBiasActivation(rows, cols, y, bias, relu): y = act(y + bias) in place.
Napi::Value DenseBiasActivation(const Napi::CallbackInfo& info) {
  const char* fn = "denseBiasActivation";
  const int64_t rows = integer(info, 0, fn), cols = integer(info, 1, fn);
  float* y = f32(info, 2, fn, rows * cols);
  const float* bias = f32(info, 3, fn, cols);
  bias_activation(rows, cols, y, bias, boolean(info, 4, fn));
  return info.Env().Undefined();
}

// denseBackwardPrologue(rows, cols, dy, y | null, g | null, db): see backward_prologue.
Napi::Value DenseBackwardPrologue(const Napi::CallbackInfo& info) {
  const char* fn = "denseBackwardPrologue";
  const int64_t rows = integer(info, 0, fn), cols = integer(info, 1, fn);
  const float* dy = f32(info, 2, fn, rows * cols);
  const float* y = optional_f32(info, 3, fn, rows * cols);
  float* g = y == nullptr ? nullptr : f32(info, 4, fn, rows * cols);
  float* db = f32(info, 5, fn, cols);
  backward_prologue(rows, cols, dy, y, g, db);
  return info.Env().Undefined();
}

// sparseDenseForward(batch, inputs, outputs, x, w, bias, relu, columnStarts, columnRows, y).
Napi::Value SparseDenseForward(const Napi::CallbackInfo& info) {
  const char* fn = "sparseDenseForward";
  const int64_t batch = integer(info, 0, fn), inputs = integer(info, 1, fn), outputs = integer(info, 2, fn);
  const float* x = f32(info, 3, fn, batch * inputs);
  const float* w = f32(info, 4, fn, inputs * outputs);
  const float* bias = f32(info, 5, fn, outputs);
  const bool relu = boolean(info, 6, fn);
  const int32_t* starts = i32(info, 7, fn, outputs + 1);
  const int64_t nnz = checked_index(info, fn, 7, starts, outputs, 8, inputs);
  const int32_t* rows = i32(info, 8, fn, nnz);
  float* y = f32(info, 9, fn, batch * outputs);
  if (batch == 0 || outputs == 0) return info.Env().Undefined();
  const int64_t padded = padded_batch(batch);
  // Argument 10 (optional): a buffer of inputs · padded + 16 floats that keeps xᵀ for the weight
  // gradient (sparseDenseBackward's xtCache), instead of this thread's scratch.
  float* xt = 10 < static_cast<int>(info.Length()) && !info[10].IsNull() && !info[10].IsUndefined()
                  ? aligned_within(f32(info, 10, fn, inputs * padded + 16))
                  : x_transposed_scratch().get(static_cast<size_t>(std::max<int64_t>(inputs, 1) * padded));
  transpose_padded(x, batch, inputs, padded, xt);
  const SparseForwardArgs args{batch, padded, outputs, xt, w, bias, relu, starts, rows, y};
  parallel_balanced(starts, outputs, 4, nnz * padded + outputs * batch,
                    [&](int64_t j0, int64_t j1) { forward_columns(args, j0, j1); });
  return info.Env().Undefined();
}

// sparseDenseInputGrad(batch, inputs, outputs, g, w, rowStarts, rowColumns, dx): dx = g·(w⊙m)ᵀ.
Napi::Value SparseDenseInputGrad(const Napi::CallbackInfo& info) {
  const char* fn = "sparseDenseInputGrad";
  const int64_t batch = integer(info, 0, fn), inputs = integer(info, 1, fn), outputs = integer(info, 2, fn);
  const float* g = f32(info, 3, fn, batch * outputs);
  const float* w = f32(info, 4, fn, inputs * outputs);
  const int32_t* starts = i32(info, 5, fn, inputs + 1);
  const int64_t nnz = checked_index(info, fn, 5, starts, inputs, 6, outputs);
  const int32_t* columns = i32(info, 6, fn, nnz);
  float* dx = f32(info, 7, fn, batch * inputs);
  if (batch == 0 || inputs == 0) return info.Env().Undefined();
  const int64_t padded = padded_batch(batch);
  float* gt = g_transposed_scratch().get(static_cast<size_t>(std::max<int64_t>(outputs, 1) * padded));
  transpose_padded(g, batch, outputs, padded, gt);
  const SparseInputGradArgs args{batch, padded, inputs, outputs, gt, w, starts, columns, dx};
  parallel_balanced(starts, inputs, 4, nnz * padded + inputs * batch, [&](int64_t i0, int64_t i1) { input_grad_rows(args, i0, i1); });
  return info.Env().Undefined();
}

// sparseDenseWeightGrad(batch, inputs, outputs, x, g, rowStarts, rowColumns, dw): dw = (xᵀ·g)⊙m at
// the active entries; the others are left as they are (the caller passes a zero-filled dw).
Napi::Value SparseDenseWeightGrad(const Napi::CallbackInfo& info) {
  const char* fn = "sparseDenseWeightGrad";
  const int64_t batch = integer(info, 0, fn), inputs = integer(info, 1, fn), outputs = integer(info, 2, fn);
  const float* x = f32(info, 3, fn, batch * inputs);
  const float* g = f32(info, 4, fn, batch * outputs);
  const int32_t* starts = i32(info, 5, fn, inputs + 1);
  const int64_t nnz = checked_index(info, fn, 5, starts, inputs, 6, outputs);
  const int32_t* columns = i32(info, 6, fn, nnz);
  float* dw = f32(info, 7, fn, inputs * outputs);
  if (nnz == 0 || batch == 0) return info.Env().Undefined();
  const int64_t padded = padded_batch(batch);
  float* xt = x_transposed_scratch().get(static_cast<size_t>(inputs * padded));
  float* gt = g_transposed_scratch().get(static_cast<size_t>((outputs + 1) * padded));
  transpose_padded(x, batch, inputs, padded, xt);
  transpose_padded(g, batch, outputs, padded, gt);
  float* zero_row = gt + outputs * padded;
  std::memset(zero_row, 0, padded * sizeof(float));
  const SparseWeightGradArgs args{padded, outputs, xt, gt, starts, columns, dw, zero_row};
  parallel_balanced(starts, inputs, 1, nnz * padded, [&](int64_t i0, int64_t i1) { weight_grad_rows(args, i0, i1); });
  return info.Env().Undefined();
}

// What sparseDenseBackward and sparseDenseBackwardSgd share: g = dy ⊙ act'(y) and db, gᵀ, then
// dx = g·(w⊙m)ᵀ (when dx is given) and the weight gradient at the active entries: into dw, or, with
// sgd, straight into the SGD step of w and v. dx is computed first, from the weights before the step.
struct SparseBackward {
  int64_t batch, inputs, outputs, nnz;
  const float* x;
  float* w;
  const float* dy;
  const float* y;  // null: no activation
  const int32_t* starts;
  const int32_t* columns;
  const float* xt_cache;  // null: transpose x here
  float* dx;              // null: no input gradient
  float* dw;              // null with sgd
  float* db;
  const SgdHyper* sgd;  // null: store dw
  float* v;             // momentum, with sgd
};

void sparse_backward(const SparseBackward& b) {
  const int64_t batch = b.batch, inputs = b.inputs, outputs = b.outputs;
  if (batch == 0) {
    // No examples: every gradient is 0 (the step still decays and applies momentum).
    std::fill(b.db, b.db + outputs, 0.0f);
    if (b.dx != nullptr) std::fill(b.dx, b.dx + batch * inputs, 0.0f);
    if (b.sgd != nullptr) {
      std::vector<float> zeros(static_cast<size_t>(std::max<int64_t>(outputs, 1)), 0.0f);
      for (int64_t i = 0; i < inputs; i++) {
        const int32_t p0 = b.starts[i];
        sgd_active_row(*b.sgd, b.w + i * outputs, b.v + i * outputs, b.columns + p0, zeros.data(), b.starts[i + 1] - p0);
      }
    }
    return;
  }
  const int64_t padded = padded_batch(batch);
  const float* g = b.dy;
  if (b.y != nullptr) {
    float* gs = g_scratch().get(static_cast<size_t>(std::max<int64_t>(batch * outputs, 1)));
    backward_prologue(batch, outputs, b.dy, b.y, gs, b.db);
    g = gs;
  } else {
    backward_prologue(batch, outputs, b.dy, nullptr, nullptr, b.db);
  }
  if (outputs == 0 || inputs == 0) return;
  float* gt = g_transposed_scratch().get(static_cast<size_t>((outputs + 1) * padded));
  transpose_padded(g, batch, outputs, padded, gt);
  float* zero_row = gt + outputs * padded;
  std::memset(zero_row, 0, padded * sizeof(float));
  if (b.dx != nullptr) {
    const SparseInputGradArgs iargs{batch, padded, inputs, outputs, gt, b.w, b.starts, b.columns, b.dx};
    parallel_balanced(b.starts, inputs, 4, b.nnz * padded + inputs * batch, [&](int64_t i0, int64_t i1) { input_grad_rows(iargs, i0, i1); });
  }
  if (b.nnz > 0) {
    const float* xt = nullptr;
    if (b.xt_cache != nullptr) {
      xt = aligned_within(const_cast<float*>(b.xt_cache));
    } else {
      float* scratch = x_transposed_scratch().get(static_cast<size_t>(inputs * padded));
      transpose_padded(b.x, batch, inputs, padded, scratch);
      xt = scratch;
    }
    SparseWeightGradArgs wargs{padded, outputs, xt, gt, b.starts, b.columns, b.dw, zero_row};
    wargs.sgd = b.sgd;
    wargs.w = b.w;
    wargs.v = b.v;
    parallel_balanced(b.starts, inputs, 1, b.nnz * padded, [&](int64_t i0, int64_t i1) { weight_grad_rows(wargs, i0, i1); });
  }
}

// The arguments both backward bindings start with: (batch, inputs, outputs, x, w, dy, y | null,
// rowStarts, rowColumns, xtCache | null, dx | null).
SparseBackward backward_args(const Napi::CallbackInfo& info, const char* fn) {
  SparseBackward b{};
  b.batch = integer(info, 0, fn);
  b.inputs = integer(info, 1, fn);
  b.outputs = integer(info, 2, fn);
  b.x = f32(info, 3, fn, b.batch * b.inputs);
  b.w = f32(info, 4, fn, b.inputs * b.outputs);
  b.dy = f32(info, 5, fn, b.batch * b.outputs);
  b.y = optional_f32(info, 6, fn, b.batch * b.outputs);
  b.starts = i32(info, 7, fn, b.inputs + 1);
  b.nnz = checked_index(info, fn, 7, b.starts, b.inputs, 8, b.outputs);
  b.columns = i32(info, 8, fn, b.nnz);
  b.xt_cache = optional_f32(info, 9, fn, b.inputs * padded_batch(b.batch) + 16);
  b.dx = const_cast<float*>(optional_f32(info, 10, fn, b.batch * b.inputs));
  return b;
}

// sparseDenseBackward(batch, inputs, outputs, x, w, dy, y | null, rowStarts, rowColumns,
//                     xtCache | null, dx | null, dw, db): the whole backward pass of a sparse layer
// in one call. g = dy ⊙ act'(y) (act = ReLU with y, identity without), db = Σ_rows g, then gᵀ is
// transposed once and shared by dw = (xᵀ·g)⊙m (active entries only; pass a zero-filled dw) and,
// when dx is given, dx = g·(w⊙m)ᵀ. xtCache: the buffer sparseDenseForward filled with xᵀ for this
// same x (inputs · padded + 16 floats), so x is not transposed again; null transposes x here.
// Every result equals the separate kernels' (denseBackwardPrologue, sparseDenseWeightGrad,
// sparseDenseInputGrad) bit for bit.
Napi::Value SparseDenseBackward(const Napi::CallbackInfo& info) {
  const char* fn = "sparseDenseBackward";
  SparseBackward b = backward_args(info, fn);
  b.dw = f32(info, 11, fn, b.inputs * b.outputs);
  b.db = f32(info, 12, fn, b.outputs);
  sparse_backward(b);
  return info.Env().Undefined();
}

// sparseDenseBackwardSgd(batch, inputs, outputs, x, w, dy, y | null, rowStarts, rowColumns,
//                        xtCache | null, dx | null, db, momentum, lr, mu, weightDecay, nesterov):
// sparseDenseBackward with the weight's SGD step fused in. dx (from the weights before the step)
// and db as there; the weight gradient is never stored: each active entry's goes straight into the
// step of w and its momentum (in place, sgdStepRows's arithmetic). The same bits as
// sparseDenseBackward followed by sgdStepRows, without dw's memory traffic or a second pass.
Napi::Value SparseDenseBackwardSgd(const Napi::CallbackInfo& info) {
  const char* fn = "sparseDenseBackwardSgd";
  SparseBackward b = backward_args(info, fn);
  b.db = f32(info, 11, fn, b.outputs);
  b.v = f32(info, 12, fn, b.inputs * b.outputs);
  const SgdHyper h{static_cast<float>(number(info, 13, fn)), static_cast<float>(number(info, 14, fn)),
                   static_cast<float>(number(info, 15, fn)), boolean(info, 16, fn)};
  // Everything written (w, momentum, dx, db) must be disjoint from everything else the kernel touches.
  const int64_t weights = b.inputs * b.outputs;
  const struct {
    const float* p;
    int64_t n;
    const char* name;
  } arrays[] = {{b.w, weights, "w"}, {b.v, weights, "momentum"}, {b.dx, b.dx == nullptr ? 0 : b.batch * b.inputs, "dx"},
                {b.db, b.outputs, "db"}, {b.x, b.batch * b.inputs, "x"}, {b.dy, b.batch * b.outputs, "dy"},
                {b.y, b.y == nullptr ? 0 : b.batch * b.outputs, "y"}};
  constexpr int kWritten = 4;  // the first four
  for (int a = 0; a < kWritten; a++) {
    for (int o = 0; o < static_cast<int>(sizeof(arrays) / sizeof(arrays[0])); o++) {
      if (o == a || arrays[a].n == 0 || arrays[o].n == 0) continue;
      if (arrays[a].p < arrays[o].p + arrays[o].n && arrays[o].p < arrays[a].p + arrays[a].n) {
        throw Napi::RangeError::New(info.Env(), std::string(fn) + "() " + arrays[a].name + " must not overlap " + arrays[o].name);
      }
    }
  }
  b.sgd = &h;
  sparse_backward(b);
  return info.Env().Undefined();
}

}  // namespace

void register_sparse(Napi::Env env, Napi::Object exports) {
  exports.Set("denseBiasActivation", Napi::Function::New(env, DenseBiasActivation, "denseBiasActivation"));
  exports.Set("denseBackwardPrologue", Napi::Function::New(env, DenseBackwardPrologue, "denseBackwardPrologue"));
  exports.Set("sparseDenseForward", Napi::Function::New(env, SparseDenseForward, "sparseDenseForward"));
  exports.Set("sparseDenseInputGrad", Napi::Function::New(env, SparseDenseInputGrad, "sparseDenseInputGrad"));
  exports.Set("sparseDenseWeightGrad", Napi::Function::New(env, SparseDenseWeightGrad, "sparseDenseWeightGrad"));
  exports.Set("sparseDenseBackward", Napi::Function::New(env, SparseDenseBackward, "sparseDenseBackward"));
  exports.Set("sparseDenseBackwardSgd", Napi::Function::New(env, SparseDenseBackwardSgd, "sparseDenseBackwardSgd"));
}

}  // namespace rigl

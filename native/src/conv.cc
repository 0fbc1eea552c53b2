// Convolutions and max pooling for the native backend: NHWC activations, [KH, KW, IC, OC] filters
// (tfjs's layouts), float32, dilation 1. The TypeScript side (trainers/backends/native/conv-kernels.ts)
// resolves tfjs's padding and rounding attributes into plain integers (ConvShape / PoolShape).
//
// The convolutions are matrix products over the patch matrix P: one row per output pixel
// (n, oh, ow) of the batch, one column per filter tap and input channel, k = (kh·KW + kw)·IC + ic,
// holding x[n, oh·sh − pad_top + kh, ow·sw − pad_left + kw, ic] (zero outside the image). With the
// filter read as a K×OC matrix W:
//   forward       y  = P · W                       split over chunks of rows (independent outputs)
//   filter grad   dW = Σ_chunks P_chunkᵀ · dy_chunk   a sum over pixels: split over dW's rows only, and
//                                                  the chunks are fixed, so bit-exact at any thread count
//   input grad    stride 1, 'same'-like, ≥ 16 input channels: the forward convolution of dy with the
//                 rotated filter W'[kh', kw', oc, ic] = W[KH−1−kh', KW−1−kw', ic, oc], pads
//                 KH−1−pad_top, KW−1−pad_left; otherwise dP = dy · Wᵀ by whole images, scatter-added
//                 into dx (col2im).
//
// P is never stored whole. With IC ≥ 8 the micro-kernels read it in place through pointers to the
// input pixels ("indirect convolution", Dukhan 2019, arXiv:1907.02129): for a strip of output
// pixels, one pointer per (pixel, tap) to IC contiguous channels, or to zeros in the padding. With
// fewer channels a chunk of P small enough for L2 is built (im2col) and read the same way.
//
// Why not im2col + the packed sgemm (gemm.h): with N = OC ≤ 64 a packed GEMM spends about as long
// packing A (one scalar copy per element of P) as multiplying it (OC/16 FMA cycles per element),
// and im2col writes and rereads P once more. On WRN-22-2's 3×3 32→32 layer (batch 128, one
// thread, loaded machine) that route took 28 ms per pass (~86 GFLOP/s); these kernels take ~14-16.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "cpu.h"
#include "napi_util.h"
#include "parallel.h"

namespace rigl {
namespace {

struct ConvShape {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, pad_top, pad_left;

  int64_t taps() const { return k_h * k_w; }
  int64_t patch_size() const { return taps() * in_c; }  // K: columns of P, rows of W
  int64_t out_pixels() const { return out_h * out_w; }
  int64_t rows() const { return batch * out_pixels(); }  // rows of P
  int64_t in_size() const { return batch * in_h * in_w * in_c; }
  int64_t out_size() const { return rows() * out_c; }
  int64_t filter_size() const { return patch_size() * out_c; }
  // Below 8 channels a tap holds too few values to amortise its pointers: build P instead.
  bool indirect() const { return in_c >= 8; }
};

// ---- scratch memory

struct AlignedFree {
  void operator()(void* p) const { std::free(p); }
};

// A per-thread growable 64-byte-aligned buffer; `Slot` tells apart buffers a kernel holds at once.
template <typename T, int Slot>
T* thread_buffer(size_t count) {
  thread_local std::unique_ptr<T[], AlignedFree> holder;
  thread_local size_t capacity = 0;
  if (count > capacity) {
    size_t bytes = ((std::max<size_t>(count, 16) * sizeof(T) + 63) / 64) * 64;
    T* p = static_cast<T*>(std::aligned_alloc(64, bytes));
    if (p == nullptr) throw std::bad_alloc();
    holder.reset(p);
    capacity = count;
  }
  return holder.get();
}

// `count` zeros (the padding that pointers outside the image point to).
const float* thread_zeros(size_t count) {
  thread_local std::vector<float> zeros;
  if (zeros.size() < count) zeros.assign(count, 0.0f);
  return zeros.data();
}

// ---- micro-kernels
//
// Both compute an MR×NR tile C (+)= A·B with B(k, j) = b[k·ldb + j] (masked at the right edge) and
// the tile in registers for the whole depth, so every C element is one sequential sum over k in
// order, whatever the tiling or thread split. They differ in how A is found:
//   row form ("F"): A(i, t·C + ch) = rowptr[t][i][ch0 + ch]: per tap t, one pointer per row i to
//     C contiguous values (a row of P: the forward product, and dy·Wᵀ); B's rows follow k = t·C + ch.
//   column form ("T"): A(i, k) = colptr[k][offset + i], skipped when colptr[k] is null: per k, one
//     pointer to the MR contiguous values of a column strip (Pᵀ: the filter gradient).
// Rows past `rows` are computed from clamped pointers and not stored.

using RowMicro = void (*)(int64_t taps, int64_t C, const float* const* rowptr, int64_t ch0, const float* b, int64_t ldb, float* c, int64_t ldc,
                          int64_t rows, int64_t cols, bool accumulate);
using ColMicro = void (*)(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc,
                          int64_t rows, int64_t cols, bool accumulate);

// ---- generic: 4×8 plain C++.
constexpr int kGenericMR = 4, kGenericNR = 8;

void store_generic(const float (&acc)[kGenericMR][kGenericNR], float* c, int64_t ldc, int64_t rows, int64_t cols, bool accumulate) {
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++) c[i * ldc + j] = accumulate ? c[i * ldc + j] + acc[i][j] : acc[i][j];
}

void row_micro_generic(int64_t taps, int64_t C, const float* const* rowptr, int64_t ch0, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows,
                       int64_t cols, bool accumulate) {
  float acc[kGenericMR][kGenericNR] = {};
  for (int64_t t = 0; t < taps; t++) {
    const float* const* p = rowptr + t * kGenericMR;
    for (int64_t ch = 0; ch < C; ch++) {
      const float* bk = b + (t * C + ch) * ldb;
      for (int i = 0; i < kGenericMR; i++) {
        const float av = p[i][ch0 + ch];
        for (int64_t j = 0; j < cols; j++) acc[i][j] += av * bk[j];
      }
    }
  }
  store_generic(acc, c, ldc, rows, cols, accumulate);
}

void col_micro_generic(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc,
                       int64_t rows, int64_t cols, bool accumulate) {
  float acc[kGenericMR][kGenericNR] = {};
  for (int64_t k = 0; k < kc; k++) {
    if (colptr[k] == nullptr) continue;
    const float* a = colptr[k] + offset;
    const float* bk = b + k * ldb;
    for (int i = 0; i < kGenericMR; i++) {
      const float av = a[std::min<int64_t>(i, rows - 1)];
      for (int64_t j = 0; j < cols; j++) acc[i][j] += av * bk[j];
    }
  }
  store_generic(acc, c, ldc, rows, cols, accumulate);
}

#if defined(__x86_64__)
// ---- AVX2 + FMA: 6×16 (12 ymm accumulators).
constexpr int kAvx2MR = 6, kAvx2NR = 16;

#pragma GCC push_options
#pragma GCC target("avx2,fma")
struct Avx2Masks {
  __m256i m0, m1;
  explicit Avx2Masks(int64_t cols) {
    const __m256i n = _mm256_set1_epi32(static_cast<int32_t>(cols));
    m0 = _mm256_cmpgt_epi32(n, _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    m1 = _mm256_cmpgt_epi32(n, _mm256_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15));
  }
};

inline void store_avx2(__m256 (&acc)[kAvx2MR][2], const Avx2Masks& m, float* c, int64_t ldc, int64_t rows, bool accumulate) {
  // Unrolled with constant indices so that acc stays in registers.
#pragma GCC unroll 6
  for (int i = 0; i < kAvx2MR; i++) {
    if (i >= rows) break;
    float* row = c + i * ldc;
    __m256 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm256_add_ps(_mm256_maskload_ps(row, m.m0), v0);
      v1 = _mm256_add_ps(_mm256_maskload_ps(row + 8, m.m1), v1);
    }
    _mm256_maskstore_ps(row, m.m0, v0);
    _mm256_maskstore_ps(row + 8, m.m1, v1);
  }
}

void row_micro_avx2(int64_t taps, int64_t C, const float* const* rowptr, int64_t ch0, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows,
                    int64_t cols, bool accumulate) {
  const Avx2Masks m(cols);
  __m256 acc[kAvx2MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < kAvx2MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t t = 0; t < taps; t++) {
    const float* p[kAvx2MR];
#pragma GCC unroll 6
    for (int i = 0; i < kAvx2MR; i++) p[i] = rowptr[t * kAvx2MR + i] + ch0;
    const float* bt = b + t * C * ldb;
    for (int64_t ch = 0; ch < C; ch++) {
      const __m256 b0 = _mm256_maskload_ps(bt + ch * ldb, m.m0);
      const __m256 b1 = _mm256_maskload_ps(bt + ch * ldb + 8, m.m1);
#pragma GCC unroll 6
      for (int i = 0; i < kAvx2MR; i++) {
        const __m256 av = _mm256_broadcast_ss(p[i] + ch);
        acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
      }
    }
  }
  store_avx2(acc, m, c, ldc, rows, accumulate);
}

template <bool Full>
void col_micro_avx2_impl(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc,
                         int64_t rows, int64_t cols, bool accumulate) {
  const Avx2Masks m(cols);
  __m256 acc[kAvx2MR][2];
#pragma GCC unroll 6
  for (int i = 0; i < kAvx2MR; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    if (colptr[k] == nullptr) continue;
    const float* a = colptr[k] + offset;
    const __m256 b0 = _mm256_maskload_ps(b + k * ldb, m.m0);
    const __m256 b1 = _mm256_maskload_ps(b + k * ldb + 8, m.m1);
#pragma GCC unroll 6
    for (int i = 0; i < kAvx2MR; i++) {
      const __m256 av = _mm256_broadcast_ss(a + (Full ? i : std::min<int64_t>(i, rows - 1)));
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
  }
  store_avx2(acc, m, c, ldc, rows, accumulate);
}

void col_micro_avx2(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t rows,
                    int64_t cols, bool accumulate) {
  if (rows == kAvx2MR) col_micro_avx2_impl<true>(kc, colptr, offset, b, ldb, c, ldc, rows, cols, accumulate);
  else col_micro_avx2_impl<false>(kc, colptr, offset, b, ldb, c, ldc, rows, cols, accumulate);
}
#pragma GCC pop_options

// ---- AVX-512F: 8×32 (16 zmm accumulators).
constexpr int kAvx512MR = 8, kAvx512NR = 32;

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2")
struct Avx512Masks {
  __mmask16 m0, m1;
  explicit Avx512Masks(int64_t cols)
      : m0(cols >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << cols) - 1u)),
        m1(cols >= 32 ? static_cast<__mmask16>(0xFFFF) : (cols <= 16 ? 0 : static_cast<__mmask16>((1u << (cols - 16)) - 1u))) {}
};

inline void store_avx512(__m512 (&acc)[kAvx512MR][2], const Avx512Masks& m, float* c, int64_t ldc, int64_t rows, bool accumulate) {
#pragma GCC unroll 8
  for (int i = 0; i < kAvx512MR; i++) {
    if (i >= rows) break;
    float* row = c + i * ldc;
    __m512 v0 = acc[i][0], v1 = acc[i][1];
    if (accumulate) {
      v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m.m0, row), v0);
      v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m.m1, row + 16), v1);
    }
    _mm512_mask_storeu_ps(row, m.m0, v0);
    _mm512_mask_storeu_ps(row + 16, m.m1, v1);
  }
}

void row_micro_avx512(int64_t taps, int64_t C, const float* const* rowptr, int64_t ch0, const float* b, int64_t ldb, float* c, int64_t ldc,
                      int64_t rows, int64_t cols, bool accumulate) {
  const Avx512Masks m(cols);
  __m512 acc[kAvx512MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < kAvx512MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t t = 0; t < taps; t++) {
    const float* p[kAvx512MR];
#pragma GCC unroll 8
    for (int i = 0; i < kAvx512MR; i++) p[i] = rowptr[t * kAvx512MR + i] + ch0;
    const float* bt = b + t * C * ldb;
    for (int64_t ch = 0; ch < C; ch++) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m.m0, bt + ch * ldb);
      const __m512 b1 = _mm512_maskz_loadu_ps(m.m1, bt + ch * ldb + 16);
#pragma GCC unroll 8
      for (int i = 0; i < kAvx512MR; i++) {
        const __m512 av = _mm512_set1_ps(p[i][ch]);
        acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
      }
    }
  }
  store_avx512(acc, m, c, ldc, rows, accumulate);
}

template <bool Full>
void col_micro_avx512_impl(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc,
                           int64_t rows, int64_t cols, bool accumulate) {
  const Avx512Masks m(cols);
  __m512 acc[kAvx512MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < kAvx512MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
  for (int64_t k = 0; k < kc; k++) {
    if (colptr[k] == nullptr) continue;
    const float* a = colptr[k] + offset;
    const __m512 b0 = _mm512_maskz_loadu_ps(m.m0, b + k * ldb);
    const __m512 b1 = _mm512_maskz_loadu_ps(m.m1, b + k * ldb + 16);
#pragma GCC unroll 8
    for (int i = 0; i < kAvx512MR; i++) {
      const __m512 av = _mm512_set1_ps(a[Full ? i : std::min<int64_t>(i, rows - 1)]);
      acc[i][0] = _mm512_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(av, b1, acc[i][1]);
    }
  }
  store_avx512(acc, m, c, ldc, rows, accumulate);
}

void col_micro_avx512(int64_t kc, const float* const* colptr, int64_t offset, const float* b, int64_t ldb, float* c, int64_t ldc,
                      int64_t rows, int64_t cols, bool accumulate) {
  if (rows == kAvx512MR) col_micro_avx512_impl<true>(kc, colptr, offset, b, ldb, c, ldc, rows, cols, accumulate);
  else col_micro_avx512_impl<false>(kc, colptr, offset, b, ldb, c, ldc, rows, cols, accumulate);
}
#pragma GCC pop_options
#endif

constexpr int64_t kMaxMR = 8;  // the largest micro-kernel row count, for row-pointer arrays

struct Micro {
  RowMicro row;
  ColMicro col;
  int64_t mr, nr;
};

Micro micro_kernels() {
  switch (active_isa()) {
#if defined(__x86_64__)
    case Isa::Avx512: return {row_micro_avx512, col_micro_avx512, kAvx512MR, kAvx512NR};
    case Isa::Avx2: return {row_micro_avx2, col_micro_avx2, kAvx2MR, kAvx2NR};
#endif
    default: return {row_micro_generic, col_micro_generic, kGenericMR, kGenericNR};
  }
}

// C[M×N] (ldc) = A·B (+ C when accumulate) for a row-major A (M×K, lda) on the calling thread:
// row strips outside, column strips inside.
void rowmajor_product(const Micro& mk, int64_t M, int64_t N, int64_t K, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                      int64_t ldc, bool accumulate) {
  const float* rowptr[kMaxMR];
  for (int64_t i = 0; i < M; i += mk.mr) {
    const int64_t rows = std::min(mk.mr, M - i);
    for (int64_t r = 0; r < mk.mr; r++) rowptr[r] = a + (i + std::min(r, rows - 1)) * lda;
    for (int64_t j = 0; j < N; j += mk.nr) mk.row(1, K, rowptr, 0, b + j, ldb, c + i * ldc + j, ldc, rows, std::min(mk.nr, N - j), accumulate);
  }
}

// ---- patch-matrix addressing

// Walks the rows of P in order, tracking (image, oh, ow) without a division per row.
struct PixelCursor {
  const ConvShape& s;
  int64_t n, oh, ow;
  PixelCursor(const ConvShape& shape, int64_t row) : s(shape) {
    n = row / s.out_pixels();
    const int64_t p = row % s.out_pixels();
    oh = p / s.out_w;
    ow = p % s.out_w;
  }
  void next() {
    if (++ow == s.out_w) {
      ow = 0;
      if (++oh == s.out_h) {
        oh = 0;
        ++n;
      }
    }
  }
};

// Where one output pixel's receptive field lies in x: its top-left corner (possibly in the
// padding) and whether the whole field is inside the image.
struct Window {
  int64_t offset;  // of the corner's channel 0 in x (negative or past a row end in the padding)
  int64_t ih0, iw0;
  bool inside;
};

// The windows of the next `count` rows of P from `at` (which moves past them).
void windows(const ConvShape& s, PixelCursor& at, int64_t count, Window* out) {
  for (int64_t i = 0; i < count; i++, at.next()) {
    const int64_t ih0 = at.oh * s.stride_h - s.pad_top, iw0 = at.ow * s.stride_w - s.pad_left;
    out[i] = {((at.n * s.in_h + ih0) * s.in_w + iw0) * s.in_c, ih0, iw0,
              ih0 >= 0 && ih0 + s.k_h <= s.in_h && iw0 >= 0 && iw0 + s.k_w <= s.in_w};
  }
}

// Offsets of the taps from a window's corner: (kh·W + kw)·IC.
void tap_offsets(const ConvShape& s, int64_t* out) {
  for (int64_t kh = 0, t = 0; kh < s.k_h; kh++)
    for (int64_t kw = 0; kw < s.k_w; kw++, t++) out[t] = (kh * s.in_w + kw) * s.in_c;
}

// The IC channels that tap (kh, kw) of window w reads, or `outside` in the padding (branch-free:
// at the borders the pattern changes from pixel to pixel).
inline const float* tap_pointer(const ConvShape& s, const float* x, const Window& w, int64_t kh, int64_t kw, int64_t tap_offset,
                                const float* outside) {
  const bool valid = static_cast<uint64_t>(w.ih0 + kh) < static_cast<uint64_t>(s.in_h) &&
                     static_cast<uint64_t>(w.iw0 + kw) < static_cast<uint64_t>(s.in_w);
  const float* p = x + (w.offset + tap_offset);
  return valid ? p : outside;
}

// dst[0, n) = src[0, n). A tap row of a 1- or 3-channel input is a few floats: a libc memcpy call
// per piece cost more than LeNet-5's conv1 product itself. Constant-size memcpys compile to moves.
inline void copy_floats(float* dst, const float* src, int64_t n) {
  if (n > 64) {
    std::memcpy(dst, src, n * sizeof(float));
    return;
  }
  for (; n >= 8; n -= 8, dst += 8, src += 8) std::memcpy(dst, src, 8 * sizeof(float));
  if (n >= 4) {
    std::memcpy(dst, src, 4 * sizeof(float));
    n -= 4, dst += 4, src += 4;
  }
  for (int64_t i = 0; i < n; i++) dst[i] = src[i];
}

inline void zero_floats(float* dst, int64_t n) {
  if (n > 64) {
    std::memset(dst, 0, n * sizeof(float));
    return;
  }
  for (int64_t i = 0; i < n; i++) dst[i] = 0.0f;
}

// Columns [k0, k1) of P's row for output pixel (oh, ow) of the image `img` into out[0, k1 − k0).
// One filter row kh covers KW·IC consecutive columns that map to consecutive input values
// x[ih, iw0 .. iw0 + KW), so each filter row is at most one memcpy plus zero fill at the borders.
inline void im2col_row(const ConvShape& s, const float* img, int64_t oh, int64_t ow, int64_t k0, int64_t k1, float* out) {
  const int64_t span = s.k_w * s.in_c;
  const int64_t iw0 = ow * s.stride_w - s.pad_left;
  const int64_t valid_lo = std::clamp<int64_t>(-iw0, 0, s.k_w) * s.in_c;
  const int64_t valid_hi = std::clamp<int64_t>(s.in_w - iw0, 0, s.k_w) * s.in_c;
  for (int64_t kh = k0 / span; kh < s.k_h && kh * span < k1; kh++) {
    const int64_t base = kh * span;
    const int64_t j_lo = std::max<int64_t>(k0 - base, 0), j_hi = std::min<int64_t>(k1 - base, span);
    float* dst = out + (base - k0);  // dst[j] is column base + j
    const int64_t ih = oh * s.stride_h - s.pad_top + kh;
    const int64_t a = std::max(j_lo, valid_lo), b = std::min(j_hi, valid_hi);
    if (ih < 0 || ih >= s.in_h || a >= b) {
      zero_floats(dst + j_lo, j_hi - j_lo);
      continue;
    }
    zero_floats(dst + j_lo, a - j_lo);
    copy_floats(dst + a, img + (ih * s.in_w + iw0) * s.in_c + a, b - a);
    zero_floats(dst + b, j_hi - b);
  }
}

// Rows [r0, r1), columns [k0, k1) of P into out (row stride k1 − k0).
void im2col(const ConvShape& s, const float* x, int64_t r0, int64_t r1, int64_t k0, int64_t k1, float* out) {
  const int64_t image = s.in_h * s.in_w * s.in_c, span = s.k_w * s.in_c, width = k1 - k0;
  const int64_t kh0 = k0 / span, kh1 = (k1 + span - 1) / span;
  PixelCursor at(s, r0);
  for (int64_t r = r0; r < r1; r++, at.next()) {
    float* row = out + (r - r0) * width;
    const int64_t ih0 = at.oh * s.stride_h - s.pad_top, iw0 = at.ow * s.stride_w - s.pad_left;
    if (ih0 >= 0 && ih0 + s.k_h <= s.in_h && iw0 >= 0 && iw0 + s.k_w <= s.in_w) {
      // The whole window inside the image: one copy per filter row (LeNet-5's conv1 spent more
      // in im2col_row's border logic than in its product).
      const float* src = x + at.n * image + (ih0 * s.in_w + iw0) * s.in_c;
      for (int64_t kh = kh0; kh < kh1; kh++) {
        const int64_t a = std::max(k0, kh * span), b = std::min(k1, (kh + 1) * span);
        copy_floats(row + (a - k0), src + kh * s.in_w * s.in_c + (a - kh * span), b - a);
      }
      continue;
    }
    im2col_row(s, x + at.n * image, at.oh, at.ow, k0, k1, row);
  }
}

// ---- convolutions

// Rows of P per im2col chunk: about 48 Ki floats (192 KB, inside L2 beside the filter), a
// multiple of 8 (the AVX-512 micro-kernel's rows).
int64_t chunk_rows(int64_t patch_size) {
  const int64_t rows = (48 * 1024) / std::max<int64_t>(patch_size, 1);
  return std::clamp<int64_t>(rows / 8 * 8, 8, 1024);
}

// Rows of P per step of the filter-gradient sum. Fixed, never derived from the thread count: the
// chunks partition the sum (each chunk is summed in registers, then added to dW), so they decide
// its rounding. 256 rows keep a chunk's dy strip (256 × 32 floats) in L1.
constexpr int64_t kFilterGradChunkRows = 256;

// A filter larger than this is not re-read whole per strip of output rows: the depth is cut into
// blocks (below) whose K×NR slice of W stays in L1 while a chunk of rows streams past it.
constexpr int64_t kUnblockedFilterBytes = 512 * 1024;
constexpr int64_t kDepthBlock = 256;  // depth (taps × channels) per block

// A block of the depth K: taps [t0, t0 + nt), channels [c0, c0 + cc) of each.
struct DepthBlock {
  int64_t t0, nt, c0, cc;
};

// Whole taps (as many as fit kDepthBlock) when a tap has few channels, else channel slices of
// one tap. A single block when the filter is small: each output is then one sum over all of K.
std::vector<DepthBlock> depth_blocks(const ConvShape& s) {
  const int64_t C = s.in_c, taps = s.taps();
  if (s.filter_size() * static_cast<int64_t>(sizeof(float)) <= kUnblockedFilterBytes) return {{0, taps, 0, C}};
  std::vector<DepthBlock> blocks;
  if (C >= kDepthBlock) {
    for (int64_t t = 0; t < taps; t++)
      for (int64_t c0 = 0; c0 < C; c0 += kDepthBlock) blocks.push_back({t, 1, c0, std::min(kDepthBlock, C - c0)});
  } else {
    const int64_t per = std::max<int64_t>(1, kDepthBlock / C);
    for (int64_t t = 0; t < taps; t += per) blocks.push_back({t, std::min(per, taps - t), 0, C});
  }
  return blocks;
}

// y[rows × OC] = P · W, split over chunks of rows.
void conv_forward(const ConvShape& s, const float* x, const float* w, float* y) {
  const int64_t K = s.patch_size(), rows = s.rows(), oc = s.out_c, taps = s.taps(), C = s.in_c;
  if (rows == 0 || oc == 0) return;
  const Micro mk = micro_kernels();
  const bool indirect = s.indirect();
  const std::vector<DepthBlock> blocks = depth_blocks(s);
  // Indirect: 16 strips of MR rows per chunk (64 when the depth is blocked, to reuse each block's
  // slice of W longer); im2col: a chunk of P that fits in L2.
  const int64_t chunk = indirect ? (blocks.size() > 1 ? 64 : 16) * mk.mr : chunk_rows(K);
  std::vector<int64_t> offsets(static_cast<size_t>(taps));
  tap_offsets(s, offsets.data());
  parallel_for((rows + chunk - 1) / chunk, 1, [&](int64_t c0, int64_t c1) {
    if (!indirect) {
      float* p = thread_buffer<float, 0>(static_cast<size_t>(chunk * K));
      for (int64_t c = c0; c < c1; c++) {
        const int64_t r0 = c * chunk, r1 = std::min(rows, r0 + chunk);
        im2col(s, x, r0, r1, 0, K, p);
        rowmajor_product(mk, r1 - r0, oc, K, p, K, w, oc, y + r0 * oc, oc, false);
      }
      return;
    }
    // The row pointers of a whole chunk, built before any product reads them: table[(q·taps + t)·MR + i]
    // → the IC channels of tap t for row i of strip q (zeros in the padding; rows past the end
    // repeat the last row). Building each strip's table just before its product was ~25 % slower
    // (stores reloaded at once by the micro-kernel).
    const float** table = thread_buffer<const float*, 1>(static_cast<size_t>(taps * chunk));
    Window* win = thread_buffer<Window, 2>(static_cast<size_t>(chunk));
    const float* zeros = thread_zeros(static_cast<size_t>(C));
    for (int64_t c = c0; c < c1; c++) {
      const int64_t r0 = c * chunk, n = std::min(rows, r0 + chunk) - r0, strips = (n + mk.mr - 1) / mk.mr;
      PixelCursor at(s, r0);
      windows(s, at, n, win);
      for (int64_t q = 0; q < strips; q++)
        for (int64_t i = 0; i < mk.mr; i++) {
          const Window& wi = win[std::min(q * mk.mr + i, n - 1)];
          const float** dst = table + q * taps * mk.mr + i;
          if (wi.inside) {
            for (int64_t t = 0; t < taps; t++) dst[t * mk.mr] = x + (wi.offset + offsets[t]);
          } else {
            for (int64_t kh = 0, t = 0; kh < s.k_h; kh++)
              for (int64_t kw = 0; kw < s.k_w; kw++, t++) dst[t * mk.mr] = tap_pointer(s, x, wi, kh, kw, offsets[t], zeros);
          }
        }
      // Column strips, then depth blocks (the block's slice of W stays in L1), then row strips.
      for (int64_t j = 0; j < oc; j += mk.nr) {
        const int64_t cols = std::min(mk.nr, oc - j);
        for (size_t bi = 0; bi < blocks.size(); bi++) {
          const DepthBlock& b = blocks[bi];
          const float* wb = w + (b.t0 * C + b.c0) * oc + j;
          for (int64_t q = 0; q < strips; q++) {
            const int64_t strip = std::min(mk.mr, n - q * mk.mr);
            mk.row(b.nt, b.cc, table + (q * taps + b.t0) * mk.mr, b.c0, wb, oc, y + (r0 + q * mk.mr) * oc + j, oc, strip, cols, bi > 0);
          }
        }
      }
    }
  });
}

// dW[K × OC] = Σ over fixed chunks of rows, in order, of P_chunkᵀ · dy_chunk; threads own rows
// [k0, k1) of dW and read (or build) only those columns of P.
void conv_backprop_filter(const ConvShape& s, const float* x, const float* dy, float* dw) {
  const int64_t K = s.patch_size(), rows = s.rows(), oc = s.out_c, C = s.in_c;
  if (K == 0 || oc == 0) return;
  if (rows == 0) {
    std::memset(dw, 0, s.filter_size() * sizeof(float));
    return;
  }
  const bool indirect = s.indirect();
  const int64_t chunk = kFilterGradChunkRows;
  const Micro mk = micro_kernels();
  std::vector<int64_t> offsets(static_cast<size_t>(s.taps()));
  tap_offsets(s, offsets.data());
  parallel_for(K, 16, [&](int64_t k0, int64_t k1) {
    const int64_t width = k1 - k0;
    const int64_t t0 = k0 / C, t1 = (k1 + C - 1) / C;  // the taps this thread's rows touch
    const float** colptr = thread_buffer<const float*, 1>(static_cast<size_t>(chunk * (indirect ? t1 - t0 : 1)));
    float* p = indirect ? nullptr : thread_buffer<float, 0>(static_cast<size_t>(chunk * width));
    Window* win = thread_buffer<Window, 2>(static_cast<size_t>(chunk));
    PixelCursor at(s, 0);
    for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
      const int64_t r1 = std::min(rows, r0 + chunk), n_rows = r1 - r0;
      const float* dy_chunk = dy + r0 * oc;
      const bool accumulate = r0 > 0;
      if (!indirect) {
        im2col(s, x, r0, r1, k0, k1, p);
        for (int64_t r = 0; r < n_rows; r++) colptr[r] = p + r * width;
      } else {
        // Per tap, one pointer per row to its IC channels (null in the padding), all built
        // before the products read them (as in conv_forward).
        windows(s, at, n_rows, win);
        for (int64_t t = t0; t < t1; t++) {
          const int64_t kh = t / s.k_w, kw = t % s.k_w;
          const float** dst = colptr + (t - t0) * chunk;
          for (int64_t r = 0; r < n_rows; r++) dst[r] = tap_pointer(s, x, win[r], kh, kw, offsets[t], nullptr);
        }
      }
      // Column strips outside (the chunk's NR columns of dy stay in L1), then strips of MR
      // rows of dW, each within one tap.
      for (int64_t j = 0; j < oc; j += mk.nr) {
        const int64_t cols = std::min(mk.nr, oc - j);
        for (int64_t k = k0; k < k1;) {
          const int64_t t = indirect ? k / C : 0;
          const int64_t tap_end = indirect ? std::min(k1, (t + 1) * C) : k1;
          const int64_t strip = std::min(mk.mr, tap_end - k);
          const float* const* ptrs = indirect ? colptr + (t - t0) * chunk : colptr;
          const int64_t offset = indirect ? k - t * C : k - k0;
          mk.col(n_rows, ptrs, offset, dy_chunk + j, oc, dw + k * oc + j, oc, strip, cols, accumulate);
          k += strip;
        }
      }
    }
  });
}

// Wᵀ: [OC × K] from the filter's [K × OC].
std::vector<float> transposed_filter(const ConvShape& s, const float* w) {
  const int64_t K = s.patch_size(), oc = s.out_c;
  std::vector<float> t(static_cast<size_t>(K * oc));
  for (int64_t k = 0; k < K; k++)
    for (int64_t o = 0; o < oc; o++) t[o * K + k] = w[k * oc + o];
  return t;
}

// Columns [k0, k1) of the adjoint of im2col_row: img[pixel of column k] += in[k − k0].
inline void col2im_row_add(const ConvShape& s, float* img, int64_t oh, int64_t ow, const float* in, int64_t k0, int64_t k1) {
  const int64_t span = s.k_w * s.in_c;
  const int64_t iw0 = ow * s.stride_w - s.pad_left;
  const int64_t valid_lo = std::clamp<int64_t>(-iw0, 0, s.k_w) * s.in_c;
  const int64_t valid_hi = std::clamp<int64_t>(s.in_w - iw0, 0, s.k_w) * s.in_c;
  for (int64_t kh = k0 / span; kh < s.k_h && kh * span < k1; kh++) {
    const int64_t ih = oh * s.stride_h - s.pad_top + kh;
    if (ih < 0 || ih >= s.in_h) continue;
    const int64_t base = kh * span;
    const int64_t a = std::max({k0 - base, valid_lo, int64_t{0}}), b = std::min({k1 - base, valid_hi, span});
    float* dst = img + (ih * s.in_w + iw0) * s.in_c;
    const float* src = in + (base - k0);
    for (int64_t j = a; j < b; j++) dst[j] += src[j];
  }
}

// dx for any geometry: dP = dy · Wᵀ, scatter-added into dx (col2im). Work is split by whole images
// (several small ones per unit), and within a unit by fixed blocks of dP's columns, so each dx
// element receives its terms in the same order at any thread count.
void conv_backprop_input_col2im(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int64_t K = s.patch_size(), oc = s.out_c, pixels = s.out_pixels();
  const int64_t image = s.in_h * s.in_w * s.in_c;
  const Micro mk = micro_kernels();
  const std::vector<float> wt = transposed_filter(s, w);
  const int64_t images = std::max<int64_t>(1, 256 / std::max<int64_t>(pixels, 1));  // per unit: ≥ 256 rows of dP
  const int64_t block = std::min<int64_t>(K, kDepthBlock);                          // columns of dP per pass
  const int64_t pass_rows = std::min<int64_t>(images * pixels, 1024);              // rows of dP held at once
  parallel_for((s.batch + images - 1) / images, 1, [&](int64_t u0, int64_t u1) {
    const int64_t max_rows = images * pixels;
    float* dp = thread_buffer<float, 0>(static_cast<size_t>(pass_rows * block));
    const float** rowptr = thread_buffer<const float*, 1>(static_cast<size_t>(max_rows + kMaxMR));
    for (int64_t u = u0; u < u1; u++) {
      const int64_t n0 = u * images, n1 = std::min(s.batch, n0 + images), n_rows = (n1 - n0) * pixels;
      std::memset(dx + n0 * image, 0, (n1 - n0) * image * sizeof(float));
      const float* dy_unit = dy + n0 * pixels * oc;
      for (int64_t r = 0; r < n_rows + kMaxMR; r++) rowptr[r] = dy_unit + std::min(r, n_rows - 1) * oc;
      for (int64_t k0 = 0; k0 < K; k0 += block) {
        const int64_t k1 = std::min(K, k0 + block);
        for (int64_t r0 = 0; r0 < n_rows; r0 += pass_rows) {
          const int64_t r1 = std::min(n_rows, r0 + pass_rows);
          // dP[r0:r1, k0:k1) with the OC × NR slices of Wᵀ outside, strips of MR rows inside.
          for (int64_t j = k0; j < k1; j += mk.nr)
            for (int64_t r = r0; r < r1; r += mk.mr)
              mk.row(1, oc, rowptr + r, 0, wt.data() + j, K, dp + (r - r0) * block + (j - k0), block, std::min(mk.mr, r1 - r),
                     std::min(mk.nr, k1 - j), false);
          for (int64_t r = r0; r < r1; r++) {
            const int64_t n = n0 + r / pixels, p = r % pixels;
            col2im_row_add(s, dx + n * image, p / s.out_w, p % s.out_w, dp + (r - r0) * block, k0, k1);
          }
        }
      }
    }
  });
}

// The stride-1 input gradient as a forward convolution of dy (zero padding KH−1−pad_top above,
// what the sizes leave below) with the filter rotated by 180° and its channel axes swapped. It
// multiplies the padding's zeros too, so it is used only when dy is about as large as dx (a
// 'same'-style convolution: ≤ 12.5 % more pixels in dx); otherwise col2im does fewer FLOPs.
bool backprop_input_as_forward(const ConvShape& s) {
  if (s.stride_h != 1 || s.stride_w != 1) return false;
  // Its N is IC: below 16 most of the micro-kernel's columns would be idle.
  return s.in_c >= 16 && s.in_h * s.in_w * 8 <= s.out_pixels() * 9;
}

void conv_backprop_input(const ConvShape& s, const float* dy, const float* w, float* dx) {
  const int64_t K = s.patch_size(), oc = s.out_c, ic = s.in_c;
  if (s.in_size() == 0) return;
  if (K == 0 || oc == 0 || s.out_pixels() == 0) {
    std::memset(dx, 0, s.in_size() * sizeof(float));
    return;
  }
  if (!backprop_input_as_forward(s)) {
    conv_backprop_input_col2im(s, dy, w, dx);
    return;
  }
  // dx[h, w, ic] = Σ dy[h − (KH−1−pad_top) + kh', w − (KW−1−pad_left) + kw', oc] · W'[kh', kw', oc, ic].
  std::vector<float> rotated(static_cast<size_t>(K * oc));
  for (int64_t kh = 0; kh < s.k_h; kh++)
    for (int64_t kw = 0; kw < s.k_w; kw++) {
      const float* src = w + ((s.k_h - 1 - kh) * s.k_w + (s.k_w - 1 - kw)) * ic * oc;
      float* dst = rotated.data() + (kh * s.k_w + kw) * oc * ic;
      for (int64_t c = 0; c < ic; c++)
        for (int64_t o = 0; o < oc; o++) dst[o * ic + c] = src[c * oc + o];
    }
  const ConvShape t{s.batch, s.out_h, s.out_w, oc, s.in_h, s.in_w, ic, s.k_h, s.k_w, 1, 1, s.k_h - 1 - s.pad_top, s.k_w - 1 - s.pad_left};
  conv_forward(t, dy, rotated.data(), dx);
}

// ---- max pooling

struct PoolShape {
  int64_t batch, in_h, in_w, channels, out_h, out_w, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  int64_t in_size() const { return batch * in_h * in_w * channels; }
  int64_t out_size() const { return batch * out_h * out_w * channels; }
};

// Max over each window, per channel; the window is scanned row by row and only a strictly greater
// value replaces the running maximum (starting at −∞), as tfjs's cpu pool() does: NaN never wins,
// and an empty or all-NaN window gives −∞.
void max_pool(const PoolShape& s, const float* x, float* y) {
  const int64_t C = s.channels;
  parallel_for(s.batch * s.out_h, 1, [&](int64_t row0, int64_t row1) {
    for (int64_t row = row0; row < row1; row++) {
      const int64_t n = row / s.out_h, oh = row % s.out_h;
      const int64_t ih0 = oh * s.stride_h - s.pad_top;
      const int64_t ih_lo = std::max<int64_t>(ih0, 0), ih_hi = std::min(s.in_h, ih0 + s.k_h);
      const float* img = x + n * s.in_h * s.in_w * C;
      for (int64_t ow = 0; ow < s.out_w; ow++) {
        const int64_t iw0 = ow * s.stride_w - s.pad_left;
        const int64_t iw_lo = std::max<int64_t>(iw0, 0), iw_hi = std::min(s.in_w, iw0 + s.k_w);
        float* out = y + (row * s.out_w + ow) * C;
        for (int64_t c = 0; c < C; c++) out[c] = -std::numeric_limits<float>::infinity();
        for (int64_t ih = ih_lo; ih < ih_hi; ih++)
          for (int64_t iw = iw_lo; iw < iw_hi; iw++) {
            const float* in = img + (ih * s.in_w + iw) * C;
            for (int64_t c = 0; c < C; c++) out[c] = in[c] > out[c] ? in[c] : out[c];
          }
      }
    }
  });
}

// dx: each dy goes to the first maximum of its window in scan order (tfjs's maxPoolPositions:
// strictly greater replaces, NaN never wins, a window without a value above −∞ passes nothing).
// Bit-identical to tfjs's cpu maxPoolGrad: windows are visited in (oh, ow) order, the order in
// which it adds them, and where windows overlap the sums are kept in double precision and rounded
// once, as its JavaScript-number accumulator does (disjoint windows give each dx one term).
void max_pool_grad(const PoolShape& s, const float* x, const float* dy, float* dx) {
  const int64_t C = s.channels, image = s.in_h * s.in_w * C;
  const bool overlapping = s.stride_h < s.k_h || s.stride_w < s.k_w;
  parallel_for(s.batch, 1, [&](int64_t n0, int64_t n1) {
    float* __restrict best = thread_buffer<float, 0>(static_cast<size_t>(C));
    int32_t* __restrict where = thread_buffer<int32_t, 1>(static_cast<size_t>(C));
    double* sums = overlapping ? thread_buffer<double, 2>(static_cast<size_t>(image)) : nullptr;
    for (int64_t n = n0; n < n1; n++) {
      const float* img = x + n * image;
      float* grad = dx + n * image;
      if (overlapping) std::fill(sums, sums + image, 0.0);
      else std::memset(grad, 0, image * sizeof(float));
      for (int64_t oh = 0; oh < s.out_h; oh++) {
        const int64_t ih0 = oh * s.stride_h - s.pad_top;
        const int64_t ih_lo = std::max<int64_t>(ih0, 0), ih_hi = std::min(s.in_h, ih0 + s.k_h);
        for (int64_t ow = 0; ow < s.out_w; ow++) {
          const int64_t iw0 = ow * s.stride_w - s.pad_left;
          const int64_t iw_lo = std::max<int64_t>(iw0, 0), iw_hi = std::min(s.in_w, iw0 + s.k_w);
          for (int64_t c = 0; c < C; c++) {
            best[c] = -std::numeric_limits<float>::infinity();
            where[c] = -1;
          }
          for (int64_t ih = ih_lo; ih < ih_hi; ih++)
            for (int64_t iw = iw_lo; iw < iw_hi; iw++) {
              const int32_t pixel = static_cast<int32_t>(ih * s.in_w + iw);
              const float* in = img + static_cast<int64_t>(pixel) * C;
              // Branch-free (mask arithmetic) so that the compiler vectorises it.
              for (int64_t c = 0; c < C; c++) {
                const float v = in[c], b = best[c];
                const int32_t greater = -static_cast<int32_t>(v > b);
                best[c] = v > b ? v : b;
                where[c] = (pixel & greater) | (where[c] & ~greater);
              }
            }
          const float* g = dy + ((n * s.out_h + oh) * s.out_w + ow) * C;
          for (int64_t c = 0; c < C; c++) {
            if (where[c] < 0) continue;
            const int64_t at = static_cast<int64_t>(where[c]) * C + c;
            if (overlapping) sums[at] += g[c];
            else grad[at] += g[c];
          }
        }
      }
      if (overlapping)
        for (int64_t i = 0; i < image; i++) grad[i] = static_cast<float>(sums[i]);
    }
  });
}

// ---- bindings

// Asks for transparent huge pages under a large output before the kernel first writes it. The
// output is a new Float32Array; when its memory is fresh from mmap every 4 KB page faults on first
// touch, and on the virtual machines here a fault costs ~20 µs: 80 ms of CPU for a 16 MB
// activation, five times the convolution that fills it. With THP in 'madvise' mode (the default
// on many distributions) one fault maps 2 MB. Harmless on memory that is already mapped.
void advise_huge_pages(void* data, int64_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < static_cast<int64_t>(2 * kHuge)) return;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(data) + static_cast<uintptr_t>(bytes)) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // advisory: failure is fine
#else
  (void)data;
  (void)bytes;
#endif
}

int64_t field(const Napi::Object& o, const char* key, const char* fn, int64_t min_value) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(env, std::string(fn) + "() shape field '" + key + "' must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (d != static_cast<double>(static_cast<int64_t>(d)) || d < static_cast<double>(min_value) || d > 2147483647.0) {
    throw Napi::RangeError::New(env, std::string(fn) + "() shape field '" + key + "' must be an integer in [" + std::to_string(min_value) +
                                         ", 2^31) but got " + std::to_string(d));
  }
  return static_cast<int64_t>(d);
}

Napi::Object shape_object(const Napi::CallbackInfo& info, int index, const char* fn) {
  if (index >= static_cast<int>(info.Length()) || !info[index].IsObject()) {
    throw Napi::TypeError::New(info.Env(), arg_name(fn, index) + " must be a shape object");
  }
  return info[index].As<Napi::Object>();
}

// Throws unless every product is below 2^40 elements (no int64 overflow in the size checks).
void check_sizes(const Napi::CallbackInfo& info, const char* fn, std::initializer_list<std::initializer_list<int64_t>> products) {
  for (const auto& factors : products) {
    double size = 1;
    for (int64_t f : factors) size *= static_cast<double>(f);
    if (size >= 1099511627776.0) throw Napi::RangeError::New(info.Env(), std::string(fn) + "() shape is too large");
  }
}

ConvShape conv_shape(const Napi::CallbackInfo& info, int index, const char* fn) {
  Napi::Object o = shape_object(info, index, fn);
  ConvShape s{field(o, "batch", fn, 0),        field(o, "inHeight", fn, 0),     field(o, "inWidth", fn, 0),
              field(o, "inChannels", fn, 0),   field(o, "outHeight", fn, 0),    field(o, "outWidth", fn, 0),
              field(o, "outChannels", fn, 0),  field(o, "filterHeight", fn, 1), field(o, "filterWidth", fn, 1),
              field(o, "strideHeight", fn, 1), field(o, "strideWidth", fn, 1),  field(o, "padTop", fn, 0),
              field(o, "padLeft", fn, 0)};
  check_sizes(info, fn,
              {{s.batch, s.in_h, s.in_w, s.in_c}, {s.batch, s.out_h, s.out_w, s.out_c}, {s.batch, s.out_h, s.out_w, s.k_h, s.k_w, s.in_c},
               {s.k_h, s.k_w, s.in_c, s.out_c}});
  return s;
}

PoolShape pool_shape(const Napi::CallbackInfo& info, int index, const char* fn) {
  Napi::Object o = shape_object(info, index, fn);
  PoolShape s{field(o, "batch", fn, 0),        field(o, "inHeight", fn, 0),     field(o, "inWidth", fn, 0),
              field(o, "channels", fn, 0),     field(o, "outHeight", fn, 0),    field(o, "outWidth", fn, 0),
              field(o, "filterHeight", fn, 1), field(o, "filterWidth", fn, 1),  field(o, "strideHeight", fn, 1),
              field(o, "strideWidth", fn, 1),  field(o, "padTop", fn, 0),       field(o, "padLeft", fn, 0)};
  check_sizes(info, fn, {{s.batch, s.in_h, s.in_w, s.channels}, {s.batch, s.out_h, s.out_w, s.channels}});
  return s;
}

// conv2d(x, filter, y, shape)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  const char* fn = "conv2d";
  const ConvShape s = conv_shape(info, 3, fn);
  const float* x = f32(info, 0, fn, s.in_size());
  const float* w = f32(info, 1, fn, s.filter_size());
  float* y = f32(info, 2, fn, s.out_size());
  advise_huge_pages(y, s.out_size() * sizeof(float));
  conv_forward(s, x, w, y);
  return info.Env().Undefined();
}

// conv2dBackpropInput(dy, filter, dx, shape)
Napi::Value Conv2dBackpropInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackpropInput";
  const ConvShape s = conv_shape(info, 3, fn);
  const float* dy = f32(info, 0, fn, s.out_size());
  const float* w = f32(info, 1, fn, s.filter_size());
  float* dx = f32(info, 2, fn, s.in_size());
  advise_huge_pages(dx, s.in_size() * sizeof(float));
  conv_backprop_input(s, dy, w, dx);
  return info.Env().Undefined();
}

// conv2dBackpropFilter(x, dy, dFilter, shape)
Napi::Value Conv2dBackpropFilter(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackpropFilter";
  const ConvShape s = conv_shape(info, 3, fn);
  const float* x = f32(info, 0, fn, s.in_size());
  const float* dy = f32(info, 1, fn, s.out_size());
  float* dw = f32(info, 2, fn, s.filter_size());
  conv_backprop_filter(s, x, dy, dw);
  return info.Env().Undefined();
}

// maxPool(x, y, shape)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool";
  const PoolShape s = pool_shape(info, 2, fn);
  const float* x = f32(info, 0, fn, s.in_size());
  float* y = f32(info, 1, fn, s.out_size());
  advise_huge_pages(y, s.out_size() * sizeof(float));
  max_pool(s, x, y);
  return info.Env().Undefined();
}

// maxPoolGrad(x, dy, dx, shape)
Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  const char* fn = "maxPoolGrad";
  const PoolShape s = pool_shape(info, 3, fn);
  if (s.in_h * s.in_w > std::numeric_limits<int32_t>::max()) {
    throw Napi::RangeError::New(info.Env(), "maxPoolGrad() needs an image of fewer than 2^31 pixels");
  }
  const float* x = f32(info, 0, fn, s.in_size());
  const float* dy = f32(info, 1, fn, s.out_size());
  float* dx = f32(info, 2, fn, s.in_size());
  advise_huge_pages(dx, s.in_size() * sizeof(float));
  max_pool_grad(s, x, dy, dx);
  return info.Env().Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2d", Napi::Function::New(env, Conv2d, "conv2d"));
  exports.Set("conv2dBackpropInput", Napi::Function::New(env, Conv2dBackpropInput, "conv2dBackpropInput"));
  exports.Set("conv2dBackpropFilter", Napi::Function::New(env, Conv2dBackpropFilter, "conv2dBackpropFilter"));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool, "maxPool"));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad, "maxPoolGrad"));
}

}  // namespace rigl

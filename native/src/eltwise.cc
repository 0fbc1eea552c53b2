// Elementwise, reduction and layout kernels of the native backend (trainers/backends/native/
// eltwise-kernels.ts): binary arithmetic with one-sided broadcasting, unary maths, Sum / Mean / Max
// over contiguous axes, and Transpose of any permutation.
//
// The loops (eltwise_loops.inc) are compiled once per ISA and picked by active_isa(). Work is split
// over threads only for tensors of at least kParallelElements, and only over independent outputs,
// so results are identical at any thread count. Results equal tfjs's cpu backend bit for bit except
// for Exp and Log, which call the C library's exp / log in double (tfjs: Math.exp / Math.log), and
// Sum / Mean of rows of 1024 values or more, summed in interleaved double partial sums (see
// SumReducer); both can differ from it in the last float32 bit.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "cpu.h"
#include "napi_util.h"
#include "parallel.h"

namespace rigl {
namespace {

// Below this many elements a kernel runs on the calling thread. These loops are memory-bound: one
// core does 64K elements in 3-5 µs and 256K in ~20-25 µs (Zen 5, AVX-512), while handing a chunk
// to a pool thread costs a few µs when the worker is spinning and ~60 µs when it must be scheduled
// (measured on the 2-vCPU development VM under load), so only work of 1 MB per operand and up is
// split.
constexpr int64_t kParallelElements = 1 << 18;

// ---- the ops, as the cpu backend computes them (double-rounded to float32 where it matters).

struct AddOp { static float apply(float a, float b) { return a + b; } };
struct SubOp { static float apply(float a, float b) { return a - b; } };
struct MulOp { static float apply(float a, float b) { return a * b; } };
struct DivOp { static float apply(float a, float b) { return a / b; } };
// Math.max / Math.min: NaN when either is NaN, and max(+0, −0) = +0, min(+0, −0) = −0.
struct MaxOp {
  static float apply(float a, float b) {
    if (a != a || b != b) return a + b;
    return a > b ? a : b > a ? b : (std::signbit(a) ? b : a);
  }
};
struct MinOp {
  static float apply(float a, float b) {
    if (a != a || b != b) return a + b;
    return a < b ? a : b < a ? b : (std::signbit(a) ? a : b);
  }
};

// Math.max(0, x): NaN stays NaN, −0 becomes +0.
struct ReluOp { static float apply(float x, float) { return (x > 0.0f || x != x) ? x : 0.0f; } };
struct StepOp { static float apply(float x, float alpha) { return x != x ? x : (x > 0.0f ? 1.0f : alpha); } };
struct NegOp { static float apply(float x, float) { return x * -1.0f; } };
struct ExpOp { static float apply(float x, float) { return static_cast<float>(std::exp(static_cast<double>(x))); } };
struct LogOp { static float apply(float x, float) { return static_cast<float>(std::log(static_cast<double>(x))); } };
struct SqrtOp { static float apply(float x, float) { return std::sqrt(x); } };
struct RsqrtOp { static float apply(float x, float) { return static_cast<float>(1.0 / std::sqrt(static_cast<double>(x))); } };
struct SquareOp { static float apply(float x, float) { return x * x; } };
struct AbsOp { static float apply(float x, float) { return std::fabs(x); } };
struct ReciprocalOp { static float apply(float x, float) { return 1.0f / x; } };

// Reducers: Sum accumulates in double (the cpu backend's JS numbers); Mean sums x / n, each
// quotient rounded to float32 (the cpu backend divides, then sums); Max keeps NaN once seen.
// kInterleave: whether a long row (kLongRow values or more) may be summed in kLanes interleaved
// partial sums, combined in a fixed order (vectorised; the same at any thread count). In double,
// that differs from the cpu backend's sequential sum by far less than float32's rounding, so the
// float32 results agree except when the exact sum lies within ~1e-9 relative of a rounding tie.
// Max stays sequential: which of +0 and −0 it keeps depends on the order.
struct SumReducer {
  static constexpr bool kInterleave = true;
  using Acc = double;
  static Acc init(float) { return 0.0; }
  static Acc add(Acc acc, float x, float) { return acc + static_cast<double>(x); }
  static float result(Acc acc) { return static_cast<float>(acc); }
};
struct MeanReducer {
  static constexpr bool kInterleave = true;
  using Acc = double;
  static Acc init(float) { return 0.0; }
  static Acc add(Acc acc, float x, float count) { return acc + static_cast<double>(x / count); }
  static float result(Acc acc) { return static_cast<float>(acc); }
};
struct MaxReducer {
  static constexpr bool kInterleave = false;
  using Acc = float;
  static Acc init(float first) { return first; }
  static Acc add(Acc acc, float x, float) { return (x != x || x > acc) ? x : acc; }
  static float result(Acc acc) { return acc; }
};

// Op codes shared with eltwise-bindings.ts (EltwiseBinaryOp, EltwiseUnaryOp, EltwiseReduceOp).
enum BinaryCode { kAdd = 0, kSub = 1, kMul = 2, kDiv = 3, kMax = 4, kMin = 5, kBinaryCount = 6 };
enum UnaryCode {
  kRelu = 0, kStep = 1, kNeg = 2, kExp = 3, kLog = 4, kSqrt = 5, kRsqrt = 6, kSquare = 7, kAbs = 8, kReciprocal = 9, kUnaryCount = 10
};
enum ReduceCode { kSum = 0, kMean = 1, kMaxReduce = 2, kReduceCount = 3 };

using BinaryVVFn = void (*)(const float*, const float*, float*, int64_t);
using BinaryBroadcastFn = void (*)(const float*, const float*, float*, int64_t, int64_t, bool, int64_t, int64_t);
using UnaryFn = void (*)(const float*, float*, int64_t, float);
using ReduceFn = void (*)(const float*, float*, int64_t, int64_t, float, int64_t, int64_t);
using TransposeTileFn = void (*)(const float*, int64_t, float*, int64_t, int64_t, int64_t);

struct Kernels {
  BinaryVVFn binary_vv[kBinaryCount];
  BinaryBroadcastFn binary_broadcast[kBinaryCount];
  UnaryFn unary[kUnaryCount];
  ReduceFn reduce[kReduceCount];
  TransposeTileFn transpose_tile;
};

#define RIGL_ELTWISE_TABLE                                                                                                             \
  Kernels table() {                                                                                                                   \
    return Kernels{                                                                                                                   \
        {binary_vv<AddOp>, binary_vv<SubOp>, binary_vv<MulOp>, binary_vv<DivOp>, binary_vv<MaxOp>, binary_vv<MinOp>},                 \
        {binary_broadcast<AddOp>, binary_broadcast<SubOp>, binary_broadcast<MulOp>, binary_broadcast<DivOp>, binary_broadcast<MaxOp>, \
         binary_broadcast<MinOp>},                                                                                                     \
        {unary_range<ReluOp>, unary_range<StepOp>, unary_range<NegOp>, unary_range<ExpOp>, unary_range<LogOp>, unary_range<SqrtOp>,  \
         unary_range<RsqrtOp>, unary_range<SquareOp>, unary_range<AbsOp>, unary_range<ReciprocalOp>},                                  \
        {reduce_range<SumReducer>, reduce_range<MeanReducer>, reduce_range<MaxReducer>},                                             \
        transpose_tile,                                                                                                               \
    };                                                                                                                                \
  }

namespace generic {
#include "eltwise_loops.inc"
RIGL_ELTWISE_TABLE
}  // namespace generic

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
#include "eltwise_loops.inc"
RIGL_ELTWISE_TABLE
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,fma,avx2,prefer-vector-width=512")
namespace avx512 {
#include "eltwise_loops.inc"
RIGL_ELTWISE_TABLE
}  // namespace avx512
#pragma GCC pop_options
#endif

const Kernels& kernels() {
  static const Kernels k = [] {
#if defined(__x86_64__)
    switch (active_isa()) {
      case Isa::Avx512: return avx512::table();
      case Isa::Avx2: return avx2::table();
      default: break;
    }
#endif
    return generic::table();
  }();
  return k;
}

// fn(begin, end) over [0, n), on the pool when `elements` (the work's size) is large. Chunks are
// multiples of `grain` so that vector loops see whole blocks.
template <class Fn>
void split(int64_t n, int64_t elements, int64_t grain, const Fn& fn) {
  if (elements < kParallelElements || num_threads() == 1) {
    fn(int64_t{0}, n);
    return;
  }
  parallel_for(n, grain, [&](int64_t b, int64_t e) { fn(b, e); });
}

int64_t op_code(const Napi::CallbackInfo& info, int index, const char* fn, int64_t count) {
  int64_t code = integer(info, index, fn);
  if (code >= count) throw Napi::RangeError::New(info.Env(), arg_name(fn, index) + " is not a known op code");
  return code;
}

// binary(op, a, b, out, outer, mid, inner, broadcast): out has shape [outer, mid, inner].
//   broadcast 0: a and b have out's shape;  1: a is [outer, inner], repeated over mid;  2: b is.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  int64_t op = op_code(info, 0, fn, kBinaryCount);
  int64_t outer = integer(info, 4, fn), mid = integer(info, 5, fn), inner = integer(info, 6, fn);
  int64_t broadcast = integer(info, 7, fn);
  if (broadcast > 2) throw Napi::RangeError::New(info.Env(), arg_name(fn, 7) + " must be 0, 1 or 2");
  int64_t n = outer * mid * inner;
  int64_t small = outer * inner;
  const float* a = f32(info, 1, fn, broadcast == 1 ? small : n);
  const float* b = f32(info, 2, fn, broadcast == 2 ? small : n);
  float* out = f32(info, 3, fn, n);
  if (n == 0) return info.Env().Undefined();
  const Kernels& k = kernels();
  if (broadcast == 0) {
    BinaryVVFn f = k.binary_vv[op];
    split(n, n, 64, [&](int64_t s, int64_t e) { f(a + s, b + s, out + s, e - s); });
  } else {
    BinaryBroadcastFn f = k.binary_broadcast[op];
    const float* full = broadcast == 1 ? b : a;
    const float* part = broadcast == 1 ? a : b;
    split(n, n, 64, [&](int64_t s, int64_t e) { f(full, part, out, mid, inner, broadcast == 1, s, e); });
  }
  return info.Env().Undefined();
}

// unary(op, x, out, n, alpha): out[i] = op(x[i]); alpha is Step's value for x <= 0.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  int64_t op = op_code(info, 0, fn, kUnaryCount);
  int64_t n = integer(info, 3, fn);
  const float* x = f32(info, 1, fn, n);
  float* out = f32(info, 2, fn, n);
  float alpha = static_cast<float>(number(info, 4, fn));
  UnaryFn f = kernels().unary[op];
  split(n, n, 64, [&](int64_t s, int64_t e) { f(x + s, out + s, e - s, alpha); });
  return info.Env().Undefined();
}

// reduce(op, x, out, outer, r, inner): out[o, i] = op over k < r of x[o, k, i].
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  int64_t op = op_code(info, 0, fn, kReduceCount);
  int64_t outer = integer(info, 3, fn), r = integer(info, 4, fn, 1), inner = integer(info, 5, fn);
  const float* x = f32(info, 1, fn, outer * r * inner);
  float* out = f32(info, 2, fn, outer * inner);
  ReduceFn f = kernels().reduce[op];
  float count = static_cast<float>(r);
  split(outer * inner, outer * r * inner, inner == 1 ? 4 : 16, [&](int64_t s, int64_t e) { f(x, out, r, inner, count, s, e); });
  return info.Env().Undefined();
}

constexpr int kMaxRank = 8;

// transpose(x, out, rank, dims): dims holds x's shape in [0, rank) and the permutation in
// [rank, 2·rank); out[..., i_perm[k], ...] layout as tf.transpose. Axes that stay adjacent are
// merged first; then the output is walked in order, and the output axis that reads x's last (unit
// stride) axis is copied together with the output's last axis as 2-D tiles.
Napi::Value Transpose(const Napi::CallbackInfo& info) {
  const char* fn = "transpose";
  Napi::Env env = info.Env();
  int64_t rank = integer(info, 2, fn, 1);
  if (rank > kMaxRank) throw Napi::RangeError::New(env, arg_name(fn, 2) + " must be <= " + std::to_string(kMaxRank));
  const int32_t* spec = i32(info, 3, fn, 2 * rank);
  int64_t shape[kMaxRank], perm[kMaxRank];
  int64_t n = 1;
  bool seen[kMaxRank] = {};
  for (int64_t d = 0; d < rank; d++) {
    shape[d] = spec[d];
    perm[d] = spec[rank + d];
    if (shape[d] < 0 || perm[d] < 0 || perm[d] >= rank || seen[perm[d]]) throw Napi::RangeError::New(env, arg_name(fn, 3) + " is not a shape and a permutation");
    seen[perm[d]] = true;
    n *= shape[d];
  }
  const float* x = f32(info, 0, fn, n);
  float* out = f32(info, 1, fn, n);
  if (n == 0) return env.Undefined();

  // Drop unit axes, then merge input axes that follow each other in the output order too.
  int64_t in_stride[kMaxRank];
  {
    int64_t s = 1;
    for (int64_t d = rank - 1; d >= 0; d--) {
      in_stride[d] = s;
      s *= shape[d];
    }
  }
  int64_t dims[kMaxRank], strides[kMaxRank];  // per output axis: length, stride in x
  int64_t r = 0;
  for (int64_t k = 0; k < rank; k++) {
    int64_t d = perm[k];
    if (shape[d] == 1) continue;
    if (r > 0 && strides[r - 1] == in_stride[d] * shape[d]) {
      dims[r - 1] *= shape[d];
      strides[r - 1] = in_stride[d];
    } else {
      dims[r] = shape[d];
      strides[r] = in_stride[d];
      r++;
    }
  }
  if (r <= 1) {
    std::memcpy(out, x, n * sizeof(float));
    return env.Undefined();
  }
  int64_t out_stride[kMaxRank];
  {
    int64_t s = 1;
    for (int64_t k = r - 1; k >= 0; k--) {
      out_stride[k] = s;
      s *= dims[k];
    }
  }
  int64_t last = r - 1;
  if (strides[last] == 1) {
    // x's last axis stays last: contiguous rows of dims[last] values.
    int64_t rows = n / dims[last];
    int64_t len = dims[last];
    split(rows, n, 1, [&](int64_t b, int64_t e) {
      for (int64_t row = b; row < e; row++) {
        int64_t rem = row, src = 0;
        for (int64_t k = last - 1; k >= 0; k--) {
          int64_t i = rem % dims[k];
          rem /= dims[k];
          src += i * strides[k];
        }
        std::memcpy(out + row * len, x + src, len * sizeof(float));
      }
    });
    return env.Undefined();
  }
  // The output axis q reads x's unit-stride axis; tiles of [dims[q] × dims[last]] go through
  // transpose_tile (reading along q, writing along last). The other axes are walked one by one,
  // each walk step cut into blocks of kRowsPerTask values along q for the thread split.
  int64_t q = 0;
  while (strides[q] != 1) q++;
  constexpr int64_t kRowsPerTask = 64;
  int64_t q_blocks = (dims[q] + kRowsPerTask - 1) / kRowsPerTask;
  int64_t others = n / (dims[q] * dims[last]);
  TransposeTileFn tile = kernels().transpose_tile;
  split(others * q_blocks, n, 1, [&](int64_t b, int64_t e) {
    for (int64_t task = b; task < e; task++) {
      int64_t rem = task / q_blocks;
      int64_t q0 = (task % q_blocks) * kRowsPerTask;
      int64_t src = 0, dst = 0;
      for (int64_t k = last - 1; k >= 0; k--) {
        if (k == q) continue;
        int64_t i = rem % dims[k];
        rem /= dims[k];
        src += i * strides[k];
        dst += i * out_stride[k];
      }
      int64_t q_len = std::min(kRowsPerTask, dims[q] - q0);
      // Element (i along last, j along q) is x[src + q0 + i·strides[last] + j] and
      // out[dst + (q0 + j)·out_stride[q] + i]: a tile of dims[last] rows by q_len columns.
      tile(x + src + q0, strides[last], out + dst + q0 * out_stride[q], out_stride[q], dims[last], q_len);
    }
  });
  return env.Undefined();
}

}  // namespace

void register_eltwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("reduce", Napi::Function::New(env, Reduce, "reduce"));
  exports.Set("transpose", Napi::Function::New(env, Transpose, "transpose"));
}

}  // namespace rigl

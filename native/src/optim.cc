// The fused SGD step (trainers/optim/sgd.ts), in place on one parameter, PyTorch semantics:
//   g ← ∇ + λ·w;  masked layers: g ← g·m (unless dense momentum);  v ← μ·v + g (v ← g when μ = 0);
//   u ← nesterov ? g + μ·v : v;  dense momentum: u ← u·m;  w ← w − lr·u
// Every operation is one float32 operation, in the order the tensor path of sgd.ts performs them
// (generic code: no FMA contraction), so the result is bit-identical to that path.
#include <algorithm>
#include <cstdint>
#include <string>

#include "napi_util.h"
#include "optim.h"
#include "parallel.h"

namespace rigl {

// Kept out of line (see optim.h): callers compiled for AVX-512 must not contract it into FMAs.
__attribute__((noinline)) void sgd_active_row(const SgdHyper& h, float* w_row, float* v_row, const int32_t* columns, const float* grads,
                                              int64_t count) {
  const bool decay = h.weight_decay != 0.0f;
  for (int64_t k = 0; k < count; k++) {
    const int64_t j = columns[k];
    float g = grads[k];
    if (decay) g = g + w_row[j] * h.weight_decay;
    const float v = h.mu == 0.0f ? g : v_row[j] * h.mu + g;
    v_row[j] = v;
    const float u = h.nesterov ? g + v * h.mu : v;
    w_row[j] = w_row[j] - u * h.lr;
  }
}

namespace {

struct SgdArgs {
  float* w;
  const float* grad;
  float* v;
  const float* mask;  // null: dense parameter
  float lr, mu, weight_decay;
  bool decay, nesterov, dense_momentum;
};

void sgd_range(const SgdArgs& a, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; i++) {
    float g = a.grad[i];
    if (a.decay) g = g + a.w[i] * a.weight_decay;
    if (a.mask != nullptr && !a.dense_momentum) g = g * a.mask[i];
    float v = a.mu == 0.0f ? g : a.v[i] * a.mu + g;
    a.v[i] = v;
    float u = a.nesterov ? g + v * a.mu : v;
    if (a.mask != nullptr && a.dense_momentum) u = u * a.mask[i];
    a.w[i] = a.w[i] - u * a.lr;
  }
}

// sgdStep(w, grad, momentum, mask | null, size, lr, mu, weightDecay (0 = none), nesterov, denseMomentum)
Napi::Value SgdStep(const Napi::CallbackInfo& info) {
  const char* fn = "sgdStep";
  int64_t size = integer(info, 4, fn);
  SgdArgs a{};
  a.w = f32(info, 0, fn, size);
  a.grad = f32(info, 1, fn, size);
  a.v = f32(info, 2, fn, size);
  a.mask = info[3].IsNull() ? nullptr : f32(info, 3, fn, size);
  a.lr = static_cast<float>(number(info, 5, fn));
  a.mu = static_cast<float>(number(info, 6, fn));
  a.weight_decay = static_cast<float>(number(info, 7, fn));
  a.decay = a.weight_decay != 0.0f;
  a.nesterov = boolean(info, 8, fn);
  a.dense_momentum = boolean(info, 9, fn);
  parallel_for(size, 65536, [&](int64_t b, int64_t e) { sgd_range(a, b, e); });
  return info.Env().Undefined();
}

// sgdStepRows(w, grad, momentum, mask, rowStarts, rowColumns, inputs, outputs, lr, mu, weightDecay,
//             nesterov): the same step on the active entries of a masked [inputs, outputs] weight
// only, listed by row (CSR: row i's active columns rowColumns[rowStarts[i] .. rowStarts[i+1]]).
// Valid when the gradient is exactly 0 off the mask (the sparse kernels' weight gradient) and the
// weight and its momentum are 0 there (sparse training's invariant): then every skipped entry's
// update is 0 → 0, so the result equals sgdStep over the whole array (bit for bit on active
// entries; a skipped zero keeps its sign, where the full step could turn −0 into +0). The layout
// must have been built from this mask: every listed entry is taken as active (mask 1, which leaves
// g unchanged, so the mask is checked for size but not read).
Napi::Value SgdStepRows(const Napi::CallbackInfo& info) {
  const char* fn = "sgdStepRows";
  int64_t inputs = integer(info, 6, fn), outputs = integer(info, 7, fn);
  int64_t size = inputs * outputs;
  SgdArgs a{};
  a.w = f32(info, 0, fn, size);
  a.grad = f32(info, 1, fn, size);
  a.v = f32(info, 2, fn, size);
  a.mask = f32(info, 3, fn, size);
  const int32_t* row_starts = i32(info, 4, fn, inputs + 1);
  int64_t nnz = row_starts[inputs];
  const int32_t* row_columns = i32(info, 5, fn, nnz);
  if (row_starts[0] != 0) throw Napi::RangeError::New(info.Env(), "sgdStepRows() rowStarts[0] must be 0");
  for (int64_t i = 0; i < inputs; i++) {
    if (row_starts[i + 1] < row_starts[i]) throw Napi::RangeError::New(info.Env(), "sgdStepRows() rowStarts must not decrease");
  }
  // Without an early exit (vectorised); the bad entry is looked for only when there is one.
  int32_t out_of_range = 0;
  for (int64_t k = 0; k < nnz; k++) out_of_range |= static_cast<int32_t>(row_columns[k] < 0) | static_cast<int32_t>(row_columns[k] >= outputs);
  for (int64_t k = 0; out_of_range != 0 && k < nnz; k++) {
    if (row_columns[k] < 0 || row_columns[k] >= outputs) {
      throw Napi::RangeError::New(info.Env(), "sgdStepRows() rowColumns[" + std::to_string(k) + "] is outside [0, outputs)");
    }
  }
  const SgdHyper h{static_cast<float>(number(info, 8, fn)), static_cast<float>(number(info, 9, fn)),
                   static_cast<float>(number(info, 10, fn)), boolean(info, 11, fn)};
  // The mask is 1 at every listed entry, so it is not read (g·1 = g).
  parallel_for(inputs, 64, [&](int64_t r0, int64_t r1) {
    float grads[64];
    for (int64_t i = r0; i < r1; i++) {
      const float* g_row = a.grad + i * outputs;
      for (int32_t k0 = row_starts[i]; k0 < row_starts[i + 1]; k0 += 64) {
        const int64_t count = std::min<int64_t>(64, row_starts[i + 1] - k0);
        for (int64_t k = 0; k < count; k++) grads[k] = g_row[row_columns[k0 + k]];
        sgd_active_row(h, a.w + i * outputs, a.v + i * outputs, row_columns + k0, grads, count);
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep"));
  exports.Set("sgdStepRows", Napi::Function::New(env, SgdStepRows, "sgdStepRows"));
}

}  // namespace rigl

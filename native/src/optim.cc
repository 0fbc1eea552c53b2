// The fused SGD step (trainers/optim/sgd.ts), in place on one parameter, PyTorch semantics:
//   g ← ∇ + λ·w;  masked layers: g ← g·m (unless dense momentum);  v ← μ·v + g (v ← g when μ = 0);
//   u ← nesterov ? g + μ·v : v;  dense momentum: u ← u·m;  w ← w − lr·u
// Every operation is one float32 operation, in the order the tensor path of sgd.ts performs them
// (generic code: no FMA contraction), so the result is bit-identical to that path.
#include <cstdint>

#include "napi_util.h"
#include "parallel.h"

namespace rigl {
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

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) { exports.Set("sgdStep", Napi::Function::New(env, SgdStep, "sgdStep")); }

}  // namespace rigl

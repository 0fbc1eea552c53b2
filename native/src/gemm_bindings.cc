// JS bindings of gemm.h.
//   gemm(transA, transB, M, N, K, a, b, c, accumulate): c[M×N] = op(a)·op(b) (+ c), row-major,
//   batched when a, b and c hold `batch` consecutive matrices: batchedGemm(batch, transA, transB,
//   M, N, K, a, b, c, accumulate, aBatchStride, bBatchStride) (stride 0 broadcasts that operand).
#include "gemm.h"
#include "napi_util.h"

namespace rigl {
namespace {

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  bool ta = boolean(info, 0, fn), tb = boolean(info, 1, fn);
  int64_t M = integer(info, 2, fn), N = integer(info, 3, fn), K = integer(info, 4, fn);
  const float* a = f32(info, 5, fn, M * K);
  const float* b = f32(info, 6, fn, K * N);
  float* c = f32(info, 7, fn, M * N);
  bool accumulate = boolean(info, 8, fn);
  sgemm(ta, tb, M, N, K, a, ta ? M : K, b, tb ? K : N, c, N, accumulate);
  return info.Env().Undefined();
}

Napi::Value BatchedGemm(const Napi::CallbackInfo& info) {
  const char* fn = "batchedGemm";
  int64_t batch = integer(info, 0, fn);
  bool ta = boolean(info, 1, fn), tb = boolean(info, 2, fn);
  int64_t M = integer(info, 3, fn), N = integer(info, 4, fn), K = integer(info, 5, fn);
  int64_t a_stride = integer(info, 10, fn), b_stride = integer(info, 11, fn);
  if (batch == 0) return info.Env().Undefined();
  const float* a = f32(info, 6, fn, a_stride * (batch - 1) + M * K);
  const float* b = f32(info, 7, fn, b_stride * (batch - 1) + K * N);
  float* c = f32(info, 8, fn, batch * M * N);
  bool accumulate = boolean(info, 9, fn);
  for (int64_t i = 0; i < batch; i++) {
    sgemm(ta, tb, M, N, K, a + i * a_stride, ta ? M : K, b + i * b_stride, tb ? K : N, c + i * M * N, N, accumulate);
  }
  return info.Env().Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("batchedGemm", Napi::Function::New(env, BatchedGemm, "batchedGemm"));
}

}  // namespace rigl

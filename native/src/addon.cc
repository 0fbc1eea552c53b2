// The rigl_native addon: CPU kernels for the trainer's `native` backend (trainers/backends/native/).
// This file only assembles the module; each kernel family registers its own functions.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cpu.h"
#include "napi_util.h"
#include "parallel.h"

namespace rigl {
namespace {

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("isa", isa_name(active_isa()));
  out.Set("bestIsa", isa_name(best_supported_isa()));
  out.Set("threads", num_threads());
#if defined(__VERSION__)
  out.Set("compiler", __VERSION__);
#endif
  return out;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  set_num_threads(static_cast<int>(integer(info, 0, "setThreads", 1)));
  return Napi::Number::New(info.Env(), num_threads());
}

// Tensor outputs are fresh typed arrays; glibc serves large ones with a new mmap each time, and
// every first touch of a page then faults (about 20 µs per 4 KiB page on these VMs: filling a
// 16 MB output cost five times the convolution computing it). Keeping large blocks in the heap
// and not trimming it lets freed activations be reused page-fault free, at the price of the
// process keeping its peak heap. Only with glibc; elsewhere the allocator's defaults stand.
void keep_large_allocations_in_heap() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 512 << 20);
  mallopt(M_TRIM_THRESHOLD, 1024 << 20);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  keep_large_allocations_in_heap();
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  register_gemm(env, exports);
  register_conv(env, exports);
  register_sparse(env, exports);
  register_eltwise(env, exports);
  register_optim(env, exports);
  return exports;
}

}  // namespace
}  // namespace rigl

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return rigl::Init(env, exports); }

NODE_API_MODULE(rigl_native, InitModule)

// The rigl_native addon: CPU kernels for the trainer's `native` backend (trainers/backends/native/).
// This file only assembles the module; each kernel family registers its own functions.
#include <napi.h>

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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
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

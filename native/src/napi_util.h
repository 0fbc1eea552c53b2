// Argument checks shared by the bindings: every binding takes its tensors as Float32Array /
// Int32Array views that JS allocated (outputs included), plus plain numbers and booleans. A wrong
// argument throws a JS TypeError or RangeError naming the function and the argument.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace rigl {

inline std::string arg_name(const char* fn, int index) { return std::string(fn) + "() argument " + std::to_string(index); }

template <typename T, napi_typedarray_type Kind>
inline T* typed_array(const Napi::CallbackInfo& info, int index, const char* fn, int64_t min_length) {
  Napi::Env env = info.Env();
  if (index >= static_cast<int>(info.Length()) || !info[index].IsTypedArray()) {
    throw Napi::TypeError::New(env, arg_name(fn, index) + " must be a typed array");
  }
  Napi::TypedArray array = info[index].As<Napi::TypedArray>();
  if (array.TypedArrayType() != Kind) {
    throw Napi::TypeError::New(env, arg_name(fn, index) + (Kind == napi_float32_array ? " must be a Float32Array" : " must be an Int32Array"));
  }
  if (static_cast<int64_t>(array.ElementLength()) < min_length) {
    throw Napi::RangeError::New(env, arg_name(fn, index) + " holds " + std::to_string(array.ElementLength()) + " elements but needs " +
                                         std::to_string(min_length));
  }
  auto* base = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  return reinterpret_cast<T*>(base);
}

inline float* f32(const Napi::CallbackInfo& info, int index, const char* fn, int64_t min_length) {
  return typed_array<float, napi_float32_array>(info, index, fn, min_length);
}

inline int32_t* i32(const Napi::CallbackInfo& info, int index, const char* fn, int64_t min_length) {
  return typed_array<int32_t, napi_int32_array>(info, index, fn, min_length);
}

inline int64_t integer(const Napi::CallbackInfo& info, int index, const char* fn, int64_t min_value = 0) {
  Napi::Env env = info.Env();
  if (index >= static_cast<int>(info.Length()) || !info[index].IsNumber()) {
    throw Napi::TypeError::New(env, arg_name(fn, index) + " must be a number");
  }
  double v = info[index].As<Napi::Number>().DoubleValue();
  if (v != static_cast<double>(static_cast<int64_t>(v)) || v < static_cast<double>(min_value)) {
    throw Napi::RangeError::New(env, arg_name(fn, index) + " must be an integer >= " + std::to_string(min_value));
  }
  return static_cast<int64_t>(v);
}

inline double number(const Napi::CallbackInfo& info, int index, const char* fn) {
  if (index >= static_cast<int>(info.Length()) || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), arg_name(fn, index) + " must be a number");
  }
  return info[index].As<Napi::Number>().DoubleValue();
}

inline bool boolean(const Napi::CallbackInfo& info, int index, const char* fn) {
  if (index >= static_cast<int>(info.Length()) || !info[index].IsBoolean()) {
    throw Napi::TypeError::New(info.Env(), arg_name(fn, index) + " must be a boolean");
  }
  return info[index].As<Napi::Boolean>().Value();
}

// Each source file with bindings exports one of these; addon.cc calls them all.
void register_gemm(Napi::Env env, Napi::Object exports);
void register_conv(Napi::Env env, Napi::Object exports);
void register_sparse(Napi::Env env, Napi::Object exports);
void register_eltwise(Napi::Env env, Napi::Object exports);
void register_optim(Napi::Env env, Napi::Object exports);

}  // namespace rigl

#include "napi_util.h"

namespace rigl {

void register_conv(Napi::Env, Napi::Object) {}

}  // namespace rigl

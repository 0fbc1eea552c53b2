#include "napi_util.h"

namespace rigl {

void register_sparse(Napi::Env, Napi::Object) {}

}  // namespace rigl

#include "cpu.h"

#include <cstdlib>
#include <cstring>

namespace rigl {

Isa best_supported_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma")) {
    return Isa::Avx512;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Isa::Avx2;
#endif
  return Isa::Generic;
}

static Isa detect() {
  Isa best = best_supported_isa();
  const char* forced = std::getenv("RIGL_NATIVE_ISA");
  if (forced == nullptr || *forced == '\0') return best;
  Isa wanted = best;
  if (std::strcmp(forced, "generic") == 0) wanted = Isa::Generic;
  else if (std::strcmp(forced, "avx2") == 0) wanted = Isa::Avx2;
  else if (std::strcmp(forced, "avx512") == 0) wanted = Isa::Avx512;
  return static_cast<int>(wanted) < static_cast<int>(best) ? wanted : best;
}

Isa active_isa() {
  static const Isa isa = detect();
  return isa;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "generic";
  }
}

}  // namespace rigl

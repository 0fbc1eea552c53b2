// Which vector ISA the kernels use on this CPU, chosen once at load time.
//
// Every kernel with a hand-vectorised body is compiled three times (generic C++, AVX2+FMA,
// AVX-512F) inside one binary with `#pragma GCC target`, and the CPU's features pick one at run
// time, so one build runs on any x86-64 (and non-x86 builds use the generic body). The environment
// variable RIGL_NATIVE_ISA=generic|avx2|avx512 lowers the choice (never raises it above what the
// CPU has); tests use it to check every body against the others.
#pragma once

namespace rigl {

enum class Isa { Generic = 0, Avx2 = 1, Avx512 = 2 };

// The ISA in use (detected once; thread-safe after the first call from the main thread).
Isa active_isa();
const char* isa_name(Isa isa);
// What the CPU supports, ignoring RIGL_NATIVE_ISA.
Isa best_supported_isa();

}  // namespace rigl

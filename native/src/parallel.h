// A small fixed pool of worker threads for the kernels (the main thread takes part).
//
// Determinism: `parallel_for` hands out contiguous, index-ordered chunks, and every kernel splits
// only over independent outputs (rows or column panels of a product, images of a batch), never
// over a sum. So a kernel's result does not depend on the thread count: the native backend is
// bit-exact at any number of threads (on the same CPU and ISA).
#pragma once

#include <cstdint>
#include <functional>

namespace rigl {

// Threads used by parallel_for, main thread included (1 = everything on the caller).
int num_threads();
// Sets the pool size (clamped to 1..256); starts or stops workers. Call from the JS thread only.
void set_num_threads(int threads);

// Runs fn(begin, end) over [0, n) split into at most num_threads() contiguous chunks of whole
// `grain`-sized blocks. The chunks are fixed; the threads (the caller included) claim them as they
// come, so a worker slow to wake costs no more than running the job on the caller alone. Runs
// inline when there is one thread or n <= grain. An exception from fn is rethrown on the caller
// after every chunk has finished. Not reentrant: fn must not call parallel_for.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace rigl

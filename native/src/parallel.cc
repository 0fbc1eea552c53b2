#include "parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace rigl {
namespace {

// Workers spin briefly on the job state before sleeping: kernels come in quick succession during a
// training step, and a condition-variable wake-up costs more than a small kernel. The spin is short
// (about 50 µs) so that an idle pool does not hold a core that another process wants.
constexpr auto kSpin = std::chrono::microseconds(50);

// The job state in one atomic word: the job's number in the high 32 bits, its chunk count in the
// next 16 and the next unclaimed chunk in the low 16. A thread claims a chunk with a
// compare-and-swap of the whole word, so a worker that wakes late can never claim a chunk of a job
// that has already finished (its word says every chunk is taken) or read a job being set up.
constexpr int kJobShift = 32;
constexpr int kCountShift = 16;
constexpr uint64_t kFieldMask = 0xFFFF;
constexpr uint64_t kJobMask = 0xFFFFFFFF;

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> state{0};
  std::atomic<int64_t> completed{0};
  std::atomic<bool> stopping{false};
  // The current job: written by the caller before it publishes the job in `state`, read by a thread
  // only after it has claimed one of the job's chunks (the job cannot finish, and the caller cannot
  // overwrite these, while a claimed chunk is running).
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  int size = 1;
  // The first exception a chunk of the current job threw (rethrown by the caller once every chunk
  // has finished, so that no thread is still inside the job when parallel_for returns).
  std::mutex error_mutex;
  std::exception_ptr error;

  // Claims and runs chunks of the job numbered `job` until none is left.
  void run_chunks(uint64_t job) {
    uint64_t s = state.load(std::memory_order_acquire);
    for (;;) {
      if ((s >> kJobShift) != job) return;
      const uint64_t next = s & kFieldMask;
      if (next >= ((s >> kCountShift) & kFieldMask)) return;
      if (!state.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      auto [b, e] = chunks[next];
      try {
        if (b < e) (*fn)(b, e);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!error) error = std::current_exception();
      }
      completed.fetch_add(1, std::memory_order_acq_rel);
      s = state.load(std::memory_order_acquire);
    }
  }

  // `seen` is the job number when the pool started this worker: a job posted before the thread
  // first runs is then still seen as new.
  void worker(uint64_t seen) {
    for (;;) {
      auto spin_until = std::chrono::steady_clock::now() + kSpin;
      uint64_t job = state.load(std::memory_order_acquire) >> kJobShift;
      while (job == seen && !stopping.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() > spin_until) {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait(lock, [&] { return (state.load(std::memory_order_acquire) >> kJobShift) != seen || stopping.load(); });
        }
        job = state.load(std::memory_order_acquire) >> kJobShift;
      }
      if (stopping.load(std::memory_order_acquire)) return;
      seen = job;
      run_chunks(job);
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping.store(true);
    }
    wake.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    stopping.store(false);
  }

  void resize(int threads) {
    if (threads == size) return;
    stop();
    size = threads;
    const uint64_t current = state.load(std::memory_order_acquire) >> kJobShift;
    for (int i = 1; i < threads; i++) workers.emplace_back([this, current] { worker(current); });
  }

  ~Pool() { stop(); }
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size; }

// At most 256 threads (a job's chunk count must fit its 16-bit field; no CPU here comes close).
void set_num_threads(int threads) { pool().resize(threads < 1 ? 1 : threads > 256 ? 256 : threads); }

// The chunks are fixed by n, grain and the pool size; which thread runs a chunk is not (whoever
// claims it first), and results never depend on it, because kernels split only over independent
// outputs. The caller claims chunks too, so a worker that is slow to wake (its core busy with
// another process) costs at most the time the caller takes to do the whole job itself.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  Pool& p = pool();
  int64_t blocks = (n + grain - 1) / grain;
  int parts = static_cast<int>(blocks < p.size ? blocks : p.size);
  if (parts <= 1) {
    fn(0, n);
    return;
  }
  p.chunks.assign(parts, {0, 0});
  for (int t = 0; t < parts; t++) {
    int64_t b = blocks * t / parts * grain;
    int64_t e = blocks * (t + 1) / parts * grain;
    p.chunks[t] = {b < n ? b : n, e < n ? e : n};
  }
  p.fn = &fn;
  p.completed.store(0, std::memory_order_release);
  const uint64_t job = ((p.state.load(std::memory_order_acquire) >> kJobShift) + 1) & kJobMask;
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.state.store(job << kJobShift | static_cast<uint64_t>(parts) << kCountShift, std::memory_order_release);
  }
  p.wake.notify_all();
  p.run_chunks(job);
  // Every chunk is claimed; wait for those running on workers.
  while (p.completed.load(std::memory_order_acquire) != parts) std::this_thread::yield();
  p.fn = nullptr;
  std::exception_ptr error;
  {
    std::lock_guard<std::mutex> lock(p.error_mutex);
    std::swap(error, p.error);
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace rigl

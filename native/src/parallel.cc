#include "parallel.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace rigl {
namespace {

// Workers spin briefly on the job counter before sleeping: kernels come in quick succession during
// a training step, and a condition-variable wake-up costs more than a small kernel. The spin is
// short (about 50 µs) so that an idle pool does not hold a core that another process wants.
constexpr auto kSpin = std::chrono::microseconds(50);

struct Pool {
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::thread> workers;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> pending{0};
  std::atomic<bool> stopping{false};
  // The current job (valid while pending > 0).
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  std::vector<std::pair<int64_t, int64_t>> chunks;
  int size = 1;

  // `seen` is the job counter when the pool started this worker: a job posted before the thread
  // first runs is then still seen as new (reading the counter in the thread would miss it and
  // leave the caller waiting forever).
  void worker(int index, uint64_t seen) {
    for (;;) {
      auto spin_until = std::chrono::steady_clock::now() + kSpin;
      uint64_t now = generation.load(std::memory_order_acquire);
      while (now == seen && !stopping.load(std::memory_order_acquire)) {
        if (std::chrono::steady_clock::now() > spin_until) {
          std::unique_lock<std::mutex> lock(mutex);
          wake.wait(lock, [&] { return generation.load(std::memory_order_acquire) != seen || stopping.load(); });
        }
        now = generation.load(std::memory_order_acquire);
      }
      if (stopping.load(std::memory_order_acquire)) return;
      seen = now;
      if (index < static_cast<int>(chunks.size())) {
        auto [b, e] = chunks[index];
        if (b < e) (*fn)(b, e);
      }
      pending.fetch_sub(1, std::memory_order_acq_rel);
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
    uint64_t current = generation.load(std::memory_order_acquire);
    for (int i = 1; i < threads; i++) workers.emplace_back([this, i, current] { worker(i, current); });
  }

  ~Pool() { stop(); }
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

int num_threads() { return pool().size; }

void set_num_threads(int threads) { pool().resize(threads < 1 ? 1 : threads); }

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
  p.chunks.assign(p.size, {0, 0});
  for (int t = 0; t < parts; t++) {
    int64_t b = blocks * t / parts * grain;
    int64_t e = blocks * (t + 1) / parts * grain;
    p.chunks[t] = {b < n ? b : n, e < n ? e : n};
  }
  p.fn = &fn;
  p.pending.store(p.size - 1, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p.wake.notify_all();
  auto [b, e] = p.chunks[0];
  if (b < e) fn(b, e);
  while (p.pending.load(std::memory_order_acquire) != 0) std::this_thread::yield();
  p.fn = nullptr;
}

}  // namespace rigl

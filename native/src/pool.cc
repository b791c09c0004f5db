#include "pool.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <sched.h>
#endif

namespace mst {

namespace {

struct Pool {
  std::mutex m;                 // guards the job fields and the sleep/wake handshake
  std::condition_variable cv;
  std::atomic<uint64_t> epoch{0};  // bumped once per job
  TaskFn fn = nullptr;
  void* ctx = nullptr;
  int n = 1;
  std::atomic<int> remaining{0};
  int started = 0;              // workers running (ids 1..started)
  std::mutex busy;              // one job at a time, whichever JS thread asks
};

Pool& pool() {
  // Leaked on purpose: workers block forever and must not be joined at exit.
  static Pool* p = new Pool();
  return *p;
}

int detect_cores() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c > 0) return c;
  }
#endif
  unsigned h = std::thread::hardware_concurrency();
  return h ? static_cast<int>(h) : 1;
}

int initial_threads() {
  int n = detect_cores();
  if (const char* env = std::getenv("MINDSPORE_TS_NUM_THREADS")) {
    int v = std::atoi(env);
    if (v >= 1) n = v;
  }
  return n < 1 ? 1 : (n > 64 ? 64 : n);
}

std::atomic<int> g_threads{0};

void worker(int id) {
  Pool& p = pool();
  uint64_t seen = 0;
  for (;;) {
    // Spin a little first: jobs often come back to back (a training step is
    // a stream of kernels), and a condition-variable wake costs ~10 us.
    uint64_t e = p.epoch.load(std::memory_order_acquire);
    for (unsigned spins = 0; e == seen && spins < 4000; spins++) {
      cpu_relax();
      e = p.epoch.load(std::memory_order_acquire);
    }
    if (e == seen) {
      std::unique_lock<std::mutex> lk(p.m);
      p.cv.wait(lk, [&] { return p.epoch.load(std::memory_order_acquire) != seen; });
      e = p.epoch.load(std::memory_order_acquire);
    }
    seen = e;
    // Every started worker acknowledges every job, taking part or not, so the
    // job's fields cannot change under a worker that is late to read them.
    if (id < p.n) p.fn(id, p.n, p.ctx);
    p.remaining.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace

int pool_cores() {
  static int c = detect_cores();
  return c;
}

int pool_threads() {
  int t = g_threads.load(std::memory_order_relaxed);
  if (t == 0) {
    t = initial_threads();
    g_threads.store(t, std::memory_order_relaxed);
  }
  return t;
}

void pool_set_threads(int n) { g_threads.store(n < 1 ? 1 : (n > 64 ? 64 : n), std::memory_order_relaxed); }

void parallel_run(int want, TaskFn fn, void* ctx) {
  int n = want < pool_threads() ? want : pool_threads();
  Pool& p = pool();
  std::unique_lock<std::mutex> busy(p.busy, std::defer_lock);
  if (n > 1 && !busy.try_lock()) n = 1;
  if (n <= 1) {
    fn(0, 1, ctx);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(p.m);
    while (p.started < n - 1) {
      p.started++;
      (new std::thread(worker, p.started))->detach();
    }
    p.fn = fn;
    p.ctx = ctx;
    p.n = n;
    p.remaining.store(p.started, std::memory_order_relaxed);
    p.epoch.fetch_add(1, std::memory_order_release);
  }
  p.cv.notify_all();
  fn(0, n, ctx);
  for (unsigned spins = 0; p.remaining.load(std::memory_order_acquire) != 0; spins++) {
    if (spins < 20000) cpu_relax();
    else std::this_thread::yield();
  }
}

}  // namespace mst

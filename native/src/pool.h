// A small persistent thread pool: one worker per extra core, woken per job.
// The calling thread always takes part as thread 0, so a 1-thread job costs
// nothing but a function call.
#pragma once
#include <cstdint>

namespace mst {

using TaskFn = void (*)(int tid, int nthreads, void* ctx);

// Threads a job may use (set by setThreads / MINDSPORE_TS_NUM_THREADS; default: usable cores).
int pool_threads();
void pool_set_threads(int n);
// Cores the process may run on.
int pool_cores();
// Run fn(tid, n, ctx) for tid in [0, n) with n <= want, the caller being tid 0.
// If another JS thread holds the pool, the job runs on the caller alone (n = 1).
void parallel_run(int want, TaskFn fn, void* ctx);

// Tell the CPU we are spinning (cheaper on the sibling hyperthread and on power).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace mst

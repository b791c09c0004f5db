/**
 * The wasm backend's thread pool: workers (worker_threads in Node, Web
 * Workers in a cross-origin isolated page) that instantiate the same module
 * over the same shared memory and run slices of a kernel.
 *
 * A job is an exported function and one argument list per slice, written to
 * the control block at the bottom of the shared memory. Slices are claimed,
 * not assigned: the main thread publishes the job (a claim word holding the
 * job's sequence number, its slice count and the next free slice), wakes the
 * workers (Atomics.notify) and starts claiming slices itself at once; a
 * worker that wakes claims what is left. So a worker that wakes late, or a
 * core the host takes away for a while (common on a shared VM), costs at
 * most the slice it holds instead of stalling the whole job: kernels cut
 * their work into a few slices per thread for that reason. The main thread
 * returns when the done count reaches the slice count. Workers spin briefly
 * before sleeping so back-to-back kernels do not pay a wake-up each.
 * Workers start in the background; until they are up, jobs run on the main
 * thread alone, so nothing ever waits for a worker to boot.
 *
 * The worker's code is a string (not a file) so that it runs the same from
 * the TypeScript sources, the built package and a bundle.
 */

// Int32 slots of the control block (byte 0..1023)
const SEQ = 0;
const DONE = 1;
const FN = 2;
const NARGS = 3;
const READY = 4;
/** the claim word: (job sequence & 0xffff) << 16 | slice count << 8 | next unclaimed slice */
const CLAIM = 5;
const STOP = 6;
const ERR = 7;
/** byte offset of the argument slots: one per slice, MAX_ARGS float64 each */
const ARGS = 1024;
const MAX_ARGS = 24;
/** slices one job can hold (the argument area's size); longer lists run as several jobs */
export const MAX_SLICES = Math.floor((8192 - ARGS) / (MAX_ARGS * 8));
/** Loads the main thread spins on the done count before it blocks (see ThreadPool.wait). */
const MAIN_SPINS = 200_000;
export const MAX_THREADS = MAX_SLICES;

const WORKER_SOURCE = `
"use strict";
const SEQ = ${SEQ}, DONE = ${DONE}, FN = ${FN}, NARGS = ${NARGS}, READY = ${READY}, CLAIM = ${CLAIM}, STOP = ${STOP}, ERR = ${ERR};
const ARGS = ${ARGS}, MAX_ARGS = ${MAX_ARGS};
const claim = ${claim.toString()};
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const fns = d.fns.map((n) => inst.exports[n]);
  const ctl = new Int32Array(d.memory.buffer, 0, 256);
  const args = new Float64Array(d.memory.buffer, ARGS, d.maxSlices * MAX_ARGS);
  let seen = Atomics.load(ctl, SEQ);
  Atomics.add(ctl, READY, 1);
  for (;;) {
    let s = Atomics.load(ctl, SEQ);
    let spins = 0;
    while (s === seen) {
      if (++spins > d.spin) {
        Atomics.wait(ctl, SEQ, seen);
        spins = 0;
      }
      s = Atomics.load(ctl, SEQ);
    }
    seen = s;
    if (Atomics.load(ctl, STOP)) return;
    // the job cannot change under us while we hold a claimed slice (it is not done), so FN and the
    // arguments read after a successful claim are that job's
    for (let w; (w = claim(ctl, CLAIM)) >= 0; ) {
      const i = w & 0xff;
      const base = i * MAX_ARGS;
      const n = ctl[NARGS];
      const a = [];
      for (let k = 0; k < n; k++) a.push(args[base + k]);
      try {
        fns[ctl[FN]](...a);
      } catch (e) {
        // a trap in a slice: report it to the main thread, keep the worker alive
        Atomics.store(ctl, ERR, 1);
      } finally {
        if (Atomics.add(ctl, DONE, 1) + 1 === ((w >> 8) & 0xff)) Atomics.notify(ctl, DONE);
      }
    }
  }
}
if (typeof require === "function" && require("worker_threads").workerData) start(require("worker_threads").workerData);
else self.onmessage = (e) => start(e.data);
`;

/**
 * Claim the next slice of the published job: the claim word it took (slice = w & 0xff), or -1 when
 * none is left. A compare-exchange on the whole word, so a stale claim of an earlier job never lands.
 * It uses nothing but its arguments, so the worker gets this very function as source (see
 * WORKER_SOURCE): whatever a bundler renames, the text still stands on its own.
 */
function claim(ctl: Int32Array, slot: number): number {
  for (;;) {
    const w = Atomics.load(ctl, slot);
    if ((w & 0xff) >= ((w >> 8) & 0xff)) return -1;
    if (Atomics.compareExchange(ctl, slot, w, w + 1) === w) return w;
  }
}

export interface PoolInit {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  /** exported functions a job may name */
  readonly fns: readonly string[];
  readonly threads: number;
  readonly kind: "node" | "web";
}

interface WorkerLike {
  terminate(): unknown;
  unref?(): void;
}

export class ThreadPool {
  readonly threads: number;
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly fnIndex: Map<string, number>;
  private readonly workers: WorkerLike[] = [];
  private readonly canBlock: boolean;
  private busy = false;
  private jobSeq = 0;

  private constructor(
    init: PoolInit,
    private readonly exports: Record<string, (...a: number[]) => void>,
  ) {
    this.threads = Math.min(init.threads, MAX_THREADS);
    this.ctl = new Int32Array(init.memory.buffer, 0, 256);
    this.args = new Float64Array(init.memory.buffer, ARGS, MAX_SLICES * MAX_ARGS);
    this.fnIndex = new Map(init.fns.map((n, i) => [n, i]));
    this.canBlock = init.kind === "node";
  }

  /** Start `threads - 1` workers; returns at once (they boot in the background). */
  static create(init: PoolInit, exports: Record<string, (...a: number[]) => void>): ThreadPool {
    const pool = new ThreadPool(init, exports);
    const data = { module: init.module, memory: init.memory, fns: init.fns, maxSlices: MAX_SLICES, spin: 20000 };
    for (let i = 1; i < pool.threads; i++) {
      if (init.kind === "node") {
        const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
        const wt = proc?.getBuiltinModule?.("node:worker_threads") as typeof import("node:worker_threads") | undefined;
        if (!wt) throw new Error("worker_threads is not available synchronously (Node >= 20.16 needed)");
        const w = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data });
        w.unref();
        pool.workers.push(w);
      } else {
        const g = globalThis as unknown as { Worker: new (url: string) => WorkerLike & { postMessage(d: unknown): void }; Blob: typeof Blob; URL: typeof URL };
        const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: "text/javascript" }));
        const w = new g.Worker(url);
        w.postMessage(data);
        pool.workers.push(w);
      }
    }
    return pool;
  }

  /** Workers that are up (the main thread is not counted). */
  get readyWorkers(): number {
    return Atomics.load(this.ctl, READY);
  }

  /** How many slices a job may have now: the main thread plus the workers that are up. */
  get parallelism(): number {
    return this.busy ? 1 : 1 + Math.min(this.readyWorkers, this.threads - 1);
  }

  /**
   * Run `fn` once per argument list, in parallel: this thread and the workers claim slices until none
   * is left. Returns when every slice is done. Nested calls (from inside a slice) run serially.
   */
  run(fn: string, slices: readonly (readonly number[])[]): void {
    const f = this.exports[fn];
    if (slices.length === 1 || this.busy || this.parallelism === 1) {
      for (const s of slices) f(...s);
      return;
    }
    const idx = this.fnIndex.get(fn);
    if (idx === undefined) throw new Error(`internal: '${fn}' is not a pooled function`);
    for (let s0 = 0; s0 < slices.length; s0 += MAX_SLICES) this.job(f, idx, slices.slice(s0, s0 + MAX_SLICES));
    if (Atomics.exchange(this.ctl, ERR, 0)) throw new Error(`wasm backend: a worker failed while running '${fn}'`);
  }

  private job(f: (...a: number[]) => void, idx: number, slices: readonly (readonly number[])[]): void {
    const ctl = this.ctl;
    const n = slices.length;
    const nargs = slices[0].length;
    for (let t = 0; t < n; t++) {
      const base = t * MAX_ARGS;
      for (let i = 0; i < nargs; i++) this.args[base + i] = slices[t][i];
    }
    ctl[FN] = idx;
    ctl[NARGS] = nargs;
    Atomics.store(ctl, DONE, 0);
    this.jobSeq = (this.jobSeq + 1) & 0xffff;
    Atomics.store(ctl, CLAIM, (this.jobSeq << 16) | (n << 8));
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ, Math.min(n - 1, this.threads - 1));
    this.busy = true;
    try {
      for (let w; (w = claim(ctl, CLAIM)) >= 0; ) {
        try {
          f(...slices[w & 0xff]);
        } finally {
          Atomics.add(ctl, DONE, 1);
        }
      }
    } catch (e) {
      // stop handing out slices (each one taken here counts as done), wait for the workers' ones, rethrow
      for (; claim(ctl, CLAIM) >= 0; ) Atomics.add(ctl, DONE, 1);
      this.wait(n);
      throw e;
    } finally {
      this.busy = false;
    }
    this.wait(n);
  }

  /**
   * Until `n` slices are done: spin (a worker usually finishes within microseconds of us), then block.
   * The spin is long (about 1-3 ms of loads) because waking from Atomics.wait is slow on a VM, where an
   * idle vCPU is halted: with 2,000 spins the MLP step's median was 10-13 ms, with 50,000-1,000,000
   * 8.3-10.7 (the best step, 5.5-7 ms, the same), over 20 products and elementwise jobs per step.
   */
  private wait(n: number): void {
    const ctl = this.ctl;
    let spins = 0;
    for (let done; (done = Atomics.load(ctl, DONE)) !== n; ) {
      if (this.canBlock && ++spins > MAIN_SPINS) Atomics.wait(ctl, DONE, done, 5);
    }
  }

  /** Stop the workers (tests; the process exits without it). */
  stop(): void {
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }
}


/**
 * The wasm backend's thread pool: workers (worker_threads in Node, Web
 * Workers in a cross-origin isolated page) that instantiate the same module
 * over the same shared memory and run slices of a kernel.
 *
 * A job is an exported function and one argument list per slice, written to
 * the control block at the bottom of the shared memory. The main thread bumps
 * a sequence number and wakes the workers (Atomics.notify), runs slice 0
 * itself, then waits for the pending count to reach zero. Workers spin
 * briefly before sleeping so back-to-back kernels do not pay a wake-up each.
 * Workers start in the background; until they are up, jobs run on the main
 * thread alone, so nothing ever waits for a worker to boot.
 *
 * The worker's code is a string (not a file) so that it runs the same from
 * the TypeScript sources, the built package and a bundle.
 */

// Int32 slots of the control block (byte 0..1023)
const SEQ = 0;
const PENDING = 1;
const FN = 2;
const NARGS = 3;
const READY = 4;
const PARTS = 5;
const STOP = 6;
const ERR = 7;
/** byte offset of the argument slots: one per participant, MAX_ARGS float64 each */
const ARGS = 1024;
const MAX_ARGS = 24;
export const MAX_THREADS = Math.floor((8192 - ARGS) / (MAX_ARGS * 8));

const WORKER_SOURCE = `
"use strict";
const SEQ = ${SEQ}, PENDING = ${PENDING}, FN = ${FN}, NARGS = ${NARGS}, READY = ${READY}, PARTS = ${PARTS}, STOP = ${STOP}, ERR = ${ERR};
const ARGS = ${ARGS}, MAX_ARGS = ${MAX_ARGS};
function start(d) {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const fns = d.fns.map((n) => inst.exports[n]);
  const ctl = new Int32Array(d.memory.buffer, 0, 256);
  const args = new Float64Array(d.memory.buffer, ARGS, d.maxThreads * MAX_ARGS);
  // read the sequence before announcing readiness: a job dispatched after we are counted is one we see
  let seen = Atomics.load(ctl, SEQ);
  const tid = Atomics.add(ctl, READY, 1) + 1;
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
    if (tid < Atomics.load(ctl, PARTS)) {
      const base = tid * MAX_ARGS;
      const n = ctl[NARGS];
      const a = [];
      for (let i = 0; i < n; i++) a.push(args[base + i]);
      try {
        fns[ctl[FN]](...a);
      } catch (e) {
        // a trap in a slice: report it to the main thread, keep the worker alive
        Atomics.store(ctl, ERR, 1);
      } finally {
        if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
      }
    }
  }
}
if (typeof require === "function" && require("worker_threads").workerData) start(require("worker_threads").workerData);
else self.onmessage = (e) => start(e.data);
`;

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

  private constructor(
    init: PoolInit,
    private readonly exports: Record<string, (...a: number[]) => void>,
  ) {
    this.threads = Math.min(init.threads, MAX_THREADS);
    this.ctl = new Int32Array(init.memory.buffer, 0, 256);
    this.args = new Float64Array(init.memory.buffer, ARGS, MAX_THREADS * MAX_ARGS);
    this.fnIndex = new Map(init.fns.map((n, i) => [n, i]));
    this.canBlock = init.kind === "node";
  }

  /** Start `threads - 1` workers; returns at once (they boot in the background). */
  static create(init: PoolInit, exports: Record<string, (...a: number[]) => void>): ThreadPool {
    const pool = new ThreadPool(init, exports);
    const data = { module: init.module, memory: init.memory, fns: init.fns, maxThreads: MAX_THREADS, spin: 20000 };
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
   * Run `fn` once per argument list, in parallel; slice 0 on this thread.
   * Returns when every slice is done. Nested calls (from inside a slice) run serially.
   */
  run(fn: string, slices: readonly (readonly number[])[]): void {
    const f = this.exports[fn];
    if (slices.length === 1 || this.busy) {
      for (const s of slices) f(...s);
      return;
    }
    const idx = this.fnIndex.get(fn);
    if (idx === undefined) throw new Error(`internal: '${fn}' is not a pooled function`);
    const parts = Math.min(slices.length, this.parallelism);
    if (parts < slices.length) {
      // fewer workers up than slices planned: run the extra slices here after ours
      this.run(fn, slices.slice(0, parts));
      for (const s of slices.slice(parts)) f(...s);
      return;
    }
    const n = slices[0].length;
    for (let t = 1; t < parts; t++) {
      const base = t * MAX_ARGS;
      for (let i = 0; i < n; i++) this.args[base + i] = slices[t][i];
    }
    const ctl = this.ctl;
    ctl[FN] = idx;
    ctl[NARGS] = n;
    Atomics.store(ctl, PARTS, parts);
    Atomics.store(ctl, PENDING, parts - 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    this.busy = true;
    try {
      f(...slices[0]);
    } finally {
      this.busy = false;
      let spins = 0;
      let left: number;
      while ((left = Atomics.load(ctl, PENDING)) !== 0) {
        if (this.canBlock && ++spins > 2000) Atomics.wait(ctl, PENDING, left, 5);
      }
    }
    if (Atomics.exchange(ctl, ERR, 0)) throw new Error(`wasm backend: a worker failed while running '${fn}'`);
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


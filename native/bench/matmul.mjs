#!/usr/bin/env node
/**
 * float32 matmul GFLOP/s of the native backend against NumPy (Debian's
 * python3-numpy with OpenBLAS), at the same thread counts, interleaved round
 * by round so that drift on a shared machine hits both alike. Not a test.
 *
 *   node native/bench/matmul.mjs [sizes=1024,2048] [threads=1,2] [rounds=5]
 */
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const require = createRequire(import.meta.url);
const addon = require("../build/Release/mindspore_native.node");
const [sizes = "1024,2048", threads = "1,2", rounds = "5"] = process.argv.slice(2);
const python = ["/usr/bin/python3", "python3"].find((p) => p.includes("/") ? existsSync(p) : true);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function ours(n, reps) {
  const a = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
  const b = Float32Array.from({ length: n * n }, () => Math.random() - 0.5);
  const c = new Float32Array(n * n);
  const meta = Float64Array.from([n, n, n, 0, 0, n, 1, 0, n, 1]);
  addon.matmul(c, a, b, meta);
  const ts = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    addon.matmul(c, a, b, meta);
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return median(ts);
}

const NUMPY = `
import sys, time, numpy as np
n, reps = int(sys.argv[1]), int(sys.argv[2])
a = np.random.rand(n, n).astype(np.float32); b = np.random.rand(n, n).astype(np.float32)
a @ b
ts = []
for _ in range(reps):
    t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2])`;

function numpy(n, reps, t) {
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(t), OMP_NUM_THREADS: String(t) };
  const r = spawnSync(python, ["-c", NUMPY, String(n), String(reps)], { env, encoding: "utf8" });
  return r.status === 0 ? Number(r.stdout.trim()) : NaN;
}

const info = addon.info();
console.log(`native isa ${info.isa}, ${info.cores} cores; NumPy via ${python}`);
console.log("n     threads  native GFLOP/s  NumPy GFLOP/s  ratio");
for (const n of sizes.split(",").map(Number)) {
  for (const t of threads.split(",").map(Number)) {
    addon.setThreads(t);
    const reps = n >= 2048 ? 3 : 10;
    const mine = [];
    const theirs = [];
    for (let r = 0; r < Number(rounds); r++) {
      mine.push(ours(n, reps));
      theirs.push(numpy(n, reps, t));
    }
    const g = (s) => (2 * n ** 3) / s / 1e9;
    const a = g(median(mine));
    const b = g(median(theirs));
    console.log(`${String(n).padEnd(6)}${String(t).padEnd(9)}${a.toFixed(1).padStart(14)}${b.toFixed(1).padStart(15)}${(a / b).toFixed(2).padStart(7)}`);
  }
}

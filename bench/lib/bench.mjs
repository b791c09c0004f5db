/* global URL */
// Assemble the frameworks that are available here and run the workloads: used by run.mjs (the CLI,
// `npm run bench`) and by test/bench_smoke.test.ts (smoke mode inside `npm test`).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import { SIZES, makeData } from "./harness.mjs";
import { msFramework } from "./fw_ms.mjs";
import { loadTfjs, tfjsFramework } from "./fw_tfjs.mjs";
import { loadJaxjs, jaxjsFramework } from "./fw_jaxjs.mjs";
import { findPython, numpyFramework, probeNumpy, probeTorch, torchFramework } from "./fw_torch.mjs";
import { runWorkloads } from "./suite.mjs";
import { judgeTargets, machineInfo } from "./report.mjs";

const require = createRequire(import.meta.url);

/** Every framework that loads here; what could not load goes into `skipped` with the reason. */
export async function collectFrameworks(o) {
  const { ms, msBackends, sz, data, peers, infoFn, log = () => {} } = o;
  const frameworks = [];
  const skipped = [];
  for (const b of msBackends) {
    try {
      ms.set_backend(b);
      frameworks.push(msFramework(ms, b, sz, data, infoFn));
    } catch (e) {
      skipped.push(`ms-${b}: backend not available (${String(e.message ?? e).split("\n")[0]})`);
    }
  }
  if (peers.includes("tfjs-cpu") || peers.includes("tfjs-wasm")) {
    const t = loadTfjs();
    if (t.error) skipped.push(`tfjs: not installed (cd bench && npm install): ${t.error}`);
    else {
      for (const b of ["cpu", "wasm"]) {
        if (!peers.includes(`tfjs-${b}`)) continue;
        try {
          frameworks.push(await tfjsFramework(t.tf, b, sz, data));
        } catch (e) {
          skipped.push(`tfjs-${b}: ${String(e.message ?? e).split("\n")[0]}`);
        }
      }
    }
  }
  if (peers.includes("jaxjs")) {
    const j = await loadJaxjs();
    if (j.error) skipped.push(`jax-js: not installed (cd bench && npm install): ${j.error}`);
    else {
      const fw = jaxjsFramework(j.jax, sz, data);
      const info = fw.info;
      let version = "?";
      try {
        version = JSON.parse(readFileSync(require.resolve("@jax-js/jax/package.json"), "utf8")).version;
      } catch {
        try {
          version = JSON.parse(readFileSync(new URL("../node_modules/@jax-js/jax/package.json", import.meta.url), "utf8")).version;
        } catch {
          // version unknown
        }
      }
      fw.info = () => ({ version, ...info() });
      frameworks.push(fw);
    }
  }
  if (peers.includes("torch")) {
    const python = findPython();
    const probe = probeTorch(python);
    if (probe.error) skipped.push(`torch: ${probe.error}`);
    else {
      if (!probe.openblas) log("note: libopenblas0-pthread not found; Debian's torch then runs GEMM on the reference BLAS (~6 GFLOP/s)");
      const threads = o.torchThreads ?? os.availableParallelism?.() ?? os.cpus().length;
      // Debian's OpenBLAS keeps its own thread pool next to torch's OpenMP one; with both at `threads` they
      // can spin against each other, so torch also runs with a one-thread BLAS and the targets take, per
      // workload, whichever configuration was faster (PyTorch at its best on this machine)
      const blasConfigs = o.torchBlasThreads !== undefined ? [o.torchBlasThreads] : threads > 1 ? [threads, 1] : [threads];
      for (const blas of blasConfigs) {
        try {
          frameworks.push(await torchFramework(python, threads, blas, sz, data));
        } catch (e) {
          skipped.push(`torch: ${String(e.message ?? e).split("\n")[0]}`);
        }
      }
    }
  }
  if (peers.includes("numpy")) {
    const python = findPython();
    const probe = probeNumpy(python);
    if (probe.error) skipped.push(`numpy: ${probe.error}`);
    else {
      const threads = o.torchThreads ?? os.availableParallelism?.() ?? os.cpus().length;
      try {
        frameworks.push(await numpyFramework(python, threads, sz, data));
      } catch (e) {
        skipped.push(`numpy: ${String(e.message ?? e).split("\n")[0]}`);
      }
    }
  }
  return { frameworks, skipped };
}

/**
 * One bench run in this process. `mode` "full" or "smoke"; `peers` any of tfjs-cpu, tfjs-wasm, jaxjs, torch.
 * Returns the record that run.mjs prints, writes as JSON and charts.
 */
export async function runBench(o) {
  const mode = o.mode ?? "full";
  const sz = SIZES[mode];
  const data = makeData(sz);
  const log = o.log ?? (() => {});
  const smoke = mode === "smoke";
  const options = {
    rounds: o.rounds ?? (smoke ? 1 : 3),
    timeS: o.timeS ?? (smoke ? 0 : 0.5),
    minReps: smoke ? 1 : 3,
    warm: smoke ? 0 : 2,
    maxCallS: o.maxCallS ?? 10,
    only: o.only ?? [],
  };
  const { frameworks, skipped } = await collectFrameworks({ ...o, sz, data, log });
  for (const s of skipped) log(`skipped ${s}`);
  const rec = { date: new Date().toISOString(), mode, machine: machineInfo(), options, sizes: sz, frameworks: [], skipped };
  try {
    const res = await runWorkloads(frameworks, { ...options, log });
    Object.assign(rec, res);
    rec.frameworks = frameworks.map((f) => ({ name: f.name, kind: f.kind, info: f.info() }));
    rec.targets = frameworks.filter((f) => f.kind === "ms").flatMap((f) => (f.backend === "reference" ? [] : judgeTargets(rec, f.name)));
  } finally {
    if (!o.keepOpen) for (const f of frameworks) f.close?.();
  }
  return { rec, frameworks, data, sz };
}

#!/usr/bin/env node
// `npm run bench`: mindspore-ts (each backend) against TensorFlow.js (cpu, wasm), jax-js (wasm, jit) and
// PyTorch (Debian's python3-torch, subprocess) on workloads W1-W6, then peak memory over W2 SGD steps and
// cold start, each in a fresh process. Prints one table, writes results/<date>.json and results/<date>.svg.
//
//   node bench/run.mjs [--smoke] [--backends=reference,wasm] [--peers=tfjs-cpu,tfjs-wasm,jaxjs,torch]
//                      (peers also: numpy, W3 only)
//                      [--only=W2,W3] [--rounds=3] [--time=0.5] [--max-call=10] [--no-mem] [--no-cold]
//                      [--mem-steps=1000] [--mem-max-s=60] [--torch-threads=N] [--torch-blas-threads=N] [--out=DIR]
// Child modes (used by the memory and cold-start passes): --child=mem|cold --fw=NAME
/* global performance */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SIZES, makeData } from "./lib/harness.mjs";
import { runBench, collectFrameworks } from "./lib/bench.mjs";
import { judgeNativeTargets, judgeTargets, svgChart, tables } from "./lib/report.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const DIST = process.env.BENCH_DIST ?? join(HERE, "..", "dist"); // the built library (npm run build)
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    return m ? [m[1], m[2] ?? true] : [a, true];
  }),
);
const list = (v, d) => (typeof v === "string" ? v.split(",").filter(Boolean) : d);
const ALL_PEERS = ["tfjs-cpu", "tfjs-wasm", "jaxjs", "torch", "numpy"];
const mode = args.smoke ? "smoke" : "full";

async function loadMs() {
  const url = (p) => pathToFileURL(join(DIST, p)).href;
  const ms = await import(url("index.js"));
  let infoFn = () => ({});
  try {
    const reg = await import(url("backend/registry.js"));
    infoFn = (name) => reg.listBackends?.().find((b) => b.name === name)?.info?.() ?? {};
  } catch {
    // older build without listBackends
  }
  return { ms, infoFn };
}

/** Backends to bench: the requested ones, or every one that loads (reference last). */
function backendsOf(ms) {
  const wanted = list(args.backends, ["wasm", "native", "reference"]);
  return wanted.filter((b) => {
    try {
      ms.set_backend(b);
      return true;
    } catch {
      if (args.backends) console.error(`backend '${b}' is not available`);
      return false;
    }
  });
}

async function child() {
  const fwName = args.fw;
  const sz = SIZES[mode];
  if (args.child === "cold") {
    const t0 = performance.now();
    let first;
    if (fwName.startsWith("ms-")) {
      const ms = await import(pathToFileURL(join(DIST, "index.js")).href);
      ms.set_backend(fwName.slice(3));
      first = ms.ops.add(new ms.Tensor([1, 2], ms.float32), new ms.Tensor([3, 4], ms.float32)).tolist();
    } else if (fwName.startsWith("tfjs-")) {
      const { loadTfjs } = await import("./lib/fw_tfjs.mjs");
      const { tf } = loadTfjs();
      await tf.setBackend(fwName.slice(5));
      await tf.ready();
      first = Array.from(tf.add(tf.tensor([1, 2]), tf.tensor([3, 4])).dataSync());
    } else if (fwName.startsWith("jaxjs")) {
      const { loadJaxjs } = await import("./lib/fw_jaxjs.mjs");
      const { jax } = await loadJaxjs();
      first = Array.from(jax.numpy.add(jax.numpy.array([1, 2]), jax.numpy.array([3, 4])).dataSync());
    }
    const init = performance.now() - t0;
    console.log(JSON.stringify({ init_ms: +init.toFixed(1), since_process_start_ms: +performance.now().toFixed(1), first }));
    process.exit(0);
  }
  // memory: only this framework's W2 SGD step, `steps` times or until max-s seconds
  const data = makeData(sz);
  const peers = fwName.startsWith("tfjs") ? [fwName] : fwName.startsWith("jaxjs") ? ["jaxjs"] : [];
  let ms = null;
  let backends = [];
  if (fwName.startsWith("ms-")) {
    ms = (await loadMs()).ms;
    backends = [fwName.slice(3)];
  }
  const { frameworks } = await collectFrameworks({ ms, msBackends: backends, sz, data, peers });
  const fw = frameworks.find((f) => f.name === fwName);
  if (!fw) throw new Error(`framework ${fwName} is not available`);
  await fw.activate();
  const step = fw.memStep();
  const steps = Number(args["mem-steps"] ?? sz.memSteps);
  const tEnd = performance.now() + 1000 * Number(args["mem-max-s"] ?? 60);
  let n = 0;
  while (n < steps && performance.now() < tEnd) {
    const r = step();
    if (r && typeof r.then === "function") await r;
    n++;
  }
  console.log(JSON.stringify({ steps: n, maxrss_mb: peakRssMb() }));
  process.exit(0);
}

/**
 * This process's peak resident memory. On Linux from /proc/self/status (VmHWM), because getrusage's
 * maxrss survives exec: a child spawned by a large parent reports at least the parent's size.
 */
function peakRssMb() {
  try {
    const m = /VmHWM:\s*(\d+)\s*kB/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m) return +(Number(m[1]) / 1024).toFixed(1);
  } catch {
    // not Linux
  }
  return +(process.resourceUsage().maxRSS / 1024).toFixed(1);
}

function runChild(kind, fw, extra = []) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), `--child=${kind}`, `--fw=${fw}`, ...(mode === "smoke" ? ["--smoke"] : []), ...extra], {
    encoding: "utf8",
    env: process.env,
    maxBuffer: 1 << 24,
  });
  const wall = Date.now() - t0;
  const last = (r.stdout ?? "").trim().split("\n").pop();
  try {
    return { ...JSON.parse(last), wall_ms: wall };
  } catch {
    return { error: ((r.stderr ?? "").trim().split("\n").filter(Boolean).pop() ?? `exit ${r.status}`).slice(0, 200) };
  }
}

async function main() {
  const log = (s) => console.error(s);
  const { ms, infoFn } = await loadMs();
  const msBackends = backendsOf(ms);
  const peers = list(args.peers, ALL_PEERS);
  log(`mindspore-ts backends: ${msBackends.join(", ")}; peers: ${peers.join(", ")}; mode ${mode}`);
  const { rec, frameworks } = await runBench({
    ms,
    infoFn,
    msBackends,
    peers,
    mode,
    log,
    keepOpen: true,
    rounds: args.rounds ? Number(args.rounds) : undefined,
    timeS: args.time ? Number(args.time) : undefined,
    maxCallS: args["max-call"] ? Number(args["max-call"]) : undefined,
    only: list(args.only, []),
    torchThreads: args["torch-threads"] ? Number(args["torch-threads"]) : undefined,
    torchBlasThreads: args["torch-blas-threads"] ? Number(args["torch-blas-threads"]) : undefined,
  });
  try {
    const steps = Number(args["mem-steps"] ?? SIZES[mode].memSteps);
    const maxS = Number(args["mem-max-s"] ?? 60);
    rec.memory = {};
    rec.cold = {};
    if (!args["no-mem"]) {
      for (const f of frameworks.filter((x) => !x.matmulOnly)) {
        log(`memory: ${f.name}, ${steps} W2 SGD steps (at most ${maxS} s)`);
        rec.memory[f.name] = f.mem ? await f.mem(steps, maxS).catch((e) => ({ error: String(e.message ?? e) })) : runChild("mem", f.name, [`--mem-steps=${steps}`, `--mem-max-s=${maxS}`]);
      }
    }
    if (!args["no-cold"]) {
      for (const f of frameworks.filter((x) => !x.matmulOnly)) {
        const runs = [1, 2, 3].map(() => (f.cold ? f.cold() : runChild("cold", f.name)));
        const ok = runs.filter((r) => !r.error);
        const med = (k) => +ok.map((r) => r[k]).sort((a, b) => a - b)[ok.length >> 1]?.toFixed(1);
        rec.cold[f.name] = ok.length ? { init_ms: med("init_ms"), wall_ms: med("wall_ms") } : runs[0];
      }
      const t0 = Date.now();
      spawnSync(process.execPath, ["-e", "0"]);
      rec.cold["node-empty"] = { wall_ms: Date.now() - t0 };
    }
  } finally {
    for (const f of frameworks) f.close?.();
  }
  rec.targets = rec.frameworks
    .filter((f) => f.kind === "ms" && f.name !== "ms-reference")
    .flatMap((f) => (f.name === "ms-native" ? judgeNativeTargets(rec, f.name) : judgeTargets(rec, f.name)));
  const text = tables(rec);
  console.log(text);
  const outDir = typeof args.out === "string" ? args.out : join(HERE, "results");
  mkdirSync(outDir, { recursive: true });
  const stamp = rec.date.slice(0, 19).replace(/:/g, "-") + (mode === "smoke" ? "-smoke" : "");
  writeFileSync(join(outDir, `${stamp}.json`), JSON.stringify(rec, null, 2) + "\n");
  writeFileSync(join(outDir, `${stamp}.svg`), svgChart(rec) + "\n");
  writeFileSync(join(outDir, `${stamp}.md`), text + "\n");
  log(`wrote ${join(outDir, stamp)}.{json,svg,md}`);
}

(args.child ? child() : main()).catch((e) => {
  console.error(e);
  process.exit(1);
});

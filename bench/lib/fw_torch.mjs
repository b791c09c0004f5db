/* global Buffer */
// PyTorch peer: Debian's python3-torch in a subprocess (lib/torch_peer.py) that does its own timing loops,
// driven line by line so that it interleaves with the JS frameworks. Skipped, with the reason, where missing.
import { spawn, spawnSync, execFileSync } from "node:child_process";
import { createInterface } from "node:readline";
import { mkdtempSync, writeFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { flops } from "./harness.mjs";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "torch_peer.py");

/** The python that has Debian's torch: $BENCH_PYTHON, else the system default PATH's python3 (not a pyenv shim). */
export function findPython() {
  if (process.env.BENCH_PYTHON) return process.env.BENCH_PYTHON;
  for (const p of ["/usr/bin/python3", "/bin/python3"]) if (existsSync(p)) return p;
  try {
    return execFileSync("sh", ["-c", 'PATH="$(getconf PATH)" command -v python3'], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

/** Why torch cannot run here (null when it can), and whether OpenBLAS is the BLAS it will use. */
export function probeTorch(python) {
  if (!python) return { error: "no python3 found" };
  const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60000 });
  if (r.status !== 0) return { error: `python3-torch is not installed for ${python} (apt-get install python3-torch libopenblas0-pthread)` };
  const blas = spawnSync("sh", ["-c", "ldconfig -p 2>/dev/null | grep -c libopenblas"], { encoding: "utf8" });
  const openblas = Number(blas.stdout?.trim() || 0) > 0;
  return { version: r.stdout.trim(), openblas };
}

/** Why NumPy cannot run here (null when it can). Debian's python3-torch depends on python3-numpy. */
export function probeNumpy(python) {
  if (!python) return { error: "no python3 found" };
  const r = spawnSync(python, ["-c", "import numpy; print(numpy.__version__)"], { encoding: "utf8", timeout: 60000 });
  return r.status === 0 ? { version: r.stdout.trim() } : { error: `python3-numpy is not installed for ${python}` };
}

/**
 * NumPy's matmul (its BLAS: OpenBLAS on Debian) for the W3 cases only, the yardstick of issue 7's
 * matmul target. Same peer script in --numpy mode; no memory or cold-start passes.
 */
export async function numpyFramework(python, threads, sz, data) {
  const dir = writeData(data);
  const peer = await startPeer(python, threads, threads, ["--numpy"]);
  await peer.send({ cmd: "data", dir, sizes: sz });
  const F = flops(sz);
  const cases = sz.w3.map((n) => peerCase(peer, `W3 matmul ${n}`, F.matmul(n)));
  // only W3: left out of the memory and cold-start passes
  return { ...peerFramework(`numpy-${threads}T`, peer, dir, python, cases), matmulOnly: true };
}

/** What every Python peer framework has: its cases, its info, and closing the process and the data. */
function peerFramework(name, peer, dir, python, cases) {
  return {
    name,
    kind: "peer",
    activate: () => {},
    cases,
    info: () => ({ ...peer.hello.info, python }),
    close: () => {
      peer.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One workload served by a peer process: it sets the case up, checks and times it on request. */
function peerCase(peer, id, flop) {
  return {
    id,
    flop,
    setup: async () => {
      await peer.send({ cmd: "setup", id });
      return {
        check: async () => (await peer.send({ cmd: "check" })).value,
        time: (o) => peer.send({ cmd: "time", time_s: o.timeS, min_reps: o.minReps, warm: o.warm, min_sample_ms: o.minSampleMs, max_reps: o.maxReps ?? 1000 }),
        dispose: () => peer.send({ cmd: "dispose" }),
      };
    },
  };
}

/** Write every array of `data` as raw bytes (w2.params.0.bin, ...) for the python side. */
function writeData(data) {
  const dir = mkdtempSync(join(tmpdir(), "mindspore-ts-bench-"));
  const walk = (v, key) => {
    if (ArrayBuffer.isView(v)) writeFileSync(join(dir, key + ".bin"), Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    else if (Array.isArray(v)) v.forEach((e, i) => walk(e, `${key}.${i}`));
    else if (v && typeof v === "object") for (const [k, e] of Object.entries(v)) walk(e, key ? `${key}.${k}` : k);
  };
  walk(data, "");
  return dir;
}

/** A running torch_peer.py: send(cmd) resolves with its one-line JSON answer. */
async function startPeer(python, threads, blasThreads, args = []) {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn(python, [SCRIPT, String(threads), String(blasThreads), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr = (stderr + d).slice(-2000); });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const queued = [];
  lines.on("line", (l) => {
    let msg;
    try {
      msg = JSON.parse(l);
    } catch {
      return; // stray output from the library
    }
    const w = waiting.shift();
    if (w) w.resolve(msg);
    else queued.push(msg);
  });
  child.on("exit", (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`torch peer exited (${code}): ${stderr.trim().split("\n").pop()}`));
  });
  const next = () => (queued.length ? Promise.resolve(queued.shift()) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  const send = async (msg) => {
    child.stdin.write(JSON.stringify(msg) + "\n");
    const r = await next();
    if (r.error) throw new Error(r.error);
    return r;
  };
  const hello = await next();
  return { child, send, hello, close: () => { child.stdin.end(); child.kill(); } };
}

export async function torchFramework(python, threads, blasThreads, sz, data) {
  const dir = writeData(data);
  const peer = await startPeer(python, threads, blasThreads);
  await peer.send({ cmd: "data", dir, sizes: sz });
  const F = flops(sz);
  const ids = ["W1 dense value+grad", "W2 mlp value+grad", "W2 mlp sgd-step", ...sz.w3.map((n) => `W3 matmul ${n}`), "W4 elementwise", "W5 cnn value+grad", "W6 grad-of-grad"];
  const flopOf = (id) => (id.startsWith("W2") ? F.mlp : id.startsWith("W5") ? F.cnn : id.startsWith("W3") ? F.matmul(Number(id.split(" ").pop())) : 0);
  const cases = ids.map((id) => peerCase(peer, id, flopOf(id)));
  const name = `torch-${threads}T` + (blasThreads !== threads ? `-blas${blasThreads}` : "");
  return {
    ...peerFramework(name, peer, dir, python, cases),
    /** Peak RSS over `steps` W2 SGD steps, in a fresh process. */
    mem: async (steps, maxS) => {
      const p = await startPeer(python, threads, blasThreads);
      try {
        await p.send({ cmd: "data", dir, sizes: sz });
        return await p.send({ cmd: "mem", steps, max_s: maxS });
      } finally {
        p.close();
      }
    },
    cold: () => {
      const t0 = Date.now();
      const r = spawnSync(python, [SCRIPT, String(threads), String(blasThreads), "--cold"], { encoding: "utf8" });
      const wall = Date.now() - t0;
      return { init_ms: JSON.parse(r.stdout.trim().split("\n").pop()).init_ms, wall_ms: wall };
    },
  };
}

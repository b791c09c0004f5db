/**
 * The wasm backend's side of jit's fusion: lays out a fused program's code
 * and register table in wasm memory and runs `fused_f32` (gen_fused.ts),
 * cut across the worker threads when large. Returns null (the members then
 * run one by one) for anything but float32 programs whose inputs are the full
 * shape, contiguous, or a single broadcast element.
 */
import type { Backend, Storage, View } from "../backend.js";
import { fusedInputKind, type FusedProgram } from "../../jit/fuse.js";
import { sizeOf } from "../../core/shape.js";
import { FUSED_CHUNK, FUSED_OP_INDEX } from "./gen_fused.js";
import type { Runtime, WasmStorage } from "./runtime.js";

/** Below this many elements the one-op kernels (or the JS ones) are as quick. */
const MIN_FUSED = 4096;
/** Elements per thread at least before a program is split. */
const PER_THREAD = 1 << 15;

const codes = new WeakMap<FusedProgram, Int32Array | null>();

/** [op, dst, a, b] per instruction, or null when an op has no wasm body. */
function encode(p: FusedProgram): Int32Array | null {
  let c = codes.get(p);
  if (c !== undefined) return c;
  c = new Int32Array(4 * p.code.length);
  for (let k = 0; k < p.code.length; k++) {
    const ins = p.code[k];
    const op = FUSED_OP_INDEX.get(ins.prim);
    if (op === undefined) {
      c = null;
      break;
    }
    c.set([op, ins.dst, ins.a, Math.max(ins.b, 0)], 4 * k);
  }
  codes.set(p, c);
  return c;
}

export function runFusedWasm(rt: Runtime, backend: Backend, program: FusedProgram, inputs: readonly View[]): Storage[] | null {
  if (program.dtype.name !== "Float32") return null;
  const n = sizeOf(program.shape);
  if (n < MIN_FUSED) return null;
  const code = encode(program);
  if (!code) return null;
  const kinds = inputs.map((v) => fusedInputKind(program, v));
  if (kinds.includes(null)) return null;
  const scalar = kinds.map((k) => k === "scalar");
  rt.begin();
  try {
    const inPtr = inputs.map((v) => rt.ptrOf(v.storage as WasmStorage) + 4 * v.offset);
    const outs = Array.from({ length: program.nOutputs }, () => rt.output(backend, program.dtype, n));
    const nregs = program.nInputs + program.nOutputs + program.nTemps;
    const parts = Math.max(1, Math.min(rt.slices(), Math.floor(n / PER_THREAD)));
    const codePtr = rt.temp(4 * code.length);
    // a chunk of each broadcast element, shared by the threads
    const splat = inputs.map((v, i) => (scalar[i] ? rt.temp(4 * FUSED_CHUNK) : -1));
    const tables: number[] = [];
    const slices: number[][] = [];
    const per = Math.ceil(n / parts / 16) * 16;
    for (let s = 0; s < n; s += per) {
      const len = Math.min(per, n - s);
      const table = rt.temp(8 * nregs);
      const temps = rt.temp(4 * FUSED_CHUNK * Math.max(1, program.nTemps));
      tables.push(table, s, temps);
      slices.push([len, codePtr, program.code.length, table]);
    }
    // write after every allocation (an allocation may grow the memory and replace the buffer)
    rt.heap.refresh();
    const mem = rt.heap.memory.buffer;
    new Int32Array(mem, codePtr, code.length).set(code);
    const inputData = inputs.map((v, i) => (scalar[i] ? new Float32Array(mem, inPtr[i], 1)[0] : 0));
    splat.forEach((p, i) => {
      if (p >= 0) new Float32Array(mem, p, FUSED_CHUNK).fill(inputData[i]);
    });
    for (let t = 0; t < tables.length; t += 3) {
      const [table, s, temps] = [tables[t], tables[t + 1], tables[t + 2]];
      const reg = new Int32Array(mem, table, 2 * nregs);
      inputs.forEach((_, i) => reg.set(scalar[i] ? [splat[i], 0] : [inPtr[i] + 4 * s, 4], 2 * i));
      outs.forEach((o, i) => reg.set([o.ptr + 4 * s, 4], 2 * (program.nInputs + i)));
      for (let i = 0; i < program.nTemps; i++) reg.set([temps + 4 * FUSED_CHUNK * i, 0], 2 * (program.nInputs + program.nOutputs + i));
    }
    rt.run("fused_f32", slices);
    return outs.map((o) => rt.finish(o.st));
  } finally {
    rt.end();
  }
}

/**
 * What this JavaScript engine offers the wasm backend, probed at run time by
 * validating tiny modules: 128-bit SIMD (required), relaxed-SIMD fused
 * multiply-add (optional: Node 20 has it only behind
 * --experimental-wasm-relaxed-simd), and threads (shared memory, and a way to
 * start workers: worker_threads in Node, Web Workers in a cross-origin
 * isolated page).
 */
import { ModuleBuilder, V, f32, v128 } from "./builder.js";

export interface WasmFeatures {
  readonly wasm: boolean;
  readonly simd: boolean;
  readonly relaxedSimd: boolean;
  readonly sharedMemory: boolean;
  /** "node" (worker_threads), "web" (Web Workers) or null: single-threaded */
  readonly workers: "node" | "web" | null;
}

function validates(build: (m: ModuleBuilder) => void, shared = false): boolean {
  try {
    const m = new ModuleBuilder({ initialPages: 1, maximumPages: 1, shared });
    build(m);
    return WebAssembly.validate(m.encode() as BufferSource);
  } catch {
    return false;
  }
}

export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === "string";
}

let cached: WasmFeatures | null = null;

export function detectFeatures(): WasmFeatures {
  if (cached) return cached;
  const wasm = typeof WebAssembly === "object" && typeof WebAssembly.validate === "function";
  const simd = wasm && validates((m) => m.fn("f", [f32], [v128], (f) => f.get(0).v(V.f32x4_splat)));
  const relaxedSimd =
    simd &&
    validates((m) =>
      m.fn("f", [f32], [v128], (f) => {
        f.get(0).v(V.f32x4_splat).get(0).v(V.f32x4_splat).get(0).v(V.f32x4_splat).v(V.f32x4_relaxed_madd);
      }),
    );
  const sharedMemory = wasm && typeof SharedArrayBuffer === "function" && typeof Atomics === "object" && validates(() => {}, true);
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  const workers = !sharedMemory ? null : isNode() ? "node" : g.crossOriginIsolated === true && typeof g.Worker === "function" ? "web" : null;
  cached = { wasm, simd, relaxedSimd, sharedMemory, workers };
  return cached;
}

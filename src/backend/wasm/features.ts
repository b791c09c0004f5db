/**
 * What this JavaScript engine offers the wasm backend, probed at run time by
 * validating tiny modules: 128-bit SIMD (required), relaxed-SIMD fused
 * multiply-add (optional), and threads (shared memory, and a way to start
 * workers: worker_threads in Node, Web Workers in a cross-origin isolated
 * page).
 *
 * Relaxed SIMD is part of WebAssembly 3.0 and on by default in browsers and
 * Node 22+; Node 20's V8 implements it behind --experimental-wasm-relaxed-simd.
 * There we turn the flag on before probing (v8.setFlagsFromString, before any
 * of our modules is compiled): a fused multiply-add doubles the matmul's peak
 * per instruction. MINDSPORE_TS_WASM_RELAXED=0 leaves the flag alone.
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

type NodeProc = { versions?: { node?: string }; env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };

/** Node before 22: enable V8's implemented-but-flagged relaxed SIMD (see the header). */
function enableRelaxedSimdFlag(): void {
  const proc = (globalThis as { process?: NodeProc }).process;
  if (!proc?.versions?.node || proc.env?.MINDSPORE_TS_WASM_RELAXED === "0") return;
  try {
    const v8 = proc.getBuiltinModule?.("node:v8") as { setFlagsFromString(f: string): void } | undefined;
    v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
  } catch {
    // an engine that refuses the flag simply runs without relaxed SIMD
  }
}

export function detectFeatures(): WasmFeatures {
  if (cached) return cached;
  enableRelaxedSimdFlag();
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

/**
 * Loading the native addon (native/, built by `npm install` through
 * scripts/build-native.mjs). Node only: in a browser there is no addon and
 * nothing is said; in Node, a missing or broken build yields the reason, which
 * the registry reports once.
 *
 * Node's modules are reached through `process.getBuiltinModule` rather than
 * imports, so that bundlers for the browser never see them.
 */
import type { TypedArray } from "../../core/dtype.js";

export interface NativeInfo {
  /** micro-kernel set picked by CPU detection: "avx512", "avx2" or "portable" */
  readonly isa: string;
  /** threads a kernel may use */
  readonly threads: number;
  /** cores the process may run on */
  readonly cores: number;
  readonly unary: readonly string[];
  readonly binary: readonly string[];
  readonly reduce: readonly string[];
}

export interface NativeMemory {
  readonly live: number;
  readonly liveBytes: number;
  readonly cachedBytes: number;
  readonly capBytes: number;
}

/** The addon's functions (native/src/addon.cc). `meta` packs shapes, strides and offsets. */
export interface NativeAddon {
  info(): NativeInfo;
  setThreads(n: number): void;
  /** Uninitialised output memory from the addon's block cache (see native/src/blocks.h). */
  alloc(bytes: number): ArrayBuffer;
  /** Detach a buffer from `alloc` now, handing its block back (for memory nothing can reach any more). */
  release(buffer: ArrayBuffer): void;
  /** Blocks handed out and not yet freed by the GC, and what the cache keeps for reuse. */
  memory(): NativeMemory;
  /** Most bytes of freed blocks kept for reuse (MINDSPORE_TS_CACHE_MB sets it at start; default 1 GiB). */
  setCacheCap(bytes: number): void;
  unary(op: number, out: TypedArray, x: TypedArray, meta: Float64Array): void;
  binary(op: number, out: TypedArray, a: TypedArray, b: TypedArray, meta: Float64Array): void;
  select(out: TypedArray, cond: TypedArray, x: TypedArray, y: TypedArray, meta: Float64Array): void;
  cast(out: TypedArray, x: TypedArray, meta: Float64Array): void;
  reduce(op: number, out: TypedArray, x: TypedArray, meta: Float64Array): void;
  matmul(out: TypedArray, a: TypedArray, b: TypedArray, meta: Float64Array): void;
  conv(out: TypedArray, x: TypedArray, w: TypedArray, meta: Float64Array): void;
  /** false when an index is out of range (nothing thrown: the reference kernel raises the error) */
  gather(out: TypedArray, x: TypedArray, index: TypedArray, meta: Float64Array): boolean;
  scatterAdd(out: TypedArray, src: TypedArray, index: TypedArray, meta: Float64Array): boolean;
  poolArgmax(out: TypedArray, x: TypedArray, meta: Float64Array): void;
  /** A fused elementwise program (native/src/fused.cc); arrays are the inputs, then the outputs. */
  fused(code: Int32Array, arrays: readonly TypedArray[], meta: Float64Array): void;
  argreduce(isMax: boolean, out: TypedArray, x: TypedArray, meta: Float64Array): void;
}

export interface AddonLoad {
  readonly addon: NativeAddon | null;
  /** why there is no addon (null in browsers, where none is expected) */
  readonly reason: string | null;
}

type Proc = {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
};

export function loadAddon(): AddonLoad {
  const proc = (globalThis as { process?: Proc }).process;
  if (!proc?.versions?.node) return { addon: null, reason: null };
  if (proc.env?.MINDSPORE_TS_NATIVE === "0") return { addon: null, reason: "disabled by MINDSPORE_TS_NATIVE=0" };
  if (typeof proc.getBuiltinModule !== "function") {
    return { addon: null, reason: `Node.js ${proc.versions.node} cannot load it; 20.16 or later is needed` };
  }
  const { createRequire } = proc.getBuiltinModule("node:module") as typeof import("node:module");
  const { existsSync, readFileSync } = proc.getBuiltinModule("node:fs") as typeof import("node:fs");
  const { fileURLToPath } = proc.getBuiltinModule("node:url") as typeof import("node:url");
  // src/backend/native/ and dist/backend/native/ are both three levels below the package root.
  // (`here` keeps bundlers from treating this as an asset to bundle)
  const here = import.meta.url;
  const root = new URL("../../../native/build/", here);
  const file = fileURLToPath(new URL("Release/mindspore_native.node", root));
  if (!existsSync(file)) {
    const errFile = fileURLToPath(new URL("BUILD_ERROR.txt", root));
    const why = existsSync(errFile) ? readFileSync(errFile, "utf8").split("\n")[0].trim() : "";
    return { addon: null, reason: why ? `its build failed: ${why}` : "it is not built (run: node scripts/build-native.mjs)" };
  }
  try {
    return { addon: createRequire(import.meta.url)(file) as NativeAddon, reason: null };
  } catch (e) {
    return { addon: null, reason: `loading ${file} failed: ${(e as Error).message.split("\n")[0]}` };
  }
}

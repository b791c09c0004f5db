/**
 * Node only: V8's gc() and a FinalizationRegistry with cleanupSome(), taken
 * from a fresh vm context after turning on the flags that install them
 * (v8.setFlagsFromString affects contexts created afterwards; ours is the only
 * one that needs them). Null where missing (browsers), or when turned off
 * with MINDSPORE_TS_GC=0 (or, as before, MINDSPORE_TS_WASM_GC=0).
 *
 * Why the backends want it: the GC does not see memory outside the JS heap
 * (wasm memory, native blocks) as pressure soon enough, so a synchronous
 * training loop would otherwise cycle through far more memory than it holds
 * live. The native backend runs a young collection every few megabytes of
 * tensors (V8 frees external ArrayBuffers in them); the wasm backend needs
 * full ones, spaced out (see Residency.stepBoundary), because only those clear
 * a FinalizationRegistry's targets.
 */
export interface Collector {
  /** run a young-generation (minor) or full collection now */
  gc(major: boolean): void;
  /** a FinalizationRegistry with cleanupSome() */
  readonly Registry: typeof FinalizationRegistry;
}

type NodeProc = { versions?: { node?: string }; env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };
const nodeProcess = () => (globalThis as { process?: NodeProc }).process;

let made = false;
let shared: Collector | null = null;

export function nodeCollector(): Collector | null {
  if (made) return shared;
  made = true;
  const proc = nodeProcess();
  if (!proc?.versions?.node || proc.env?.MINDSPORE_TS_GC === "0" || proc.env?.MINDSPORE_TS_WASM_GC === "0") return null;
  try {
    const v8 = proc.getBuiltinModule?.("node:v8") as { setFlagsFromString(f: string): void } | undefined;
    const vm = proc.getBuiltinModule?.("node:vm") as { createContext(o: object): object; runInContext(code: string, ctx: object): unknown } | undefined;
    if (!v8 || !vm) return null;
    v8.setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
    v8.setFlagsFromString("--expose-gc");
    const ctx = vm.createContext({});
    const gc = vm.runInContext("typeof gc === 'function' ? gc : null", ctx) as ((o?: { type: string }) => void) | null;
    const Registry = vm.runInContext("FinalizationRegistry", ctx) as typeof FinalizationRegistry;
    if (!gc || typeof (Registry.prototype as { cleanupSome?: unknown }).cleanupSome !== "function") return null;
    // gc() is a full collection; {type: "minor"} a scavenge (Node 20 ignores {type: "major"})
    shared = { gc: (major) => (major ? gc() : gc({ type: "minor" })), Registry };
  } catch {
    shared = null;
  }
  return shared;
}

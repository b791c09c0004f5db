/**
 * Which backend runs kernels: `ms.set_backend(name)`, `ms.get_backend()`, or
 * the environment variable MINDSPORE_TS_BACKEND at start-up. Dispatch falls
 * back to the reference backend for any kernel the current one lacks.
 */
import type { Backend, KernelTable, OutSpec, Storage, View } from "./backend.js";
import type { PrimName, PrimParams } from "../primitives/params.js";
import type { FusedProgram } from "../jit/fuse.js";
import { referenceBackend } from "./reference/index.js";
import { HostStorage } from "./reference/storage.js";
import { nativeBackend, nativeLoadError } from "./native/index.js";
import { createWasmBackend } from "./wasm/index.js";
import { ValueError } from "../core/errors.js";

const backends = new Map<string, Backend>([["reference", referenceBackend]]);
let current: Backend = referenceBackend;

// The native (C++) backend registers itself when its addon loads (Node only).
if (nativeBackend) backends.set(nativeBackend.name, nativeBackend);
// The wasm backend registers wherever WebAssembly SIMD exists (it compiles its kernels on first use).
const wasmBackend = createWasmBackend();
if (wasmBackend) backends.set(wasmBackend.name, wasmBackend);

export function register_backend(backend: Backend): void {
  backends.set(backend.name, backend);
}

export function set_backend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    const why = name === "native" && nativeLoadError ? ` (the native backend is unavailable: ${nativeLoadError})` : "";
    throw new ValueError(`For 'set_backend', the 'name' must be one of [${[...backends.keys()].join(", ")}], but got '${name}'.${why}`);
  }
  current = b;
}

export function get_backend(): string {
  return current.name;
}

/** Every registered backend (the reference one first). */
export function listBackends(): Backend[] {
  return [...backends.values()];
}

export function currentBackend(): Backend {
  return current;
}

/** Backends whose storage is a HostStorage (a TypedArray) and whose `upload` wraps without copying. */
const hostVisible = (b: Backend) => b === referenceBackend || (b as { hostVisible?: boolean }).hostVisible === true;

/** A view whose storage lives on `target`, copying through the host when it lives elsewhere. */
function moveTo(view: View, target: Backend): View {
  if (view.storage.backend === target) return view;
  // Host memory is shared, not copied, between host-visible backends (storage is never written after creation).
  if (view.storage instanceof HostStorage && hostVisible(target)) {
    return { storage: target.upload(view.storage.data, view.storage.dtype), shape: view.shape, strides: view.strides, offset: view.offset };
  }
  const host = view.storage.backend.readSync(view);
  return { storage: target.upload(host, view.storage.dtype), shape: view.shape, strides: contiguousOf(view.shape), offset: 0 };
}

function contiguousOf(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Storages made by kernels while `collectStorages` runs (null when nothing collects). */
let collected: Storage[] | null = null;

/** Run primitive `p`'s kernel on the current backend, or on the reference one if it has none. */
export function runKernel<P extends PrimName>(p: P, inputs: readonly View[], params: PrimParams[P], out: OutSpec): Storage {
  const own = current.kernels[p] as KernelTable[P] | undefined;
  const backend = own ? current : referenceBackend;
  const kernel = (own ?? referenceBackend.kernels[p]) as KernelTable[P];
  const storage = kernel(inputs.map((v) => moveTo(v, backend)), params, out);
  collected?.push(storage);
  return storage;
}

/** A fused elementwise program on the current backend, or null where it has no fused kernel for these views. */
export function runFused(program: FusedProgram, inputs: readonly View[]): Storage[] | null {
  if (!current.fused) return null;
  const out = current.fused(program, inputs.map((v) => moveTo(v, current)));
  if (out) collected?.push(...out);
  return out;
}

/** Whether the current backend fuses elementwise chains (`jit` plans with fusion only then). */
export const currentFuses = (): boolean => typeof current.fused === "function";

/**
 * Run `fn` and list every storage a kernel made meanwhile. The engine uses it
 * to free its own intermediates at once (see ReverseTrace.backward): what it
 * made and did not hand out cannot be reachable.
 */
export function collectStorages<T>(fn: () => T): { result: T; made: Storage[] } {
  const outer = collected;
  const made: Storage[] = [];
  collected = made;
  try {
    return { result: fn(), made };
  } finally {
    collected = outer;
    outer?.push(...made);
  }
}

/** Tell the current backend a step is starting (see Backend.stepBoundary). */
export function stepBoundary(): void {
  current.stepBoundary?.();
}

/** Hand storages back to their backends now (those without `release` leave them to the GC). */
export function releaseStorages(storages: Iterable<Storage>): void {
  for (const s of storages) s.backend.release?.(s);
}

/**
 * Initial choice: MINDSPORE_TS_BACKEND where set; else the fastest that
 * loaded: native (Node, when its addon built), then wasm (wherever
 * WebAssembly SIMD exists), then reference. When the native addon did not
 * load in Node, say so once.
 */
export function initBackendFromEnv(): void {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; stderr?: { write(s: string): unknown } } }).process;
  const name = proc?.env?.MINDSPORE_TS_BACKEND;
  if (name) return set_backend(name);
  current = nativeBackend ?? wasmBackend ?? referenceBackend;
  if (!nativeBackend && nativeLoadError) proc?.stderr?.write(`mindspore-ts: the native backend is unavailable (${nativeLoadError}); using the '${current.name}' backend.\n`);
}

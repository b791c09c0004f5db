/**
 * The wasm backend's one module: every kernel emitted by the generators,
 * specialised for the features found (relaxed-SIMD FMA, shared memory).
 */
import { ModuleBuilder } from "./builder.js";
import { EW_SPECS, emitElementwise } from "./gen_elementwise.js";
import { GEMM, emitGemm } from "./gen_gemm.js";
import { emitReductions } from "./gen_reduce.js";
import { emitConv } from "./gen_conv.js";
import { emitGather } from "./gen_gather.js";
import { emitFused } from "./gen_fused.js";

export type KernelExports = Record<string, (...args: number[]) => void>;

export interface ModuleOptions {
  readonly fma: boolean;
  readonly shared: boolean;
  readonly maximumPages: number;
}

export function buildModuleBytes(o: ModuleOptions): Uint8Array {
  const m = new ModuleBuilder({ initialPages: 1, maximumPages: o.maximumPages, shared: o.shared });
  const gemm = emitGemm(m, o.fma);
  for (const spec of EW_SPECS) emitElementwise(m, spec);
  emitReductions(m);
  emitConv(m, gemm, GEMM.MR);
  emitGather(m);
  emitFused(m);
  return m.encode();
}

/** Exported kernels a thread-pool job may run (everything but the internal helpers). */
export function pooledFunctions(exports: WebAssembly.Exports): string[] {
  return Object.keys(exports).sort();
}

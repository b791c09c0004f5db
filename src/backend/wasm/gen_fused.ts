/**
 * `fused_f32`: jit's fused elementwise programs (src/jit/fuse.ts) on float32,
 * interpreted chunk by chunk. Each instruction runs the same vector body as
 * its one-op kernel (EW_SPECS) over a chunk of CHUNK elements, so values
 * between instructions stay in small buffers in cache and the program reads
 * its inputs and writes its outputs once. Being part of the one module, it
 * runs on the worker threads like every other kernel.
 *
 * Signature: (n, code, ninstr, regs) -> ()
 *   code: ninstr x [op, dst, a, b] (i32; op indexes FUSED_OPS, b unused by unary ops)
 *   regs: per register [base, step] (i32): its chunk at c0 is base + step * c0 (step 4 for inputs
 *         and outputs that stream, 0 for chunk buffers: temporaries and splatted single elements)
 */
import { Fn, I32, ModuleBuilder, V, i32, v128 } from "./builder.js";
import { EW_SPECS, type EwSpec } from "./gen_elementwise.js";

export const FUSED_CHUNK = 1024;

/** The float32 -> float32 ops of EW_SPECS a fused program may use, by index. */
export const FUSED_OPS: readonly EwSpec[] = EW_SPECS.filter(
  (s) => s.out === "f32" && s.ins.every((e) => e === "f32") && s.ins.length <= 2 && s.name !== "copy_f32",
);
export const FUSED_OP_INDEX: ReadonlyMap<string, number> = new Map(FUSED_OPS.map((s, i) => [s.name, i]));

export function emitFused(m: ModuleBuilder): Fn {
  return m.fn("fused_f32", [i32, i32, i32, i32], [], (f) => {
    const [n, code, ninstr, regs] = [0, 1, 2, 3];
    const c0 = f.local(i32);
    const len = f.local(i32);
    const k = f.local(i32);
    const kp = f.local(i32);
    const op = f.local(i32);
    const d = f.local(i32);
    const a = f.local(i32);
    const b = f.local(i32);
    const va = f.local(v128);
    const vb = f.local(v128);
    /** the address of register (i32 on the stack) at chunk c0 */
    const regAddr = (field: number, into: number) => {
      f.get(kp).i32load(field).i32c(3).op(I32.shl).get(regs).op(I32.add).set(into);
      f.get(into).i32load(0).get(into).i32load(4).get(c0).op(I32.mul).op(I32.add).set(into);
    };
    const pa = f.local(i32);
    const pb = f.local(i32);
    const pd = f.local(i32);
    const end = f.local(i32);
    /** one step: 4 lanes at the pointers (or one element splatted, for the tail) */
    const body = (spec: EwSpec, one: boolean) => {
      f.get(pa);
      if (one) f.vsplat32();
      else f.vload();
      f.set(va);
      if (spec.ins.length === 2) {
        f.get(pb);
        if (one) f.vsplat32();
        else f.vload();
        f.set(vb);
      }
      const res = f.local(v128);
      spec.body(f, spec.ins.length === 2 ? [va, vb] : [va]);
      f.set(res);
      f.get(pd).get(res);
      if (one) f.vstoreLane(V.store32_lane, 4, 0);
      else f.vstore();
    };
    const run = (spec: EwSpec) => {
      f.get(a).set(pa);
      f.get(b).set(pb);
      f.get(d).set(pd);
      // the vector part ends at d + 4 * (len & ~3); the tail goes one element at a time
      f.get(len).i32c(-4).op(I32.and).i32c(2).op(I32.shl).get(d).op(I32.add).set(end);
      f.block(() =>
        f.loop(() => {
          f.get(pd).get(end).op(I32.ge_u).brIf(1);
          body(spec, false);
          f.inc(pa, 16).inc(pb, 16).inc(pd, 16).br(0);
        }),
      );
      f.get(len).i32c(2).op(I32.shl).get(d).op(I32.add).set(end);
      f.block(() =>
        f.loop(() => {
          f.get(pd).get(end).op(I32.ge_u).brIf(1);
          body(spec, true);
          f.inc(pa, 4).inc(pb, 4).inc(pd, 4).br(0);
        }),
      );
    };
    f.i32c(0).set(c0);
    f.block(() =>
      f.loop(() => {
        f.get(c0).get(n).op(I32.ge_s).brIf(1);
        // len = min(CHUNK, n - c0)
        f.get(n).get(c0).op(I32.sub).set(len);
        f.get(len).i32c(FUSED_CHUNK).op(I32.gt_s).if(() => f.i32c(FUSED_CHUNK).set(len));
        f.i32c(0).set(k);
        f.block(() =>
          f.loop(() => {
            f.get(k).get(ninstr).op(I32.ge_s).brIf(1);
            f.get(k).i32c(4).op(I32.shl).get(code).op(I32.add).set(kp);
            f.get(kp).i32load(0).set(op);
            regAddr(4, d);
            regAddr(8, a);
            regAddr(12, b);
            FUSED_OPS.forEach((spec, i) => f.get(op).i32c(i).op(I32.eq).if(() => run(spec)));
            f.inc(k, 1).br(0);
          }),
        );
        f.inc(c0, FUSED_CHUNK).br(0);
      }),
    );
  });
}

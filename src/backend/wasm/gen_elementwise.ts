/**
 * Elementwise kernels over 3-D strided operands: out[a, r, j] = op(in_k[a, r, j])
 * with out's rows contiguous (strides so0, so1, 1, so that pad and concat
 * can write into a window of a larger output) and each input given as (ptr,
 * s0, s1, s2) in elements. Three dimensions cover the usual broadcasts
 * (a per-channel bias over NCHW is [N, C, HW] with strides [0, 1, 0]). The driver collapses every call to this form
 * (broadcast axes have stride 0). Inner loops are SIMD for column strides of
 * 1 (a vector load) and 0 (a splat hoisted out of the loop), one variant per
 * combination; any other stride takes a one-lane path.
 *
 * Signature: (n0, n1, n2, po, so0, so1, p_1, s0_1, s1_1, s2_1, ..., p_k, ...) -> ()
 */
import { Fn, I32, ModuleBuilder, V, i32, v128, type ValType } from "./builder.js";
import { emitExp, emitLog, emitSigmoid, emitSign, emitTanh } from "./gen_math.js";

export type Elem = "f32" | "u8";
const SIZE: Record<Elem, number> = { f32: 4, u8: 1 };

export interface EwSpec {
  readonly name: string;
  readonly ins: readonly Elem[];
  readonly out: Elem;
  /** leaves the v128 result; for u8 outputs, lanes are i32 0/1 or all-ones masks (normalised on store) */
  readonly body: (f: Fn, ins: readonly number[]) => void;
  /** true when the body yields comparison masks (-1/0) that must become 0/1 */
  readonly mask?: boolean;
}

const un = (name: string, body: (f: Fn, x: number) => void): EwSpec => ({ name, ins: ["f32"], out: "f32", body: (f, [x]) => body(f, x) });
const bin = (name: string, op: number): EwSpec => ({ name, ins: ["f32", "f32"], out: "f32", body: (f, [a, b]) => f.get(a).get(b).v(op) });
const cmp = (name: string, op: number, swap = false): EwSpec => ({
  name,
  ins: ["f32", "f32"],
  out: "u8",
  mask: true,
  body: (f, [a, b]) => (swap ? f.get(b).get(a) : f.get(a).get(b)).v(op),
});

export const EW_SPECS: readonly EwSpec[] = [
  un("copy_f32", (f, x) => f.get(x)),
  un("neg", (f, x) => f.get(x).v(V.f32x4_neg)),
  un("abs", (f, x) => f.get(x).v(V.f32x4_abs)),
  un("sqrt", (f, x) => f.get(x).v(V.f32x4_sqrt)),
  un("floor", (f, x) => f.get(x).v(V.f32x4_floor)),
  un("ceil", (f, x) => f.get(x).v(V.f32x4_ceil)),
  // f32x4.nearest rounds half to even, as MindSpore's round does
  un("round", (f, x) => f.get(x).v(V.f32x4_nearest)),
  un("reciprocal", (f, x) => f.f32x4c(1).get(x).v(V.f32x4_div)),
  un("exp", emitExp),
  un("log", emitLog),
  un("tanh", emitTanh),
  un("sigmoid", emitSigmoid),
  un("sign", emitSign),
  bin("add", V.f32x4_add),
  bin("sub", V.f32x4_sub),
  bin("mul", V.f32x4_mul),
  bin("div", V.f32x4_div),
  // wasm's min/max propagate NaN, as MindSpore's maximum/minimum do
  bin("maximum", V.f32x4_max),
  bin("minimum", V.f32x4_min),
  cmp("equal", V.f32x4_eq),
  cmp("not_equal", V.f32x4_ne),
  cmp("less", V.f32x4_lt),
  cmp("less_equal", V.f32x4_le),
  cmp("greater", V.f32x4_gt),
  cmp("greater_equal", V.f32x4_ge),
  {
    name: "select",
    ins: ["u8", "f32", "f32"],
    out: "f32",
    body: (f, [c, x, y]) => f.get(x).get(y).get(c).i32x4c(0).v(V.i32x4_ne).v(V.bitselect),
  },
  // casts: float32 -> bool (nonzero and not NaN), bool -> float32, u8 copy
  { name: "cast_f32_bool", ins: ["f32"], out: "u8", mask: true, body: (f, [x]) => f.get(x).f32x4c(0).v(V.f32x4_ne).get(x).get(x).v(V.f32x4_eq).v(V.and) },
  { name: "cast_bool_f32", ins: ["u8"], out: "f32", body: (f, [x]) => f.get(x).v(V.f32x4_convert_i32x4_s) },
  { name: "copy_u8", ins: ["u8"], out: "u8", body: (f, [x]) => f.get(x) },
];

/** Load 4 elements at `addr` (on the stack) as a v128 of f32 lanes or i32 lanes. */
function loadVec(f: Fn, e: Elem): void {
  if (e === "f32") f.vload();
  else f.vload32zero().v(V.i16x8_extend_low_i8x16_u).v(V.i32x4_extend_low_i16x8_u);
}
/** Load one element at `addr` splatted to all lanes. */
function loadSplat(f: Fn, e: Elem): void {
  if (e === "f32") f.vsplat32();
  else f.u8load().v(V.i32x4_splat);
}

export function emitElementwise(m: ModuleBuilder, spec: EwSpec): Fn {
  const k = spec.ins.length;
  const params: ValType[] = [i32, i32, i32, i32, i32, i32, ...spec.ins.flatMap((): ValType[] => [i32, i32, i32, i32])];
  return m.fn(`ew_${spec.name}`, params, [], (f) => {
    // inner names: rows are (a, r), the contiguous axis j; "s0/s1" below are the row and column strides
    const [na, n0, n1, po, soa, so0] = [0, 1, 2, 3, 4, 5];
    const p = (i: number) => 6 + 4 * i;
    const sa = (i: number) => 7 + 4 * i;
    const s0 = (i: number) => 8 + 4 * i;
    const s1 = (i: number) => 9 + 4 * i;
    const a = f.local(i32);
    const osz = SIZE[spec.out];
    const r = f.local(i32);
    const j = f.local(i32);
    const rowO = f.local(i32);
    const rowIn = spec.ins.map(() => f.local(i32));
    const vin = spec.ins.map(() => f.local(v128));
    const res = f.local(v128);
    const addrIn = (i: number, stride: number | null) => {
      // rowIn_i + j * stride * size
      f.get(rowIn[i]).get(j);
      if (stride === null) f.get(s1(i)).op(I32.mul);
      else if (stride !== 1) f.i32c(stride).op(I32.mul);
      if (SIZE[spec.ins[i]] > 1) f.i32c(Math.log2(SIZE[spec.ins[i]])).op(I32.shl);
      f.op(I32.add);
    };
    const addrOut = () => {
      f.get(rowO).get(j);
      if (osz > 1) f.i32c(Math.log2(osz)).op(I32.shl);
      f.op(I32.add);
    };
    /** Store `res` (4 lanes, or lane 0 only when `one`). */
    const store = (one: boolean) => {
      addrOut();
      if (spec.out === "f32") {
        f.get(res);
        if (one) f.vstoreLane(V.store32_lane, 4, 0);
        else f.vstore();
      } else {
        f.get(res);
        if (spec.mask) f.i32x4c(1).v(V.and);
        const t = res;
        f.set(t);
        f.get(t).get(t).v(V.i16x8_narrow_i32x4_u).set(t);
        f.get(t).get(t).v(V.i8x16_narrow_i16x8_u);
        if (one) f.vstoreLane(V.store8_lane, 1, 0);
        else f.vstoreLane(V.store32_lane, 4, 0);
      }
    };
    const compute = () => {
      spec.body(f, vin);
      f.set(res);
    };
    /** SIMD loop for column strides `modes` (1 contiguous, 0 broadcast). */
    const simdLoop = (modes: readonly number[]) => {
      for (let i = 0; i < k; i++) {
        if (modes[i] === 0) {
          f.get(rowIn[i]);
          loadSplat(f, spec.ins[i]);
          f.set(vin[i]);
        }
      }
      f.i32c(0).set(j);
      f.block(() =>
        f.loop(() => {
          f.get(j).i32c(4).op(I32.add).get(n1).op(I32.gt_s).brIf(1);
          for (let i = 0; i < k; i++) {
            if (modes[i] === 1) {
              addrIn(i, 1);
              loadVec(f, spec.ins[i]);
              f.set(vin[i]);
            }
          }
          compute();
          store(false);
          f.inc(j, 4).br(0);
        }),
      );
      // tail, one lane at a time
      f.block(() =>
        f.loop(() => {
          f.get(j).get(n1).op(I32.ge_s).brIf(1);
          for (let i = 0; i < k; i++) {
            if (modes[i] === 1) {
              addrIn(i, 1);
              loadSplat(f, spec.ins[i]);
              f.set(vin[i]);
            }
          }
          compute();
          store(true);
          f.inc(j, 1).br(0);
        }),
      );
    };
    const variants = (i: number, modes: number[]) => {
      if (i === k) return simdLoop(modes);
      f.get(s1(i)).i32c(1).op(I32.eq).if(
        () => variants(i + 1, [...modes, 1]),
        () => variants(i + 1, [...modes, 0]),
      );
    };
    const general = () => {
      f.for(j, () => f.i32c(0), () => f.get(n1), 1, () => {
        for (let i = 0; i < k; i++) {
          addrIn(i, null);
          loadSplat(f, spec.ins[i]);
          f.set(vin[i]);
        }
        compute();
        store(true);
      });
    };
    f.for(a, () => f.i32c(0), () => f.get(na), 1, () => {
      f.for(r, () => f.i32c(0), () => f.get(n0), 1, () => {
        // row bases
        f.get(po).get(a).get(soa).op(I32.mul).get(r).get(so0).op(I32.mul).op(I32.add);
        if (osz > 1) f.i32c(Math.log2(osz)).op(I32.shl);
        f.op(I32.add).set(rowO);
        for (let i = 0; i < k; i++) {
          f.get(p(i)).get(a).get(sa(i)).op(I32.mul).get(r).get(s0(i)).op(I32.mul).op(I32.add);
          if (SIZE[spec.ins[i]] > 1) f.i32c(Math.log2(SIZE[spec.ins[i]])).op(I32.shl);
          f.op(I32.add).set(rowIn[i]);
        }
        // all column strides 0 or 1: SIMD variants; else the general path
        f.i32c(1);
        for (let i = 0; i < k; i++) f.get(s1(i)).i32c(1).op(I32.le_u).op(I32.and);
        f.if(() => variants(0, []), general);
      });
    });
  });
}

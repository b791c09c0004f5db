/**
 * Vector (f32x4) elementary functions for the wasm kernels, after Cephes'
 * single-precision routines (range reduction + minimax polynomial, about one
 * ulp), with IEEE special values handled explicitly: exp, log, tanh, sigmoid.
 * Each emitter takes a v128 local holding x and leaves f(x) on the stack.
 */
import { Fn, V, v128 } from "./builder.js";

/** Horner: c[0] x^n + ... + c[n], x in local `x`; leaves the value on the stack. */
function horner(f: Fn, x: number, c: readonly number[]): void {
  f.f32x4c(c[0]);
  for (let i = 1; i < c.length; i++) f.get(x).v(V.f32x4_mul).f32x4c(c[i]).v(V.f32x4_add);
}

/** 2^n for an i32x4 n in [-126, 127], as f32x4. */
function pow2(f: Fn, n: number): void {
  f.get(n).i32x4c(127).v(V.i32x4_add).i32c(23).v(V.i32x4_shl);
}

export function emitExp(f: Fn, xIn: number): void {
  const x = f.local(v128);
  const t = f.local(v128);
  const fx = f.local(v128);
  const r = f.local(v128);
  const n1 = f.local(v128);
  const n2 = f.local(v128);
  const y = f.local(v128);
  const MAGIC = 12582912; // 1.5 * 2^23: adding it rounds to an integer held in the low mantissa bits
  // clamp: beyond these the result is inf / 0 (and the polynomial stays in range). pmin/pmax are single
  // instructions (min/max with NaN rules are not) and pass a NaN x through: pmin(x, c) = c < x ? c : x
  f.get(xIn).f32x4c(88.8).v(V.f32x4_pmin).f32x4c(-104).v(V.f32x4_pmax).set(x);
  f.get(x).f32x4c(Math.LOG2E).v(V.f32x4_mul).f32x4c(MAGIC).v(V.f32x4_add).set(t);
  f.get(t).f32x4c(MAGIC).v(V.f32x4_sub).set(fx);
  // r = x - fx ln2 (two-part constant)
  f.get(x).get(fx).f32x4c(0.693359375).v(V.f32x4_mul).v(V.f32x4_sub).get(fx).f32x4c(-2.12194440e-4).v(V.f32x4_mul).v(V.f32x4_sub).set(r);
  horner(f, r, [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]);
  // y = p r^2 + r + 1
  f.get(r).get(r).v(V.f32x4_mul).v(V.f32x4_mul).get(r).v(V.f32x4_add).f32x4c(1).v(V.f32x4_add).set(y);
  // n = round(x log2 e) as an integer, straight from the rounded float's bits; scale by 2^n in two steps
  // (n in [-150, 128]) so subnormal and near-overflow results come out right
  f.get(t).i32x4c(0x4b400000).v(V.i32x4_sub).set(n1);
  f.get(n1).i32c(1).v(V.i32x4_shr_s).set(n2);
  f.get(n1).get(n2).v(V.i32x4_sub).set(n1);
  f.get(y);
  pow2(f, n1);
  f.v(V.f32x4_mul);
  pow2(f, n2);
  f.v(V.f32x4_mul);
}

export function emitLog(f: Fn, xIn: number): void {
  const x = f.local(v128);
  const e = f.local(v128);
  const m = f.local(v128);
  const z = f.local(v128);
  const y = f.local(v128);
  const small = f.local(v128);
  const lt = f.local(v128);
  // subnormals: scale by 2^23 first
  f.get(xIn).f32x4c(1.17549435e-38).v(V.f32x4_lt).set(small);
  f.get(xIn).f32x4c(8388608).v(V.f32x4_mul).get(xIn).get(small).v(V.bitselect).set(x);
  // e = exponent - 126 (minus 23 for the scaled ones); m = mantissa in [0.5, 1)
  f.get(x).i32c(23).v(V.i32x4_shr_u).i32x4c(126).v(V.i32x4_sub);
  f.get(small).i32x4c(23).v(V.and).v(V.i32x4_sub);
  f.v(V.f32x4_convert_i32x4_s).set(e);
  f.get(x).i32x4c(0x807fffff).v(V.and).i32x4c(0x3f000000).v(V.or).set(m);
  // if m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1
  f.get(m).f32x4c(Math.SQRT1_2).v(V.f32x4_lt).set(lt);
  f.get(e).get(lt).f32x4c(1).v(V.and).v(V.f32x4_sub).set(e);
  f.get(m).get(m).f32x4c(0).get(lt).v(V.bitselect).v(V.f32x4_add).f32x4c(1).v(V.f32x4_sub).set(m);
  f.get(m).get(m).v(V.f32x4_mul).set(z);
  horner(f, m, [7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1]);
  f.get(m).v(V.f32x4_mul).get(z).v(V.f32x4_mul);
  f.get(e).f32x4c(-2.12194440e-4).v(V.f32x4_mul).v(V.f32x4_add);
  f.get(z).f32x4c(-0.5).v(V.f32x4_mul).v(V.f32x4_add);
  f.get(m).v(V.f32x4_add);
  f.get(e).f32x4c(0.693359375).v(V.f32x4_mul).v(V.f32x4_add).set(y);
  // special values: 0 -> -inf, negative -> NaN, +inf and NaN -> themselves
  f.f32x4c(-Infinity).get(y).get(xIn).f32x4c(0).v(V.f32x4_eq).v(V.bitselect).set(y);
  f.f32x4c(NaN).get(y).get(xIn).f32x4c(0).v(V.f32x4_lt).v(V.bitselect).set(y);
  f.get(xIn).get(y).get(xIn).f32x4c(Infinity).v(V.f32x4_eq).get(xIn).get(xIn).v(V.f32x4_ne).v(V.or).v(V.bitselect);
}

export function emitTanh(f: Fn, xIn: number): void {
  const a = f.local(v128);
  const s = f.local(v128);
  const big = f.local(v128);
  const t = f.local(v128);
  f.get(xIn).v(V.f32x4_abs).set(a);
  // |x| > 0.625: 1 - 2 / (exp(2|x|) + 1), with x's sign
  f.get(a).get(a).v(V.f32x4_add).set(t);
  emitExp(f, t);
  f.f32x4c(1).v(V.f32x4_add).set(t);
  f.f32x4c(1).f32x4c(2).get(t).v(V.f32x4_div).v(V.f32x4_sub);
  // copysign: magnitude bits | x's sign bit
  f.i32x4c(0x7fffffff).v(V.and).get(xIn).i32x4c(-0x80000000).v(V.and).v(V.or).set(big);
  // |x| <= 0.625: x + x^3 P(x^2)
  f.get(xIn).get(xIn).v(V.f32x4_mul).set(s);
  horner(f, s, [-5.70498872745e-3, 2.06390887954e-2, -5.37397155531e-2, 1.33314422036e-1, -3.33332819422e-1]);
  f.get(s).v(V.f32x4_mul).get(xIn).v(V.f32x4_mul).get(xIn).v(V.f32x4_add).set(t);
  f.get(big).get(t).get(a).f32x4c(0.625).v(V.f32x4_gt).v(V.bitselect);
}

export function emitSigmoid(f: Fn, xIn: number): void {
  const t = f.local(v128);
  f.get(xIn).v(V.f32x4_neg).set(t);
  f.f32x4c(1);
  emitExp(f, t);
  f.f32x4c(1).v(V.f32x4_add).v(V.f32x4_div);
}

/** sign(x): 1, -1, 0 (keeping -0 as 0) or NaN. */
export function emitSign(f: Fn, xIn: number): void {
  f.f32x4c(1).get(xIn).f32x4c(0).v(V.f32x4_gt).v(V.and);
  f.f32x4c(-1).get(xIn).f32x4c(0).v(V.f32x4_lt).v(V.and);
  f.v(V.or);
  const r = f.local(v128);
  f.set(r);
  f.get(xIn).get(r).get(xIn).get(xIn).v(V.f32x4_ne).v(V.bitselect);
}


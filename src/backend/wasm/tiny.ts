/**
 * Kernels for tiny tensors (a few hundred elements, all on the JS heap),
 * where a wasm call would cost more than the work: plain loops over the
 * collapsed strided operands, without the reference kernels' per-element
 * closures. Same float64 arithmetic as the reference kernels, so the same
 * results. Anything they do not cover returns null (the caller falls back).
 */
import type { OutSpec, View } from "../backend.js";
import type { TypedArray } from "../../core/dtype.js";
import { sizeOf } from "../../core/shape.js";
import { BINARY_FNS, UNARY_FNS } from "../reference/elementwise.js";
import { stridesFor } from "../reference/storage.js";
import type { BinaryPrim, UnaryPrim } from "../../primitives/params.js";
import { collapse } from "./collapse.js";

const dataOf = (v: View) => (v.storage as unknown as { data: TypedArray }).data;

/** Float32 and bool results only (other dtypes need the reference's finishing pass). */
const plainOut = (out: OutSpec) => out.dtype.name === "Float32" || out.dtype.name === "Bool";

/** Collapsed <= 3-axis shape and strides of `views` over `shape`, leading axes padded with 1 / 0. */
function plan(shape: readonly number[], views: readonly View[]): { sh: number[]; st: number[][] } | null {
  const c = collapse(shape, views.map((v) => stridesFor(v, shape)));
  if (c.shape.length > 3) return null;
  const sh = [...c.shape];
  const st = c.strides.map((s) => [...s]);
  while (sh.length < 3) {
    sh.unshift(1);
    st.forEach((s) => s.unshift(0));
  }
  return { sh, st };
}

const BIN_CODE: Partial<Record<BinaryPrim, number>> = { add: 0, sub: 1, mul: 2, div: 3 };

export function tinyUnary(p: UnaryPrim, x: View, out: OutSpec): TypedArray | null {
  if (!plainOut(out) || x.storage.dtype.name !== "Float32") return null;
  const g = plan(out.shape, [x]);
  if (!g) return null;
  const f = UNARY_FNS[p];
  const src = dataOf(x);
  const res = new out.dtype.storage(sizeOf(out.shape));
  const [n0, n1, n2] = g.sh;
  const [s0, s1, s2] = g.st[0];
  let k = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      for (let l = 0, o = x.offset + i * s0 + j * s1; l < n2; l++, o += s2) res[k++] = f(src[o]);
    }
  }
  return res;
}

export function tinyBinary(p: BinaryPrim, a: View, b: View, out: OutSpec): TypedArray | null {
  if (!plainOut(out) || a.storage.dtype.name !== "Float32" || b.storage.dtype.name !== "Float32") return null;
  const g = plan(out.shape, [a, b]);
  if (!g) return null;
  const da = dataOf(a);
  const db = dataOf(b);
  const res = new out.dtype.storage(sizeOf(out.shape));
  const [n0, n1, n2] = g.sh;
  const [a0, a1, a2] = g.st[0];
  const [b0, b1, b2] = g.st[1];
  const code = BIN_CODE[p] ?? -1;
  const f = BINARY_FNS[p];
  let k = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      let oa = a.offset + i * a0 + j * a1;
      let ob = b.offset + i * b0 + j * b1;
      for (let l = 0; l < n2; l++, oa += a2, ob += b2) {
        const x = da[oa];
        const y = db[ob];
        res[k++] = code === 0 ? x + y : code === 1 ? x - y : code === 2 ? x * y : code === 3 ? x / y : f(x, y);
      }
    }
  }
  return res;
}

export function tinySelect(c: View, x: View, y: View, out: OutSpec): TypedArray | null {
  if (out.dtype.name !== "Float32" || c.storage.dtype.name !== "Bool") return null;
  const g = plan(out.shape, [c, x, y]);
  if (!g) return null;
  const dc = dataOf(c);
  const dx = dataOf(x);
  const dy = dataOf(y);
  const res = new Float32Array(sizeOf(out.shape));
  const [n0, n1, n2] = g.sh;
  const [sc, sx, sy] = g.st;
  let k = 0;
  for (let i = 0; i < n0; i++) {
    for (let j = 0; j < n1; j++) {
      let oc = c.offset + i * sc[0] + j * sc[1];
      let ox = x.offset + i * sx[0] + j * sx[1];
      let oy = y.offset + i * sy[0] + j * sy[1];
      for (let l = 0; l < n2; l++, oc += sc[2], ox += sx[2], oy += sy[2]) res[k++] = dc[oc] ? dx[ox] : dy[oy];
    }
  }
  return res;
}

/** 2-D float32 matmul, float64 accumulation (as the reference). */
export function tinyMatmul(a: View, b: View, out: OutSpec): TypedArray | null {
  if (out.shape.length !== 2 || a.shape.length !== 2 || b.shape.length !== 2 || out.dtype.name !== "Float32") return null;
  const [m, n] = out.shape;
  const k = a.shape[1];
  const [ars, acs] = a.strides;
  const [brs, bcs] = b.strides;
  const da = dataOf(a);
  const db = dataOf(b);
  const res = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let pa = a.offset + i * ars;
      let pb = b.offset + j * bcs;
      for (let t = 0; t < k; t++, pa += acs, pb += brs) s += da[pa] * db[pb];
      res[i * n + j] = s;
    }
  }
  return res;
}

/** Sum of float32 over every axis, or over the last axis, in float64. */
export function tinySum(x: View, axes: readonly number[], out: OutSpec): TypedArray | null {
  if (x.storage.dtype.name !== "Float32" || out.dtype.name !== "Float32") return null;
  const nd = x.shape.length;
  const d = dataOf(x);
  if (axes.length === nd) {
    const g = plan(x.shape, [x]);
    if (!g) return null;
    const [n0, n1, n2] = g.sh;
    const [s0, s1, s2] = g.st[0];
    let s = 0;
    for (let i = 0; i < n0; i++) for (let j = 0; j < n1; j++) for (let l = 0, o = x.offset + i * s0 + j * s1; l < n2; l++, o += s2) s += d[o];
    return Float32Array.of(s);
  }
  if (axes.length === 1 && axes[0] === nd - 1) {
    const len = x.shape[nd - 1];
    const rows = sizeOf(x.shape) / Math.max(len, 1);
    const lead = x.shape.slice(0, -1);
    const c = collapse(lead, [x.strides.slice(0, -1)]);
    if (c.shape.length > 1) return null;
    const rs = c.shape.length ? c.strides[0][0] : 0;
    const cs = x.strides[nd - 1];
    const res = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let i = 0, p = x.offset + r * rs; i < len; i++, p += cs) s += d[p];
      res[r] = s;
    }
    return res;
  }
  return null;
}

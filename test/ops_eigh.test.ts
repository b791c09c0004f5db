/**
 * The `eigh` primitive (symmetric eigendecomposition, packed [..., n+1, n]),
 * `ops.svd` built on it, and the spectral matrix norms of `ops.norm`
 * (ord=2, -2, 'nuc'). Values against closed forms, constructed spectra and
 * power iteration in plain JS; gradients by gradcheck to second order.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import * as L from "../src/primitives/lax.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const ops = ms.ops;
const rng = rngFrom(2024);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
const f64 = (v: number[][] | number[][][]) => new Tensor(v, ms.float64);
type Mat = number[][];
const mat = (t: Tensor) => t.tolist() as Mat;
const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
const closeTo = (got: unknown, want: unknown, tol = 1e-10) => {
  const [g, w] = [flat(got), flat(want)];
  expect(g.length).toBe(w.length);
  g.forEach((x, i) => {
    if (!(Math.abs(x - w[i]) <= tol * Math.max(1, Math.abs(w[i])))) throw new Error(`element ${i}: got ${x}, want ${w[i]} (tol ${tol})`);
  });
};

// ---- plain-JS matrix helpers (the naive side of the comparisons)
const matmul = (a: Mat, b: Mat): Mat => a.map((row) => b[0].map((_, j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
const tr = (a: Mat): Mat => a[0].map((_, j) => a.map((row) => row[j]));
const diag = (d: number[]): Mat => d.map((x, i) => d.map((_, j) => (i === j ? x : 0)));
const eye = (n: number) => diag(new Array<number>(n).fill(1));
/** A 3-D rotation from three angles (a product of plane rotations). */
function rotation(a: number, b: number, c: number): Mat {
  const rz = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
  const ry = [[Math.cos(b), 0, Math.sin(b)], [0, 1, 0], [-Math.sin(b), 0, Math.cos(b)]];
  const rx = [[1, 0, 0], [0, Math.cos(c), -Math.sin(c)], [0, Math.sin(c), Math.cos(c)]];
  return matmul(matmul(rz, ry), rx);
}
/** Largest singular value by power iteration on AᵀA. */
function powerSigma(a: Mat, iters = 2000): number {
  const ata = matmul(tr(a), a);
  let x = ata.map((_, i) => 1 + i * 0.1);
  for (let it = 0; it < iters; it++) {
    const y = ata.map((row) => row.reduce((s, v, k) => s + v * x[k], 0));
    const nrm = Math.hypot(...y);
    x = y.map((v) => v / nrm);
  }
  const ax = a.map((row) => row.reduce((s, v, k) => s + v * x[k], 0));
  return Math.hypot(...ax);
}
/** Singular values of a 2×2 matrix [[a, b], [c, d]] in closed form (descending). */
function sv2(a: number, b: number, c: number, d: number): [number, number] {
  const p = Math.hypot(a + d, b - c);
  const q = Math.hypot(a - d, b + c);
  return [(p + q) / 2, Math.abs(p - q) / 2];
}

/** w and V of the eigh primitive. */
const eighOf = (a: Tensor) => L.eighParts(L.eigh(a));

describe("eigh primitive (packed [..., n+1, n]: row 0 eigenvalues, then eigenvectors as columns)", () => {
  it("2×2 and diagonal matrices: ascending eigenvalues, largest-magnitude component positive", () => {
    const [w, V] = eighOf(f64([[2, 1], [1, 2]]));
    closeTo(w.tolist(), [1, 3], 1e-14);
    const r = Math.SQRT1_2;
    // (1, -1)/√2 for 1: the components tie in magnitude, the first one is made positive
    closeTo(V.tolist(), [[r, r], [-r, r]], 1e-14);
    const [w2, V2] = eighOf(f64([[3, 0, 0], [0, -1, 0], [0, 0, 2]]));
    closeTo(w2.tolist(), [-1, 2, 3], 0);
    closeTo(V2.tolist(), [[0, 0, 1], [1, 0, 0], [0, 1, 0]], 0);
    expect(L.eigh(f64([[2, 1], [1, 2]])).shape).toEqual([3, 2]);
  });

  it("R diag(d) Rᵀ gives back d (sorted) and R's columns up to sign", () => {
    const R = rotation(0.3, -0.7, 1.1);
    const d = [4, -2, 0.5];
    const A = matmul(matmul(R, diag(d)), tr(R));
    const [w, V] = eighOf(f64(A));
    closeTo(w.tolist(), [-2, 0.5, 4], 1e-13);
    const v = mat(V);
    [1, 2, 0].forEach((src, j) => {
      const col = R.map((row) => row[src]);
      const big = col.reduce((b, x) => (Math.abs(x) > Math.abs(b) ? x : b), 0);
      closeTo(v.map((row) => row[j]), col.map((x) => x * Math.sign(big)), 1e-12);
    });
  });

  it("random symmetric matrices: A V = V diag(w), Vᵀ V = I, ascending, sign convention", () => {
    for (const n of [1, 2, 5, 9]) {
      const x = mat(rand([n, n], -2, 2));
      const A = x.map((row, i) => row.map((v, j) => (v + x[j][i]) / 2));
      const [w, V] = eighOf(f64(A));
      const ws = w.tolist() as number[];
      const v = mat(V);
      for (let i = 1; i < n; i++) expect(ws[i]).toBeGreaterThanOrEqual(ws[i - 1]);
      closeTo(matmul(A, v), matmul(v, diag(ws)), 1e-12);
      closeTo(matmul(tr(v), v), eye(n), 1e-13);
      for (let j = 0; j < n; j++) {
        const col = v.map((row) => row[j]);
        const big = col.reduce((b, c) => (Math.abs(c) > Math.abs(b) + 1e-9 ? c : b), 0);
        expect(big).toBeGreaterThan(0);
      }
      // trace and sum of eigenvalues agree
      closeTo([ws.reduce((s, c) => s + c, 0)], [A.reduce((s, row, i) => s + row[i], 0)], 1e-12);
    }
  });

  it("decomposes the symmetric part of a non-symmetric input", () => {
    const A = f64([[1, 3], [-1, 1]]); // symmetric part [[1, 1], [1, 1]]: eigenvalues 0 and 2
    closeTo(eighOf(A)[0].tolist(), [0, 2], 1e-14);
  });

  it("batches over leading axes, float32 in float32 out, empty matrices", () => {
    const x = rand([2, 3, 4, 4]);
    const packed = L.eigh(x);
    expect(packed.shape).toEqual([2, 3, 5, 4]);
    const one = L.eigh(ops.reshape(ops.slice(x, [1, 2, 0, 0], [1, 1, 4, 4]), [4, 4]));
    closeTo(ops.slice(packed, [1, 2, 0, 0], [1, 1, 5, 4]).reshape([5, 4]).tolist(), one.tolist(), 0);
    // a transposed (strided) view reads the same symmetric part
    closeTo(L.eigh(L.mT(x)).tolist(), packed.tolist(), 1e-13);
    const p32 = L.eigh(new Tensor([[2, 1], [1, 2]], ms.float32));
    expect(p32.dtype).toBe(ms.float32);
    closeTo(p32.tolist(), [[1, 3], [Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)], [-Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT1_2)]], 1e-7);
    expect(L.eigh(ops.zeros([3, 0, 0], ms.float64)).shape).toEqual([3, 1, 0]);
  });

  it("rejects non-square, rank < 2 and non-float input with MindSpore's classes", () => {
    expect(() => L.eigh(rand([2, 3]))).toThrow(ms.ValueError);
    expect(() => L.eigh(rand([3]))).toThrow(/square matrices/);
    expect(() => L.eigh(new Tensor([[1, 2], [2, 1]]))).toThrow(ms.TypeError);
    expect(() => L.eigh(new Tensor([[1, 2], [2, 1]], ms.float16))).toThrow(/Float32 or Float64/);
  });

  it("gradients of eigenvalues and sign-invariant eigenvector products, first and second order", () => {
    // well-separated spectrum: R diag(1, 2.5, 4) Rᵀ plus a small symmetric perturbation
    const R = rotation(0.4, 0.9, -0.2);
    const base = f64(matmul(matmul(R, diag([1, 2.5, 4])), tr(R)));
    const A = ops.add(base, ops.mul(rand([3, 3]), 0.1));
    const g = new Tensor([0.7, -1.3, 0.4], ms.float64);
    const f = (a: Tensor) => {
      const [w, V] = eighOf(a);
      // w, and V diag(g) Vᵀ (invariant to each eigenvector's sign)
      const P = ops.matmul(ops.mul(V, g), L.mT(V));
      return ops.concat([ops.sin(w), ops.reshape(P, [9])]);
    };
    gradcheck(f, [A]);
    // batched, with the vjp's symmetrised cotangent checked against non-symmetric perturbations
    const B = ops.add(ops.stack([base, ops.mul(base, -0.5)]), ops.mul(rand([2, 3, 3]), 0.1));
    gradcheck((a) => ops.reshape(ops.mul(eighOf(a)[0], eighOf(a)[0]), [6]), [B]);
  });

  it("d w_i = v_iᵀ dA v_i: the gradient of an eigenvalue is v_i v_iᵀ", () => {
    const A = f64([[2, 1, 0], [1, 3, 1], [0, 1, 4]]);
    const [, V] = eighOf(A);
    const v = mat(V).map((row) => row[2]);
    const gA = ms.grad((a: Tensor) => ops.slice(eighOf(a)[0], [2], [1]).sum())(A);
    closeTo(gA.tolist(), v.map((x) => v.map((y) => x * y)), 1e-12);
  });

  it("a zero eigenvector cotangent with degenerate eigenvalues gives no NaN", () => {
    const gI = ms.grad((a: Tensor) => eighOf(a)[0].sum())(f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]));
    closeTo(gI.tolist(), eye(3), 1e-14);
  });
});

describe("ops.svd", () => {
  it("MindSpore's documented example (float32, full_matrices=True)", () => {
    const x = new Tensor([[1, 2], [-4, -5], [2, 1]], ms.float32);
    const [s, u, v] = ops.svd(x, true, true);
    expect([s.dtype, u.shape, v.shape]).toEqual([ms.float32, [3, 3], [2, 2]]);
    closeTo(s.tolist(), [7.0652843, 1.040081], 2e-6);
    closeTo(u.tolist(), [[0.30821905, -0.48819482, 0.81649697], [-0.90613353, 0.11070572, 0.40824813], [0.2896955, 0.8656849, 0.4082479]], 2e-6);
    closeTo(v.tolist(), [[0.63863593, 0.769509], [0.769509, -0.63863593]], 2e-6);
  });

  it("A = U diag(s) Vᵀ with orthonormal columns, descending s, tall / wide / batched", () => {
    for (const shape of [[5, 3], [3, 5], [4, 4], [2, 4, 3], [2, 1, 3, 6]]) {
      const a = rand(shape);
      const [s, u, v] = ops.svd(a);
      const k = Math.min(shape[shape.length - 2], shape[shape.length - 1]);
      expect(s.shape).toEqual([...shape.slice(0, -2), k]);
      const rec = ops.matmul(ops.mul(u, ops.expand_dims(s, -2)), L.mT(v));
      closeTo(rec.tolist(), a.tolist(), 1e-11);
      const I = ops.broadcast_to(ops.eye(k, k, ms.float64), [...shape.slice(0, -2), k, k]);
      closeTo(ops.matmul(L.mT(u), u).tolist(), I.tolist(), 1e-10);
      closeTo(ops.matmul(L.mT(v), v).tolist(), I.tolist(), 1e-10);
      const sf = flat(s.tolist());
      for (let i = 0; i + 1 < sf.length; i++) if ((i + 1) % k !== 0) expect(sf[i]).toBeGreaterThanOrEqual(sf[i + 1]);
    }
  });

  it("largest singular value against power iteration; 2×2 against the closed form", () => {
    for (let t = 0; t < 4; t++) {
      const a = rand([5, 4], -2, 2);
      closeTo([(ops.svd(a, false, false).tolist() as number[])[0]], [powerSigma(mat(a))], 1e-10);
    }
    const b = rand([6, 2, 2], -3, 3);
    const want = (b.tolist() as Mat[]).map(([[p, q], [r, s]]) => sv2(p, q, r, s));
    closeTo(ops.svd(b, { compute_uv: false }).tolist(), want, 1e-11);
  });

  it("full_matrices=True completes U (tall) or V (wide) to an orthogonal matrix", () => {
    for (const shape of [[5, 2], [2, 5]]) {
      const a = rand(shape);
      const [s, u, v] = ops.svd(a, { full_matrices: true });
      const [m, n] = shape;
      expect(u.shape).toEqual([m, m]);
      expect(v.shape).toEqual([n, n]);
      closeTo(ops.matmul(L.mT(u), u).tolist(), eye(m), 1e-10);
      closeTo(ops.matmul(L.mT(v), v).tolist(), eye(n), 1e-10);
      const k = Math.min(m, n);
      const uk = ops.slice(u, [0, 0], [m, k]);
      const vk = ops.slice(v, [0, 0], [n, k]);
      closeTo(ops.matmul(ops.mul(uk, s), L.mT(vk)).tolist(), a.tolist(), 1e-11);
    }
  });

  it("rank-deficient input: singular values under the Gram noise floor are exactly 0, no NaN", () => {
    const [s, u, v] = ops.svd(f64([[1, 2], [2, 4], [3, 6]]));
    closeTo(s.tolist(), [Math.sqrt(70), 0], 1e-14);
    for (const t of [s, u, v]) expect(flat(t.tolist()).every(Number.isFinite)).toBe(true);
    // rank 2 of 3 (row 1 = 2 × row 0): the third value is 0 and its left vector a zero column
    const a = f64([[1, 2, 3], [2, 4, 6], [1, 1, 1]]);
    const [s3, u3, v3] = ops.svd(a);
    expect((s3.tolist() as number[])[2]).toBe(0);
    expect(mat(u3).map((r) => r[2])).toEqual([0, 0, 0]);
    closeTo(ops.matmul(ops.mul(u3, s3), L.mT(v3)).tolist(), a.tolist(), 1e-12);
  });

  it("gradients of s and of U diag(g) Vᵀ (sign-invariant), first and second order", () => {
    gradcheck((a) => ops.svd(a, false, false), [rand([4, 3])]);
    gradcheck((a) => ops.svd(a, false, false), [rand([2, 2, 3])]);
    const g = new Tensor([1.5, -0.5], ms.float64);
    gradcheck((a) => {
      const [, u, v] = ops.svd(a);
      return ops.matmul(ops.mul(u, g), L.mT(v));
    }, [rand([3, 2])]);
    // ∂s_1/∂A = u_1 v_1ᵀ
    const a = rand([3, 4]);
    const [, u, v] = ops.svd(a);
    const gA = ms.grad((t: Tensor) => ops.slice(ops.svd(t, false, false), [0], [1]).sum())(a);
    const u1 = mat(u).map((r) => r[0]);
    const v1 = mat(v).map((r) => r[0]);
    closeTo(gA.tolist(), u1.map((x) => v1.map((y) => x * y)), 1e-10);
  });

  it("errors with MindSpore's classes", () => {
    expect(() => ops.svd(new Tensor([1, 2], ms.float32))).toThrow(ms.ValueError);
    expect(() => ops.svd(new Tensor([[1, 2], [3, 4]]))).toThrow(ms.TypeError);
    expect(() => ops.svd(new Tensor([[1, 2], [3, 4]], ms.float16))).toThrow(/Float32 or Float64/);
    expect(() => ops.svd(rand([2, 2]), 1 as never)).toThrow(/'full_matrices' must be bool/);
    expect(() => ops.svd(rand([2, 2]), { compute_uv: "yes" as never })).toThrow(ms.TypeError);
    expect(() => ops.svd([[1]] as never)).toThrow(/must be a Tensor/);
  });
});

describe("ops.norm: spectral matrix norms (ord=2, -2, 'nuc')", () => {
  it("diagonal and rotated-diagonal matrices", () => {
    const d = f64([[3, 0, 0], [0, -5, 0], [0, 0, 1]]);
    closeTo(ops.norm(d, 2).tolist(), [5], 1e-14);
    closeTo(ops.norm(d, -2).tolist(), [1], 1e-14);
    closeTo(ops.norm(d, "nuc").tolist(), [9], 1e-14);
    const R = rotation(1.2, 0.1, -0.8);
    const Q = rotation(-0.5, 0.6, 0.3);
    const A = f64(matmul(matmul(R, diag([2, 0.5, 7])), tr(Q)));
    closeTo(ops.norm(A, 2).tolist(), [7], 1e-12);
    closeTo(ops.norm(A, -2).tolist(), [0.5], 1e-11);
    closeTo(ops.norm(A, "nuc").tolist(), [9.5], 1e-12);
  });

  it("random matrices: 2×2 closed form, power iteration, float32", () => {
    const b = rand([5, 2, 2], -3, 3);
    const want = (b.tolist() as Mat[]).map(([[p, q], [r, s]]) => sv2(p, q, r, s));
    closeTo(ops.norm(b, 2, [1, 2]).tolist(), want.map((w) => w[0]), 1e-12);
    closeTo(ops.norm(b, -2, [1, 2]).tolist(), want.map((w) => w[1]), 1e-10);
    closeTo(ops.norm(b, "nuc", [-2, -1]).tolist(), want.map((w) => w[0] + w[1]), 1e-12);
    const a = rand([6, 4], -2, 2);
    closeTo([ops.norm(a, 2).item()], [powerSigma(mat(a))], 1e-11);
    const a32 = ops.cast(a, ms.float32);
    const n32 = ops.norm(a32, 2);
    expect(n32.dtype).toBe(ms.float32);
    closeTo([n32.item()], [Math.fround(powerSigma(mat(ops.cast(a32, ms.float64))))], 1e-7);
    expect(ops.norm(ops.cast(a, ms.float16), "nuc").dtype).toBe(ms.float16);
    // dtype= casts first (int input allowed then)
    closeTo([ops.norm(new Tensor([[3, 0], [0, 4]]), 2, null, false, { dtype: ms.float64 } as never).item()], [4], 0);
  });

  it("dim picks the matrix axes (either order), batch axes stay, keepdim", () => {
    const x = rand([3, 2, 4]); // matrices over axes (0, 2), batch axis 1
    const want = [0, 1].map((j) => {
      const m = (x.tolist() as number[][][]).map((plane) => plane[j]); // 3×4
      return powerSigma(m);
    });
    closeTo(ops.norm(x, 2, [2, 0]).tolist(), want, 1e-11);
    closeTo(ops.norm(x, 2, [0, 2]).tolist(), want, 1e-11);
    const k = ops.norm(x, "nuc", [0, -1], true);
    expect(k.shape).toEqual([1, 2, 1]);
    closeTo(ops.reshape(k, [2]).tolist(), ops.norm(x, "nuc", [0, 2]).tolist(), 0);
    expect(x.norm(-2, [0, 2]).shape).toEqual([2]);
  });

  it("gradients: first and second order (distinct singular values)", () => {
    gradcheck((t) => ops.norm(t, 2), [rand([3, 4])]);
    gradcheck((t) => ops.norm(t, "nuc"), [rand([4, 3])]);
    gradcheck((t) => ops.norm(t, -2, [0, 2], true), [rand([3, 2, 3])]);
    gradcheck((t) => ops.norm(t, "nuc", [1, 0]), [rand([2, 3, 2])]);
  });

  it("nuc at the identity: gradient U Vᵀ = I despite repeated singular values; singular input stays finite", () => {
    const g = ms.grad((t: Tensor) => ops.norm(t, "nuc"))(f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]));
    closeTo(g.tolist(), eye(3), 1e-14);
    const sing = f64([[1, 2], [2, 4]]);
    expect(ops.norm(sing, -2).item()).toBe(0);
    const gs = ms.grad((t: Tensor) => ops.norm(t, -2))(sing);
    expect(flat(gs.tolist()).every(Number.isFinite)).toBe(true);
  });

  it("empty matrices: nuc is 0, ord=±2 has nothing to reduce", () => {
    closeTo([ops.norm(ops.zeros([0, 3], ms.float64), "nuc").item()], [0], 0);
    expect(() => ops.norm(ops.zeros([0, 3], ms.float64), 2)).toThrow(ms.ValueError);
  });
});

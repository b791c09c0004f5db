/**
 * Reductions: var/std (MindSpore's ddof signature), norm (vector and matrix),
 * max/min/amax/amin with initial/where, and the argument checks of the rest.
 * Values are hand-computed; gradients by gradcheck in float64.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const ops = ms.ops;
const rng = rngFrom(11);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
const f32 = (v: number[] | number[][]) => new Tensor(v, ms.float32);
const f64 = (v: number[] | number[][]) => new Tensor(v, ms.float64);
const close = (t: Tensor, want: number | number[] | number[][], digits = 5) => {
  const got = t.tolist();
  const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);
  const [g, w] = [flat(got), flat(want)];
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(v).toBeCloseTo(w[i], digits));
};

describe("var / std", () => {
  const x = f32([[1, 2, 3], [4, 6, 8]]);
  it("default is the population variance over everything (ddof=0)", () => {
    const all = ops.var(f32([1, 2, 3, 4]));
    expect(all.shape).toEqual([]);
    close(all, 1.25);
    close(ops.std(f32([1, 2, 3, 4])), Math.sqrt(1.25));
  });
  it("axis, ddof (int or bool) and keepdims", () => {
    close(ops.var(x, 1), [2 / 3, 8 / 3]);
    close(ops.var(x, 0), [2.25, 4, 6.25]);
    close(ops.var(f32([1, 2, 3, 4]), null, 1), 5 / 3);
    close(ops.var(f32([1, 2, 3, 4]), { ddof: true }), 5 / 3);
    const k = ops.std(x, [0, 1], 0, true);
    expect(k.shape).toEqual([1, 1]);
    close(k, Math.sqrt((1 + 4 + 9 + 16 + 36 + 64) / 6 - (24 / 6) ** 2));
    expect(ops.var(x, -1, { keepdims: true }).shape).toEqual([2, 1]);
  });
  it("int input computes in float32; N - ddof = 0 gives inf/nan like NumPy", () => {
    const v = ops.var(new Tensor([1, 2, 3, 4]));
    expect(v.dtype).toBe(ms.float32);
    close(v, 1.25);
    expect(ops.var(f32([1, 2]), null, 2).item()).toBe(Infinity);
  });
  it("var_mean / std_mean", () => {
    const [v, m] = ops.var_mean(x, 1);
    close(v, [2 / 3, 8 / 3]);
    close(m, [2, 6]);
    const [s, m2] = ops.std_mean(x, 0, 0, true);
    expect(s.shape).toEqual([1, 3]);
    close(s, [[1.5, 2, 2.5]]);
    close(m2, [[2.5, 4, 5.5]]);
  });
  it("Tensor methods", () => {
    close(x.var(1), [2 / 3, 8 / 3]);
    close(x.std(null, 1), Math.sqrt(((1 + 4 + 9 + 16 + 36 + 64) - 6 * 16) / 5));
  });
  it("gradients (first and second order, broadcasting over size-1 axes)", () => {
    gradcheck((t) => ops.var(t, 1), [rand([3, 4])]);
    gradcheck((t) => ops.var(t, [0, 2], 1, true), [rand([2, 1, 3])]);
    gradcheck((t) => ops.std(t, -1), [rand([2, 5])]);
    gradcheck((t) => ops.std_mean(t, 0)[1], [rand([3, 2])]);
  });
  it("errors", () => {
    expect(() => ops.var(x, 2)).toThrow(ms.ValueError);
    expect(() => ops.var(x, [0, 0])).toThrow(/duplicate/);
    expect(() => ops.var(x, null, 0.5)).toThrow(ms.TypeError);
    expect(() => ops.std(x, { bogus: 1 })).toThrow(/unexpected keyword argument 'bogus'/);
    expect(() => ops.var([1, 2] as never)).toThrow(/For 'var', the 'input' must be a Tensor/);
  });
});

describe("norm", () => {
  const v = f32([3, -4]);
  const m = f32([[1, -2], [3, 4]]);
  it("vector norms", () => {
    close(ops.norm(v), 5);
    close(ops.norm(v, 1), 7);
    close(ops.norm(v, Infinity), 4);
    close(ops.norm(v, "inf"), 4);
    close(ops.norm(v, -Infinity), 3);
    close(ops.norm(f32([0, 2, 0, -1]), 0), 2);
    close(ops.norm(v, 3), Math.cbrt(27 + 64));
    close(ops.norm(v, 0.5), (Math.sqrt(3) + 2) ** 2, 4);
  });
  it("matrix norms over a 2-tuple dim (or a 2-D input with ord given)", () => {
    close(ops.norm(m), Math.sqrt(30));
    close(ops.norm(m, "fro"), Math.sqrt(30));
    close(ops.norm(m, 1), 6);
    close(ops.norm(m, -1), 4);
    close(ops.norm(m, Infinity), 7);
    close(ops.norm(m, -Infinity), 3);
    const batch = ops.stack([m, ops.mul(m, 2)]);
    close(ops.norm(batch, 1, [1, 2]), [6, 12]);
    close(ops.norm(batch, Infinity, [2, 1]), [6, 12]);
    expect(ops.norm(batch, "fro", [1, 2], true).shape).toEqual([2, 1, 1]);
  });
  it("dim, keepdim and dtype", () => {
    close(ops.norm(m, null, 1), [Math.sqrt(5), 5]);
    close(ops.norm(m, 1, 0, true), [[4, 6]]);
    expect(ops.norm(m, 2, -1, { keepdim: true }).shape).toEqual([2, 1]);
    const i = ops.norm(new Tensor([3, 4]), { dtype: ms.float64 });
    expect(i.dtype).toBe(ms.float64);
    close(i, 5);
    close(m.norm(1, 1), [3, 7]);
  });
  it("huge values do not overflow the p-norm (scaled by the largest |x|)", () => {
    close(ops.div(ops.norm(f32([3e30, 4e30]), 3), 1e30), Math.cbrt(27 + 64), 4);
  });
  it("the gradient at the zero vector is 0, not NaN", () => {
    const g = ms.grad((t: Tensor) => ops.norm(t))(f64([0, 0, 0]));
    expect(g.tolist()).toEqual([0, 0, 0]);
  });
  it("gradients", () => {
    gradcheck((t) => ops.norm(t), [rand([3, 4])]);
    gradcheck((t) => ops.norm(t, 2, 1, true), [rand([3, 1, 2])]);
    gradcheck((t) => ops.norm(t, 3, 0), [rand([4, 2], 0.2, 1)]);
    gradcheck((t) => ops.norm(t, "fro", [0, 2]), [rand([2, 3, 2])]);
    gradcheck((t) => ops.norm(t, 1), [ops.add(rand([3, 3], 0.1, 1), 0)], { secondOrder: false });
    gradcheck((t) => ops.norm(t, Infinity, 1), [f64([[0.3, -0.9, 0.1], [0.5, 0.2, -0.4]])], { secondOrder: false });
    gradcheck((t) => ops.norm(t, null, 1), [rand([0, 3])]);
  });
  it("errors", () => {
    expect(() => ops.norm(new Tensor([1, 2]))).toThrow(ms.TypeError);
    expect(() => ops.norm(m, 3)).toThrow(/the 'ord' of a matrix norm must be one of/);
    expect(() => ops.norm(m, "nuc", 0)).toThrow(ms.ValueError);
    expect(() => ops.norm(m, "fro", 1)).toThrow(/needs a 2-tuple 'dim'/);
    expect(() => ops.norm(m, 1, 2)).toThrow(/For 'norm', the 'dim' must be in range \[-2, 2\), but got 2/);
    expect(() => ops.norm(m, 1, [0, 1, 1])).toThrow(ms.TypeError);
    expect(() => ops.norm(m, 1, [1, 1])).toThrow(/must differ/);
    expect(() => ops.norm(ops.ones([1, 1, 1]), 1)).toThrow(/1-D or 2-D/);
    expect(() => ops.norm(m, "abc")).toThrow(ms.ValueError);
    expect(() => ops.norm(v, "fro")).toThrow(/matrix norm, but the input is 1-D/);
  });
});

describe("max / min / amax / amin / argmax / argmin", () => {
  const x = f32([[1, 5, 3], [7, 2, 7]]);
  it("ops.max with axis=None reduces everything and returns index 0 (MindSpore's documented behaviour)", () => {
    const [v, i] = ops.max(x);
    expect(v.item()).toBe(7);
    expect(i.item()).toBe(0);
    expect(i.dtype).toBe(ms.int64);
    const [w, j] = ops.min(x, 1, true);
    expect(w.tolist()).toEqual([[1], [2]]);
    expect(j.tolist()).toEqual([[0], [1]]);
  });
  it("ties pick the first index", () => {
    expect(ops.max(x, 1)[1].tolist()).toEqual([1, 0]);
    expect(ops.argmax(x, 1).tolist()).toEqual([1, 0]);
  });
  it("initial and where (NumPy semantics)", () => {
    const where = new Tensor([[true, false, true], [false, true, false]]);
    expect(ops.amax(x, 1, false, { initial: 4, where }).tolist()).toEqual([4, 4]);
    expect(ops.amin(x, 1, { initial: 0 }).tolist()).toEqual([0, 0]);
    expect(ops.amax(x, null, { initial: 10 }).item()).toBe(10);
    expect(ops.amax(f32([[], []]), 1, { initial: -1 }).tolist()).toEqual([-1, -1]);
    const [v, i] = ops.max(x, 1, false, { initial: 0, where });
    expect(v.tolist()).toEqual([3, 2]);
    expect(i.tolist()).toEqual([2, 1]);
  });
  it("Tensor.max / min: values, or [values, indices] with return_indices", () => {
    expect(x.max().item()).toBe(7);
    expect(x.max(0).tolist()).toEqual([7, 5, 7]);
    const [v, i] = x.min(1, false, { return_indices: true });
    expect(v.tolist()).toEqual([1, 2]);
    expect(i.tolist()).toEqual([0, 1]);
    expect(x.amax([0, 1], true).tolist()).toEqual([[7]]);
  });
  it("gradients (values flow to the selected element)", () => {
    const a = f64([[0.1, 0.9, -0.3], [0.5, -0.7, 0.2]]);
    gradcheck((t) => ops.max(t, 1)[0], [a], { secondOrder: false });
    gradcheck((t) => ops.min(t, 0, true)[0], [a], { secondOrder: false });
    const where = new Tensor([[true, false, true], [true, true, false]]);
    gradcheck((t) => ops.amax(t, 1, false, { initial: 0.3, where }), [a], { secondOrder: false });
  });
  it("errors", () => {
    expect(() => ops.max(x, [0, 1] as never)).toThrow(/the 'axis' must be int or None, but got list/);
    expect(() => ops.max(x, 2)).toThrow(ms.ValueError);
    expect(() => ops.amax(x, 0, false, { where: new Tensor([[true]]) })).toThrow(/'initial' must be given/);
    expect(() => ops.amax(x, 0, false, { initial: 0, where: f32([1]) })).toThrow(/Bool tensor/);
    expect(() => ops.amax(f32([[], []]), 1)).toThrow(/empty dimension/);
    expect(() => ops.argmax(f32([]))).toThrow(/must not be empty/);
    expect(() => ops.argmin(x, 5)).toThrow(/For 'argmin', the 'axis' must be in range \[-2, 2\), but got 5/);
  });
});

describe("sum / mean / prod / all / any / logsumexp / cumsum: signatures", () => {
  const x = f32([[1, 2], [3, 4]]);
  it("keyword names follow MindSpore per op", () => {
    expect(ops.sum(x, { dim: 1, keepdim: true }).tolist()).toEqual([[3], [7]]);
    expect(ops.mean(x, { axis: 0, keep_dims: true }).tolist()).toEqual([[2, 3]]);
    expect(ops.prod(x, 1).tolist()).toEqual([2, 12]);
    expect(ops.argmax(x, { dim: 0, keepdim: true }).tolist()).toEqual([[1, 1]]);
    expect(ops.argmin(x, { axis: 1, keepdims: false }).tolist()).toEqual([0, 0]);
    expect(ops.all(new Tensor([[true, false], [true, true]]), { axis: 1, keep_dims: false }).tolist()).toEqual([false, true]);
    close(ops.logsumexp(x, { axis: 1 }), [2 + Math.log1p(Math.exp(-1)), 4 + Math.log1p(Math.exp(-1))]);
    expect(ops.cumsum(x, { axis: 0 }).tolist()).toEqual([[1, 2], [4, 6]]);
    expect(() => ops.sum(x, { keep_dims: true })).toThrow(/unexpected keyword argument 'keep_dims'/);
    expect(() => ops.mean(x, { keepdim: true })).toThrow(ms.TypeError);
  });
  it("required axis of logsumexp / cumsum", () => {
    expect(() => (ops.logsumexp as (x: Tensor) => Tensor)(x)).toThrow(/required argument 'axis'/);
    expect(() => (ops.cumsum as (x: Tensor) => Tensor)(x)).toThrow(/required argument 'axis'/);
  });
  it("Tensor.cumsum flattens when axis is None; Tensor.logsumexp", () => {
    expect(x.cumsum().tolist()).toEqual([1, 3, 6, 10]);
    expect(x.cumsum(1).tolist()).toEqual([[1, 3], [3, 7]]);
    close(x.logsumexp(0, true), [[3 + Math.log1p(Math.exp(-2)), 4 + Math.log1p(Math.exp(-2))]]);
  });
  it("gradients through logsumexp and cumsum", () => {
    gradcheck((t) => ops.logsumexp(t, [0, 2], true), [rand([2, 1, 3])]);
    gradcheck((t) => t.cumsum(), [rand([2, 3])]);
  });
});

/**
 * bmm, dot, tensor_dot, outer and einsum against naive loops; gradients by
 * gradcheck (they all reduce to matmul, so this checks the plumbing:
 * transposes, reshapes, diagonals, broadcast axes).
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const ops = ms.ops;
const rng = rngFrom(5);
const rand = (shape: number[]) => randomTensor(shape, rng);

/** Naive einsum by enumerating every assignment of the labels (letters only). */
function naiveEinsum(eq: string, ...xs: Tensor[]): { shape: number[]; data: number[] } {
  const [lhs, rhs] = eq.split("->");
  const subs = lhs.split(",");
  const size: Record<string, number> = {};
  subs.forEach((s, k) => [...s].forEach((c, i) => (size[c] = xs[k].shape[i])));
  const labels = Object.keys(size);
  const data = xs.map((x) => Array.from(x.asnumpy().data as Float64Array, Number));
  const outShape = [...rhs].map((c) => size[c]);
  const out = new Array<number>(outShape.reduce((a, b) => a * b, 1)).fill(0);
  const assign: Record<string, number> = {};
  const flatIndex = (s: string, shape: number[]) => [...s].reduce((acc, c, i) => acc * shape[i] + assign[c], 0);
  const walk = (i: number) => {
    if (i === labels.length) {
      const prod = subs.reduce((p, s, k) => p * data[k][flatIndex(s, xs[k].shape)], 1);
      out[flatIndex(rhs, outShape)] += prod;
      return;
    }
    for (let v = 0; v < size[labels[i]]; v++) {
      assign[labels[i]] = v;
      walk(i + 1);
    }
  };
  walk(0);
  return { shape: outShape, data: out };
}

function expectClose(t: Tensor, want: { shape: number[]; data: number[] }, tol = 1e-9) {
  expect(t.shape).toEqual(want.shape);
  const got = Array.from(t.asnumpy().data as Float64Array, Number);
  got.forEach((v, i) => expect(Math.abs(v - want.data[i])).toBeLessThan(tol));
}

describe("bmm / dot / tensor_dot / outer", () => {
  it("bmm multiplies batches (batch axes broadcast)", () => {
    const a = rand([2, 2, 3]);
    const b = rand([2, 3, 4]);
    expectClose(ops.bmm(a, b), naiveEinsum("bij,bjk->bik", a, b));
    const c = rand([1, 3, 2]);
    expect(ops.bmm(a, c).shape).toEqual([2, 2, 2]);
    expectClose(a.bmm(b), naiveEinsum("bij,bjk->bik", a, b));
  });
  it("dot is NumPy's dot: last axis of input with the second-to-last of other", () => {
    const a = rand([2, 3]);
    const b = rand([4, 3, 5]);
    const d = ops.dot(ops.cast(a, ms.float32), ops.cast(b, ms.float32));
    expect(d.shape).toEqual([2, 4, 5]);
    expectClose(ops.cast(d, ms.float64), naiveEinsum("ij,kjl->ikl", a, b), 1e-5);
    const c = rand([3, 2]);
    expectClose(ops.dot(a, c), naiveEinsum("ij,jk->ik", a, c));
  });
  it("tensor_dot with an int, a pair of ints and a pair of axis lists", () => {
    const a = rand([3, 2, 4]);
    const b = rand([4, 3, 5]);
    expectClose(ops.tensor_dot(a, b, [[0, 2], [1, 0]]), naiveEinsum("xyz,zxw->yw", a, b));
    expectClose(ops.tensor_dot(a, b, [2, 0]), naiveEinsum("xyz,zuw->xyuw", a, b));
    const c = rand([2, 4]);
    const d = rand([2, 4, 3]);
    expectClose(ops.tensor_dot(c, d, 2), naiveEinsum("ij,ijk->k", c, d));
    const [u, v] = [rand([2]), rand([3])];
    expectClose(ops.tensor_dot(u, v, 0), naiveEinsum("i,j->ij", u, v));
  });
  it("outer promotes like mul and handles empty vectors", () => {
    const o = ops.outer(new Tensor([1, 2, 3], ms.int32), new Tensor([10, 20], ms.int32));
    expect(o.dtype).toBe(ms.int32);
    expect(o.tolist()).toEqual([[10, 20], [20, 40], [30, 60]]);
    expect(ops.outer(new Tensor([1, 2]), new Tensor([0.5])).tolist()).toEqual([[0.5], [1]]);
    expect(ops.outer(ops.zeros([0]), ops.ones([3])).shape).toEqual([0, 3]);
    expect(new Tensor([1, 2]).outer(new Tensor([3])).tolist()).toEqual([[3], [6]]);
  });
  it("gradients (first and second order)", () => {
    gradcheck((a, b) => ops.bmm(a, b), [rand([2, 2, 3]), rand([1, 3, 2])]);
    gradcheck((a, b) => ops.dot(a, b), [rand([2, 3]), rand([2, 3, 2])]);
    gradcheck((a, b) => ops.tensor_dot(a, b, [[0, 2], [1, 0]]), [rand([3, 2, 2]), rand([2, 3, 2])]);
    gradcheck((a, b) => ops.outer(a, b), [rand([3]), rand([2])]);
    gradcheck((a, b) => ops.outer(a, b), [rand([0]), rand([2])]);
  });
  it("errors name the op, the argument and what was wrong", () => {
    expect(() => ops.bmm(rand([2, 3]), rand([2, 3, 4]))).toThrow(/For 'bmm', 'input_x' and 'mat2' must have rank >= 3/);
    expect(() => ops.bmm(rand([2, 2, 3]), rand([2, 4, 4]))).toThrow(ms.ValueError);
    expect(() => ops.bmm(rand([2, 2, 3]), ops.ones([2, 3, 4]))).toThrow(ms.TypeError);
    expect(() => ops.dot(rand([3]), rand([3, 2]))).toThrow(/rank >= 2/);
    expect(() => ops.dot(rand([2, 3]), rand([4, 2]))).toThrow(/For 'dot', the last dimension of 'input' \(3\)/);
    expect(() => ops.dot(new Tensor([[1]]), new Tensor([[1]]))).toThrow(/float tensors/);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([4, 2]), 1)).toThrow(/size of axis 1 of 'x1' \(3\)/);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([3, 2]), 3)).toThrow(ms.ValueError);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([3, 2]), [[0, 0], [1, 0]])).toThrow(/duplicate/);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([3, 2]), [[1], [0, 1]])).toThrow(/same length/);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([3, 2]), [[5], [0]])).toThrow(/out of range/);
    expect(() => ops.tensor_dot(rand([2, 3]), rand([3, 2]), "x" as never)).toThrow(ms.TypeError);
    expect(() => ops.outer(rand([2, 2]), rand([2]))).toThrow(/must be 1-D/);
    expect(() => ops.outer([1] as never, rand([2]))).toThrow(/the 'input' must be a Tensor/);
  });
});

describe("einsum", () => {
  const cases: [string, number[][]][] = [
    ["ij,jk->ik", [[2, 3], [3, 4]]],
    ["bij,bjk->bik", [[2, 2, 3], [2, 3, 2]]],
    ["i,i->", [[4], [4]]],
    ["ij->ji", [[2, 3]]],
    ["ij->", [[2, 3]]],
    ["i,j->ij", [[2], [3]]],
    ["bhqd,bhkd->bhqk", [[1, 2, 3, 4], [1, 2, 2, 4]]],
    ["ij,j->i", [[3, 4], [4]]],
    ["ijk->kj", [[2, 3, 2]]],
    ["ii->", [[3, 3]]],
    ["ii->i", [[3, 3]]],
    ["iij->j", [[2, 2, 3]]],
    ["ij,ij->ij", [[2, 3], [2, 3]]],
    ["i,ij,j->", [[2], [2, 3], [3]]],
    ["ab,bc,cd->ad", [[2, 3], [3, 2], [2, 2]]],
    ["ij,kl->", [[2, 2], [1, 3]]],
  ];
  for (const [eq, shapes] of cases) {
    it(`${eq} matches the naive sum`, () => {
      const xs = shapes.map(rand);
      expectClose(ops.einsum(eq, ...xs), naiveEinsum(eq, ...xs));
    });
  }
  it("implicit output: labels seen once, in alphabetical order", () => {
    const a = rand([2, 3]);
    const b = rand([3, 4]);
    expectClose(ops.einsum("ij,jk", a, b), naiveEinsum("ij,jk->ik", a, b));
    expectClose(ops.einsum("ba", a), naiveEinsum("ba->ab", a));
    const sq = rand([3, 3]);
    expectClose(ops.einsum("ii", sq), naiveEinsum("ii->", sq));
    expectClose(ops.einsum("ij,jk,ki", sq, sq, sq), naiveEinsum("ij,jk,ki->", sq, sq, sq));
  });
  it("ellipsis broadcasts batch axes", () => {
    const a = rand([2, 1, 2, 3]);
    const b = rand([4, 3, 2]);
    const r = ops.einsum("...ij,...jk->...ik", a, b);
    expect(r.shape).toEqual([2, 4, 2, 2]);
    // compare against matmul, which broadcasts the same way
    const m = ops.matmul(a, b);
    expect(ops.sub(r, m).abs().max().item()).toBeLessThan(1e-12);
    expect(ops.einsum("...i->...", rand([2, 3, 4])).shape).toEqual([2, 3]);
    expect(ops.einsum("i...->...", rand([2, 3, 4])).shape).toEqual([3, 4]);
    expect(ops.einsum("...ij", rand([5, 2, 3])).shape).toEqual([5, 2, 3]);
  });
  it("size-1 axes broadcast against a label's size", () => {
    const a = rand([1, 3]);
    const b = rand([2, 3]);
    const r = ops.einsum("ij,ij->ij", a, b);
    expect(ops.sub(r, ops.mul(a, b)).abs().max().item()).toBe(0);
  });
  it("gradients (first and second order)", () => {
    gradcheck((a, b) => ops.einsum("bij,bjk->bik", a, b), [rand([2, 2, 3]), rand([2, 3, 2])]);
    gradcheck((a) => ops.einsum("ii->i", a), [rand([3, 3])]);
    gradcheck((a, b, c) => ops.einsum("i,ij,j->", a, b, c), [rand([2]), rand([2, 3]), rand([3])]);
    gradcheck((a, b) => ops.einsum("...ij,jk->...ik", a, b), [rand([2, 2, 3]), rand([3, 2])]);
    gradcheck((a) => ops.einsum("ij->", a), [rand([0, 3])]);
  });
  it("errors", () => {
    const a = rand([2, 3]);
    expect(() => ops.einsum("ij,jk->ik", a)).toThrow(/2 operand subscripts, but 1 operands/);
    expect(() => ops.einsum("ijk->i", a)).toThrow(/operand 0 has rank 2, but its subscript 'ijk' names 3 axes/);
    expect(() => ops.einsum("ij,jk->ik", a, rand([4, 2]))).toThrow(/label 'j' has size 3 in one place and 4/);
    expect(() => ops.einsum("ij->iz", a)).toThrow(/output label 'z' does not appear/);
    expect(() => ops.einsum("ij->ii", a)).toThrow(/appears more than once/);
    expect(() => ops.einsum("i1->i", a)).toThrow(/only letters/);
    expect(() => ops.einsum("ij,jk->ik", a, ops.ones([3, 2]))).toThrow(ms.TypeError);
    expect(() => ops.einsum(3 as never, a)).toThrow(/'equation' must be str/);
    expect(() => ops.einsum("......", a)).toThrow(/at most one ellipsis/);
  });
});

/**
 * The elementwise ops (ops.*, MindSpore signatures) against central finite
 * differences in float64, first and second order, on shapes with
 * broadcasting, size-1 and empty dimensions. Composite ops (relu, softplus,
 * gelu, silu, logaddexp, clamp, where, rsqrt, square, ...) have no gradient
 * code of their own: this checks the compositions.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, ops } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const rng = rngFrom(2024);
const rand = (shape: number[], lo = -2, hi = 2) => randomTensor(shape, rng, lo, hi);
/** keep |x| away from a kink at 0 */
const awayFromZero = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  const signs = new Tensor(Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1)));
  return ops.mul(rand(shape, 0.2, 2), ops.reshape(signs, shape));
};

type Unary = (x: Tensor) => Tensor;
const unary: [string, Unary, number, number][] = [
  ["exp", ops.exp, -2, 2], ["log", ops.log, 0.3, 3], ["sqrt", ops.sqrt, 0.3, 3], ["rsqrt", ops.rsqrt, 0.3, 3],
  ["square", ops.square, -2, 2], ["sin", ops.sin, -3, 3], ["cos", ops.cos, -3, 3], ["tan", ops.tan, -1, 1],
  ["tanh", ops.tanh, -2, 2], ["sigmoid", ops.sigmoid, -5, 5], ["erf", ops.erf, -2, 2], ["log1p", ops.log1p, -0.5, 2],
  ["expm1", ops.expm1, -2, 2], ["reciprocal", ops.reciprocal, 0.5, 2], ["neg", ops.neg, -2, 2],
  ["softplus", (x) => ops.softplus(x), -4, 4], ["softplus(beta=2, threshold=3)", (x) => ops.softplus(x, 2, 3), -1, 1],
  ["gelu", (x) => ops.gelu(x), -3, 3], ["gelu(tanh)", (x) => ops.gelu(x, "tanh"), -3, 3], ["silu", ops.silu, -3, 3],
];

describe("unary ops: finite differences, first and second order", () => {
  for (const [name, f, lo, hi] of unary) {
    it(name, () => {
      gradcheck(f, [rand([3, 4], lo, hi)]);
      gradcheck(f, [rand([1, 5, 1], lo, hi)]);
      gradcheck(f, [rand([], lo, hi)]);
      // empty dimensions: the gradient is an empty tensor of the input's shape
      const g = ms.grad((x: Tensor) => ops.sum(f(x)))(rand([0, 3], lo, hi));
      expect(g.shape).toEqual([0, 3]);
    });
  }
  it("abs and relu away from 0", () => {
    const x = awayFromZero([4, 3]);
    gradcheck(ops.abs, [x]);
    gradcheck(ops.relu, [x], { secondOrder: false });
    expect(ms.grad((t: Tensor) => ops.sum(ops.relu(t)))(new Tensor([0, 1, -1], ms.float64)).tolist()).toEqual([0, 1, 0]);
  });
  it("the softplus of large |x| is stable (no overflow, exact gradient)", () => {
    const x = new Tensor([-800, 800], ms.float64);
    expect(ops.softplus(x).tolist()).toEqual([0, 800]);
    expect(ms.grad((t: Tensor) => ops.sum(ops.softplus(t)))(x).tolist()).toEqual([0, 1]);
  });
});

type Binary = (a: Tensor, b: Tensor) => Tensor;
const binary: [string, Binary, number, number][] = [
  ["add", ops.add, -2, 2], ["sub", ops.sub, -2, 2], ["mul", ops.mul, -2, 2], ["div", ops.div, 0.5, 2],
  ["pow", ops.pow, 0.5, 2], ["atan2", ops.atan2, 0.3, 2], ["logaddexp", ops.logaddexp, -3, 3],
];
const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[3, 1], [1, 5]], [[], [2, 3]], [[1, 4], [3, 1]]];

describe("binary ops with broadcasting: finite differences, first and second order", () => {
  for (const [name, f, lo, hi] of binary) {
    it(name, () => {
      for (const [sa, sb] of shapes) gradcheck(f, [rand(sa, lo, hi), rand(sb, lo, hi)]);
      const g = ms.grad((a: Tensor, b: Tensor) => ops.sum(f(a, b)), [0, 1])(rand([0, 3], lo, hi), rand([3], lo, hi));
      expect(g.map((t: Tensor) => t.shape)).toEqual([[0, 3], [3]]);
      expect(g[1].tolist()).toEqual([0, 0, 0]);
    });
  }
  it("with a JS number operand (a Python scalar)", () => {
    gradcheck((x) => ops.pow(x, 3), [rand([4], 0.5, 2)]);
    gradcheck((x) => ops.mul(ops.add(x, 2.5), 0.5), [rand([2, 2])]);
    gradcheck((x) => ops.div(1, x), [rand([3], 0.5, 2)]);
  });
  it("maximum and minimum away from ties", () => {
    const a = rand([3, 4]);
    const b = ops.add(a, ops.mul(ops.sign(rand([3, 4])), 0.5));
    gradcheck(ops.maximum, [a, b], { secondOrder: false });
    gradcheck(ops.minimum, [a, b], { secondOrder: false });
  });
  it("clamp passes the gradient inside the bounds only", () => {
    const x = new Tensor([-2, -0.5, 0.25, 3], ms.float64);
    expect(ms.grad((t: Tensor) => ops.sum(ops.clamp(t, -1, 1)))(x).tolist()).toEqual([0, 1, 1, 0]);
    gradcheck((t) => ops.clamp(t, -10, 10), [rand([2, 3])]);
  });
  it("where: the gradient goes to the chosen branch", () => {
    const c = ops.gt(rand([3, 4]), 0);
    gradcheck((a, b) => ops.where(c, a, b), [rand([3, 4]), rand([4])]);
    const [ga, gb] = ms.grad((a: Tensor, b: Tensor) => ops.sum(ops.where(new Tensor([true, false]), a, b)), [0, 1])(
      new Tensor([1, 2], ms.float64),
      new Tensor([3, 4], ms.float64),
    );
    expect([ga.tolist(), gb.tolist()]).toEqual([[1, 0], [0, 1]]);
  });
});

/**
 * Every primitive's gradient against central finite differences in float64,
 * first and second order, on random shapes including broadcasting. The last
 * test fails when a primitive is added without a check here.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import { bind } from "../src/primitives/bind.js";
import * as L from "../src/primitives/lax.js";
import { RULES } from "../src/primitives/rules.js";
import type { PrimName } from "../src/primitives/params.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const rng = rngFrom(42);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
const idx = (data: number[], shape: number[]) => ms.ops.reshape(new Tensor(data, ms.int64), shape);
const checked = new Set<PrimName>();
const nondiff = new Set<PrimName>();

function prim(p: PrimName, f: () => void) {
  checked.add(p);
  it(p, f);
}

describe("unary primitives: first and second order", () => {
  const cases: [PrimName, number, number][] = [
    ["neg", -2, 2], ["exp", -2, 2], ["log", 0.5, 3], ["sin", -3, 3], ["cos", -3, 3], ["tan", -1, 1],
    ["tanh", -2, 2], ["sqrt", 0.5, 3], ["abs", 0.2, 2], ["erf", -2, 2], ["log1p", -0.5, 2],
    ["expm1", -2, 2], ["sigmoid", -4, 4], ["reciprocal", 0.5, 2], ["atan", -2, 2], ["asin", -0.8, 0.8],
    ["acos", -0.8, 0.8], ["sinh", -2, 2], ["cosh", -2, 2],
  ];
  for (const [p, lo, hi] of cases) {
    prim(p, () => {
      const sign = p === "abs" ? -1 : 1;
      gradcheck((x) => L.unary(p as never, x), [ms.ops.mul(rand([3, 4], lo, hi), sign)]);
      gradcheck((x) => L.unary(p as never, x), [rand([], lo, hi)]);
    });
  }
  prim("abs", () => gradcheck((x) => L.unary("abs", x), [rand([5], 0.2, 2)]));
});

describe("binary primitives with broadcasting", () => {
  const shapes: [number[], number[]][] = [[[3, 4], [3, 4]], [[2, 3, 4], [4]], [[3, 1], [1, 5]], [[], [2, 3]]];
  const cases: [PrimName, number, number][] = [
    ["add", -2, 2], ["sub", -2, 2], ["mul", -2, 2], ["div", 0.5, 2], ["pow", 0.5, 2], ["atan2", 0.3, 2],
  ];
  for (const [p, lo, hi] of cases) {
    prim(p, () => {
      for (const [sa, sb] of shapes) gradcheck((a, b) => L.binary(p as never, a, b), [rand(sa, lo, hi), rand(sb, lo, hi)]);
    });
  }
  prim("maximum", () => {
    // distinct values keep away from the kink
    const a = new Tensor(new Float64Array([0.1, 0.9, -0.5, 2.0, -1.5, 0.3]));
    const b = new Tensor(new Float64Array([0.5, 0.2, -0.7, 1.0, 1.5, -0.3]));
    gradcheck((x, y) => L.binary("maximum", x, y), [a, b]);
    gradcheck((x, y) => L.binary("maximum", x, y), [ms.ops.reshape(a, [2, 3]), new Tensor(new Float64Array([0.0, 0.5, 1.0]))]);
  });
  prim("minimum", () => {
    const a = new Tensor(new Float64Array([0.1, 0.9, -0.5, 2.0]));
    const b = new Tensor(new Float64Array([0.5, 0.2, -0.7, 1.0]));
    gradcheck((x, y) => L.binary("minimum", x, y), [a, b]);
  });
  prim("mod", () => {
    const a = new Tensor(new Float64Array([5.3, -2.7, 7.1, 0.4]));
    const b = new Tensor(new Float64Array([2.0, 1.5, -3.0, 0.9]));
    gradcheck((x, y) => L.binary("mod", x, y), [a, b]);
  });
});

describe("selection, casting, stop_gradient", () => {
  prim("select", () => {
    const c = ms.ops.gt(rand([3, 4]), 0);
    gradcheck((x, y) => L.select(c, x, y), [rand([3, 4]), rand([4])]);
    gradcheck((x, y) => L.select(ms.ops.reshape(c, [3, 4]), x, y), [rand([3, 1]), rand([3, 4])]);
  });
  prim("cast", () => {
    // through float32 and back: the rule must hand the cotangent back in float64
    gradcheck((x) => L.cast(L.mul(L.cast(x, ms.float32), L.cast(x, ms.float32)), ms.float64), [rand([4])], { tol: 1e-4, eps: 1e-3, secondOrder: false });
    const g = ms.grad((x: Tensor) => ms.ops.sum(L.cast(x, ms.float32)))(rand([3]));
    expect(g.dtype).toBe(ms.float64);
    expect(g.tolist()).toEqual([1, 1, 1]);
  });
  prim("stop_gradient", () => {
    const x = rand([3]);
    const g = ms.grad((t: Tensor) => ms.ops.sum(ms.ops.add(ms.ops.mul(t, t), L.stop_gradient(ms.ops.mul(t, t)))))(x);
    expect(g.tolist()).toEqual((x.tolist() as number[]).map((v) => 2 * v));
    const [, tangent] = ms.jvp((t: Tensor) => L.stop_gradient(ms.ops.exp(t)), x, ms.ops.ones_like(x));
    expect(tangent.tolist()).toEqual([0, 0, 0]);
  });
});

describe("reductions", () => {
  const axesCases: [number[], number[], boolean][] = [[[2, 3, 4], [1], false], [[2, 3, 4], [0, 2], true], [[5], [0], false], [[2, 3], [0, 1], false]];
  prim("sum", () => {
    for (const [s, axes, keep] of axesCases) gradcheck((x) => L.sum(x, axes, keep), [rand(s)]);
  });
  prim("prod", () => {
    for (const [s, axes, keep] of axesCases) gradcheck((x) => L.prod(x, axes, keep), [rand(s, 0.5, 1.5)]);
    // exact gradient with zeros: one zero in the group gets the product of the others
    const x = new Tensor(new Float64Array([2, 0, 3, 4, 0, 0]));
    const g = ms.grad((t: Tensor) => L.prod(ms.ops.reshape(t, [2, 3]), [1], false).sum())(x);
    expect(g.tolist()).toEqual([0, 6, 0, 0, 0, 0]);
    gradcheck((t) => L.prod(t, [0], false), [new Tensor(new Float64Array([2, 0, 3]))]);
    // groups above the exact-formula size use prod/x, still exact to first order (with a zero too)
    const big = Float64Array.from({ length: 300 }, (_, i) => 1 + 0.001 * Math.sin(i));
    gradcheck((t) => L.prod(t, [0], false), [new Tensor(big)], { secondOrder: false, tol: 1e-5 });
    big[7] = 0;
    const gz = ms.grad((t: Tensor) => L.prod(t, [0], false))(new Tensor(big));
    const others = big.reduce((acc, v, i) => (i === 7 ? acc : acc * v), 1);
    const gl = gz.tolist() as number[];
    expect(gl.filter((v, i) => i !== 7 && v !== 0)).toEqual([]);
    expect(Math.abs(gl[7] - others)).toBeLessThan(1e-9);
  });
  prim("max", () => {
    for (const [s, axes, keep] of axesCases) gradcheck((x) => L.max(x, axes, keep), [rand(s)]);
    // ties share the gradient evenly (MindSpore's ReduceMax bprop)
    const g = ms.grad((t: Tensor) => L.max(t, [0], false))(new Tensor(new Float64Array([1, 3, 3, 2])));
    expect(g.tolist()).toEqual([0, 0.5, 0.5, 0]);
  });
  prim("min", () => {
    for (const [s, axes, keep] of axesCases) gradcheck((x) => L.min(x, axes, keep), [rand(s)]);
  });
  prim("cumsum", () => {
    gradcheck((x) => L.cumsum(x, 1, false), [rand([3, 4])]);
    gradcheck((x) => L.cumsum(x, 0, true), [rand([3, 4])]);
  });
  for (const p of ["argmax", "argmin"] as const) {
    checked.add(p);
    nondiff.add(p);
  }
  prim("pool_argmax", () => {
    nondiff.add("pool_argmax");
    // 2 planes of 4x5, 2x2 windows, stride (2, 1), dilation (1, 2): 2 x 4 windows each
    const x = new Tensor(new Float64Array([
      1, 9, 2, 0, 3, /**/ 4, 4, 8, 1, 1, /**/ 0, 0, 0, 0, 0, /**/ 5, 6, 7, 6, 5,
      2, 2, 2, 2, 2, /**/ 2, 2, 2, 2, 2, /**/ NaN, 1, 9, 9, 9, /**/ 3, 3, 3, NaN, 3,
    ])).reshape([2, 4, 5]);
    const idx = bind("pool_argmax", [x], { kernel: [2, 2], stride: [2, 1], dilation: [1, 2], out: [2, 3] });
    expect(idx.dtype).toBe(ms.int64);
    // the first maximum on ties (row-major within the window); a NaN wins
    expect(idx.tolist()).toEqual([
      [7, 1, 7, 17, 16, 17],
      [0, 1, 2, 10, 18, 12],
    ]);
  });
});

describe("layout primitives", () => {
  prim("reshape", () => gradcheck((x) => L.reshape(x, [6, 2]), [rand([3, 4])]));
  prim("transpose", () => gradcheck((x) => L.transpose(x, [2, 0, 1]), [rand([2, 3, 4])]));
  prim("broadcast_to", () => {
    gradcheck((x) => L.broadcast_to(x, [2, 3, 4]), [rand([3, 1])]);
    gradcheck((x) => L.broadcast_to(x, [5]), [rand([])]);
  });
  prim("slice", () => {
    gradcheck((x) => L.slice(x, [1, 0], [1, 2], [2, 2]), [rand([4, 4])]);
    gradcheck((x) => L.slice(x, [4, 3], [-2, -1], [2, 3]), [rand([5, 4])]);
    gradcheck((x) => L.slice(x, [0], [3], [3]), [rand([7])]);
  });
  prim("pad", () => gradcheck((x) => L.pad(x, [1, 0], [2, 3], 0), [rand([2, 3])]));
  prim("concat", () => {
    gradcheck((a, b) => L.concat([a, b], 1), [rand([2, 3]), rand([2, 2])]);
    gradcheck((a, b, c) => L.concat([a, b, c], 0), [rand([1, 2]), rand([3, 2]), rand([2, 2])]);
  });
});

describe("gathers and scatters", () => {
  const index = idx([2, 0, 1, 1, 0, 2], [2, 3]);
  prim("take_along_axis", () => {
    gradcheck((x) => L.take_along_axis(x, index, 1), [rand([2, 3])]);
    gradcheck((x) => L.take_along_axis(x, idx([0, 1, 1, 0], [2, 2]), 0), [rand([2, 2])]);
  });
  prim("scatter_add_along_axis", () => {
    gradcheck((s) => L.scatter_add_along_axis(s, index, 1, [2, 4]), [rand([2, 3])]);
  });
  prim("scatter_along_axis", () => {
    const unique = idx([3, 0, 1, 2, 0, 3], [2, 3]);
    gradcheck((x, s) => L.scatter_along_axis(x, unique, s, 1), [rand([2, 4]), rand([2, 3])]);
  });
});

describe("matmul", () => {
  prim("matmul", () => {
    gradcheck((a, b) => L.matmul(a, b), [rand([3, 4]), rand([4, 2])]);
    gradcheck((a, b) => L.matmul(a, b), [rand([2, 3, 4]), rand([4, 5])]);
    gradcheck((a, b) => L.matmul(a, b), [rand([2, 1, 3, 2]), rand([3, 2, 4])]);
  });
});

describe("non-differentiable primitives carry no gradient", () => {
  const nd: PrimName[] = [
    "sign", "floor", "ceil", "round", "logical_not", "isnan", "isinf", "floor_div", "equal", "not_equal",
    "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
  ];
  for (const p of nd) {
    checked.add(p);
    nondiff.add(p);
    it(`${p} is marked non-differentiable and gives zero gradients`, () => {
      expect(RULES[p].vjp).toBe("nondiff");
      expect(RULES[p].jvp).toBe("nondiff");
      const x = rand([3], 0.5, 2);
      const unary = ["sign", "floor", "ceil", "round", "isnan", "isinf"].includes(p);
      const f = (t: Tensor) => {
        const out =
          p === "logical_not" ? L.unary("logical_not", L.cast(t, ms.bool_)) : unary ? L.unary(p as never, t) : L.binary(p as never, t, L.mulScalar(t, 0.5));
        return ms.ops.sum(L.add(L.cast(out, ms.float64), L.mulScalar(t, 0)));
      };
      expect(ms.grad(f)(x).tolist()).toEqual([0, 0, 0]);
    });
  }
});

it("every primitive in the table is checked here", () => {
  const missing = (Object.keys(RULES) as PrimName[]).filter((p) => !checked.has(p));
  expect(missing).toEqual([]);
  for (const p of nondiff) expect(RULES[p].vjp).toBe("nondiff");
});

describe("convolution", () => {
  prim("conv", () => {
    // groups, stride, negative and positive padding, input and kernel dilation at once
    const p = { stride: [2, 1], padding: [1, 0, 2, -1], lhs_dilation: [1, 2], rhs_dilation: [2, 1], groups: 2 };
    gradcheck((x, w) => L.conv(x, w, p), [rand([2, 4, 4, 3]), rand([4, 2, 2, 2])]);
    const plain = { stride: [1, 1], padding: [0, 0, 0, 0], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 };
    gradcheck((x, w) => L.conv(x, w, plain), [rand([1, 2, 3, 3]), rand([3, 2, 2, 2])]);
  });
});

describe("symmetric eigendecomposition", () => {
  prim("eigh", () => {
    // well-separated eigenvalues (about 1, 2, 3.5, 5); the perturbation is not symmetric, which
    // checks that the kernel and both rules agree on A -> (A + Aᵀ)/2
    const d = L.mul(ms.ops.eye(4, 4, ms.float64), new Tensor(new Float64Array([1, 2, 3.5, 5])));
    const g = new Tensor(new Float64Array([0.5, -1, 1.5, 0.25]));
    // the loss reads w and V diag(g) Vᵀ, which do not depend on each eigenvector's sign
    const f = (a: Tensor) => {
      const [w, V] = L.eighParts(L.eigh(a));
      const P = L.matmul(L.mul(V, g), L.mT(V));
      return L.concat([L.reshape(w, [...w.shape.slice(0, -1), 1, 4]), P], w.ndim - 1);
    };
    gradcheck(f, [L.add(d, L.mulScalar(rand([4, 4]), 0.15))]);
    gradcheck(f, [L.add(d, L.mulScalar(rand([2, 4, 4]), 0.15))]);
  });
});

/** jvp, vjp, jacfwd, jacrev: MindSpore's docstring examples and cross-checks. */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, nn, ops } from "../src/index.js";

const f32 = (v: number[][]) => new Tensor(v, ms.float32);
const x = () => f32([[1, 2], [3, 4]]);
const v = () => f32([[1, 1], [1, 1]]);

class Cube extends nn.Cell {
  construct(a: Tensor, b: Tensor) {
    return ops.add(ops.pow(a, 3), b);
  }
}

describe("jvp", () => {
  it("MindSpore's example: x^3 + y with v = ones", () => {
    const [out, jv] = ms.jvp(new Cube(), [x(), x()], [v(), v()]);
    expect(String(out)).toBe("[[ 2. 10.]\n [30. 68.]]");
    expect(String(jv)).toBe("[[ 4. 13.]\n [28. 49.]]");
  });
  it("has_aux returns [out0, jvp, aux] with the aux unwrapped", () => {
    const fn = (a: Tensor, b: Tensor) => [ops.add(ops.pow(a, 3), b), b];
    const [out, jv, aux] = ms.jvp(fn, [x(), x()], [v(), v()], true);
    expect(String(out)).toBe("[[ 2. 10.]\n [30. 68.]]");
    expect(String(jv)).toBe("[[ 4. 13.]\n [28. 49.]]");
    expect(String(aux)).toBe("[[1. 2.]\n [3. 4.]]");
  });
  it("rejects inputs that are not Tensors", () => {
    expect(() => ms.jvp((a: Tensor) => a, 3 as never, v())).toThrowError(new ms.TypeError("The inputs type must be a Tensor, tuple or list of Tensors."));
  });
  it("forward over reverse: jvp of a gradient gives a Hessian-vector product", () => {
    const f = (a: Tensor) => ops.sum(ops.mul(ops.mul(a, a), a)); // H = diag(6a)
    const a = new Tensor([1, 2, 3], ms.float64);
    const [, hv] = ms.jvp(ms.grad(f), a, new Tensor([1, 0, 2], ms.float64));
    expect(hv.tolist()).toEqual([6, 0, 36]);
  });
});

describe("vjp", () => {
  it("MindSpore's example: gradients for all inputs, as a tuple", () => {
    const [out, vjp_fn] = ms.vjp(new Cube(), x(), x());
    expect(String(out)).toBe("[[ 2. 10.]\n [30. 68.]]");
    const g = vjp_fn(v());
    expect(ms.repr(g)).toBe(
      "(Tensor(shape=[2, 2], dtype=Float32, value=\n[[ 3.00000000e+00,  1.20000000e+01],\n [ 2.70000000e+01,  4.80000000e+01]]), " +
        "Tensor(shape=[2, 2], dtype=Float32, value=\n[[ 1.00000000e+00,  1.00000000e+00],\n [ 1.00000000e+00,  1.00000000e+00]]))",
    );
  });
  it("has_aux: [out0, vjp_fn, aux]", () => {
    const fn = (a: Tensor, b: Tensor) => [ops.add(ops.mul(a, 2), b), ops.pow(b, 3)];
    const [out, vjp_fn, aux] = ms.vjp(fn, x(), x(), { has_aux: true });
    expect(String(out)).toBe("[[ 3.  6.]\n [ 9. 12.]]");
    expect(String(aux)).toBe("[[ 1.  8.]\n [27. 64.]]");
    expect(vjp_fn(v()).map((t: Tensor) => t.tolist())).toEqual([[[2, 2], [2, 2]], [[1, 1], [1, 1]]]);
  });
  it("a single input still gives a tuple, and the pull-back can be called again", () => {
    const [, vjp_fn] = ms.vjp((a: Tensor) => ops.mul(a, a), x());
    expect(vjp_fn(v())[0].tolist()).toEqual([[2, 4], [6, 8]]);
    expect(vjp_fn(ops.mul(v(), 2))[0].tolist()).toEqual([[4, 8], [12, 16]]);
  });
});

describe("jacfwd and jacrev", () => {
  const f = (a: Tensor, b: Tensor) => ops.add(ops.mul(ops.pow(a, 2), b), ops.sin(b));
  const a = () => new Tensor([[0.5, -1.0], [2.0, 0.25]], ms.float64);
  const b = () => new Tensor([[1.5, 0.3], [-0.7, 2.0]], ms.float64);
  it("have shape out.shape + in.shape and agree with each other and the formula", () => {
    const jf = ms.jacfwd(f)(a(), b());
    const jr = ms.jacrev(f)(a(), b());
    expect(jf.shape).toEqual([2, 2, 2, 2]);
    expect(jr.shape).toEqual([2, 2, 2, 2]);
    const av = a().tolist() as number[][];
    const bv = b().tolist() as number[][];
    const J = jr.tolist() as number[][][][];
    const JF = jf.tolist() as number[][][][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) for (let k = 0; k < 2; k++) for (let l = 0; l < 2; l++) {
      const want = i === k && j === l ? 2 * av[i][j] * bv[i][j] : 0;
      expect(J[i][j][k][l]).toBeCloseTo(want, 12);
      expect(JF[i][j][k][l]).toBeCloseTo(want, 12);
    }
  });
  it("several positions and outputs nest as jac[out][in]", () => {
    const g = (p: Tensor, q: Tensor) => [ops.mul(p, q), ops.add(p, q)];
    const p = new Tensor([1, 2], ms.float64);
    const q = new Tensor([3, 5], ms.float64);
    const jr = ms.jacrev(g, [0, 1])(p, q);
    const jf = ms.jacfwd(g, [0, 1])(p, q);
    for (const jac of [jr, jf]) {
      expect(jac[0][0].tolist()).toEqual([[3, 0], [0, 5]]);
      expect(jac[0][1].tolist()).toEqual([[1, 0], [0, 2]]);
      expect(jac[1][0].tolist()).toEqual([[1, 0], [0, 1]]);
    }
  });
  it("range is checked eagerly", () => {
    expect(() => ms.jacrev(f, 2)(a(), b())).toThrowError(new ms.ValueError("The element in grad_position must belong to [0, args_num)."));
  });
});

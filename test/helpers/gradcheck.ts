/**
 * Central finite differences in float64, first and second order, against the
 * engine's reverse mode (and forward mode for the first order).
 */
import { expect } from "vitest";
import * as ms from "../../src/index.js";
import { Tensor } from "../../src/index.js";

type F = (...xs: Tensor[]) => Tensor;

export function randomTensor(shape: number[], rng: () => number, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
  return ms.ops.reshape(new Tensor(data), shape);
}

/** Deterministic uniform [0,1) stream for tests (mulberry32). */
export function rngFrom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const values = (t: Tensor) => Array.from(t.asnumpy().data as Float64Array);

function withEntry(x: Tensor, i: number, delta: number): Tensor {
  const d = Float64Array.from(values(x));
  d[i] += delta;
  return ms.ops.reshape(new Tensor(d), x.shape);
}

/** d scalarFn / d xs[k], by central differences. */
function numericGrad(scalarFn: (...xs: Tensor[]) => number, xs: Tensor[], k: number, eps: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs[k].size; i++) {
    const plus = xs.map((x, j) => (j === k ? withEntry(x, i, eps) : x));
    const minus = xs.map((x, j) => (j === k ? withEntry(x, i, -eps) : x));
    out.push((scalarFn(...plus) - scalarFn(...minus)) / (2 * eps));
  }
  return out;
}

function expectClose(actual: number[], expected: number[], tol: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    const scale = Math.max(1, Math.abs(expected[i]));
    if (!(err <= tol * scale)) {
      throw new Error(`${what}: element ${i}: analytic ${actual[i]} vs numeric ${expected[i]} (tol ${tol})`);
    }
  }
}

export interface GradcheckOptions {
  /** which inputs are differentiated (default: all) */
  wrt?: number[];
  secondOrder?: boolean;
  tol?: number;
  eps?: number;
  seed?: number;
}

/**
 * Check f's gradients: L(x) = sum(f(x) * c) with a fixed random c; first
 * order by reverse and forward mode, second order as grad of <grad L, u>.
 */
export function gradcheck(f: F, inputs: Tensor[], opts: GradcheckOptions = {}): void {
  const rng = rngFrom(opts.seed ?? 7);
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const tol = opts.tol ?? 1e-6;
  const eps = opts.eps ?? 1e-6;
  const out0 = f(...inputs);
  const c = randomTensor(out0.shape, rng);
  const L = (...xs: Tensor[]) => ms.ops.sum(ms.ops.mul(f(...xs), c));
  const Lnum = (...xs: Tensor[]) => Number(L(...xs).item());

  const g = ms.grad(L, wrt)(...inputs);
  const grads: Tensor[] = wrt.length === 1 ? [g] : g;
  wrt.forEach((k, j) => {
    expect(grads[j].shape).toEqual(inputs[k].shape);
    expectClose(values(grads[j]), numericGrad(Lnum, inputs, k, eps), tol, `first-order grad wrt input ${k}`);
  });

  // forward mode: J v for a random v per input equals <grad, v>
  const vs = inputs.map((x) => randomTensor(x.shape, rng));
  const tangentsIn = inputs.map((x, i) => (wrt.includes(i) ? vs[i] : ms.ops.zeros_like(x)));
  const [, jv] = ms.jvp(f, inputs, tangentsIn);
  const jvDotC = values(ms.ops.sum(ms.ops.mul(jv as Tensor, c)))[0];
  const gradDotV = wrt.reduce((acc, k, j) => acc + values(ms.ops.sum(ms.ops.mul(grads[j], vs[k])))[0], 0);
  expectClose([jvDotC], [gradDotV], tol, "forward-mode jvp");

  if (opts.secondOrder === false) return;
  const us = wrt.map((k) => randomTensor(inputs[k].shape, rng));
  const M = (...xs: Tensor[]) => {
    const gi = ms.grad(L, wrt)(...xs);
    const list: Tensor[] = wrt.length === 1 ? [gi] : gi;
    return list.reduce((acc: Tensor, t, j) => ms.ops.add(acc, ms.ops.sum(ms.ops.mul(t, us[j]))), new Tensor(0, ms.float64));
  };
  const Mnum = (...xs: Tensor[]) => Number(M(...xs).item());
  const h = ms.grad(M, wrt)(...inputs);
  const hs: Tensor[] = wrt.length === 1 ? [h] : h;
  wrt.forEach((k, j) => {
    expectClose(values(hs[j]), numericGrad(Mnum, inputs, k, 1e-5), Math.max(tol, 1e-5), `second-order grad wrt input ${k}`);
  });
}

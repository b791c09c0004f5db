/**
 * The wasm backend against the reference backend (the oracle): every fast
 * path on shapes that exercise its cases (strided and broadcast operands, edge
 * tiles, threads), special values, fallbacks, and memory (tensors freed when
 * unreachable, flat over 10,000 training steps).
 */
import { describe, it, expect, afterEach } from "vitest";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";
import * as L from "../src/primitives/lax.js";
import { bind } from "../src/primitives/bind.js";
import { bool_, float32, int32, int64, type DType } from "../src/core/dtype.js";
import { listBackends } from "../src/backend/registry.js";
import type { WasmBackend } from "../src/backend/wasm/index.js";
import { rngFrom } from "./helpers/gradcheck.js";
import { recordReleases } from "./helpers/releases.js";

const wasm = listBackends().find((b) => b.name === "wasm") as WasmBackend | undefined;
const initial = ms.get_backend();
afterEach(() => ms.set_backend(initial));

/** A float32 tensor of uniform values in [lo, hi), the same on every backend for a seed. */
function rand(shape: number[], seed: number, lo = -1, hi = 1, dtype: DType = float32): Tensor {
  const rng = rngFrom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float64Array.from({ length: n }, () => lo + (hi - lo) * rng());
  return L.reshape(new Tensor(data, dtype), shape);
}

const flat = (t: Tensor) => Array.from(t.asnumpy().data as ArrayLike<number | bigint>, Number);

/** Run `f` on the reference and the wasm backends; the results, flattened. */
function both(f: () => Tensor | Tensor[]): { ref: number[][]; got: number[][]; shapes: number[][] } {
  const run = (name: string) => {
    ms.set_backend(name);
    const r = f();
    const ts = Array.isArray(r) ? r : [r];
    return { vals: ts.map(flat), shapes: ts.map((t) => t.shape), dtypes: ts.map((t) => t.dtype) };
  };
  const a = run("reference");
  const b = run("wasm");
  expect(b.shapes).toEqual(a.shapes);
  expect(b.dtypes).toEqual(a.dtypes);
  return { ref: a.vals, got: b.vals, shapes: a.shapes };
}

/** Agreement to `rtol` relative to each value (plus `atol`), NaN where NaN, infinities equal. */
function expectClose(f: () => Tensor | Tensor[], rtol = 2e-6, atol = 1e-6): void {
  const { ref, got } = both(f);
  ref.forEach((r, k) => {
    const g = got[k];
    expect(g.length).toBe(r.length);
    let bad = -1;
    for (let i = 0; i < r.length; i++) {
      const ok = Number.isNaN(r[i]) ? Number.isNaN(g[i]) : r[i] === g[i] || Math.abs(r[i] - g[i]) <= atol + rtol * Math.abs(r[i]);
      if (!ok) {
        bad = i;
        break;
      }
    }
    if (bad >= 0) expect({ index: bad, got: g[bad] }).toEqual({ index: bad, got: r[bad] });
  });
}

describe.skipIf(!wasm)("wasm backend: elementwise", () => {
  const specials = () => new Tensor([0, -0, 1, -1, 0.5, -2.5, 1e-40, -1e-40, 1e30, -1e30, 88, 89, -87, -104, -110, Infinity, -Infinity, NaN, 2.5, 3.5], float32);
  it("unary ops match the reference on large, strided and special inputs", () => {
    for (const p of ["neg", "abs", "floor", "ceil", "round", "sign", "reciprocal"] as const) {
      expectClose(() => L.unary(p, rand([3001], 1, -5, 5)), 0, 0);
      expectClose(() => L.unary(p, specials()), 0, 0);
    }
    expectClose(() => L.sqrt(rand([3001], 2, 0, 100)), 0, 0);
    expectClose(() => L.sqrt(specials()), 0, 0);
    // exp/log/tanh/sigmoid are polynomial approximations: within a few float32 ulps
    for (const p of ["exp", "tanh", "sigmoid"] as const) {
      expectClose(() => L.unary(p, rand([5003], 3, -20, 20)), 4e-7, 1e-37);
      expectClose(() => L.unary(p, specials()), 4e-7, 1e-37);
      expectClose(() => L.unary(p, L.transpose(rand([67, 45], 4, -3, 3), [1, 0])), 4e-7, 0);
    }
    expectClose(() => L.log(rand([5003], 5, 1e-6, 1e6)), 4e-7, 1e-7);
    expectClose(() => L.log(specials()), 4e-7, 0);
  });
  it("exp and log are accurate across their whole range", () => {
    // float32 relative accuracy about 1e-7 (a couple of ulps) over every exponent
    const xs = Array.from({ length: 4000 }, (_, i) => -103 + (191 * i) / 3999);
    expectClose(() => L.exp(new Tensor(xs, float32)), 3e-7, 1e-44);
    const ys = Array.from({ length: 4000 }, (_, i) => 2 ** (-140 + (267 * i) / 3999));
    expectClose(() => L.log(new Tensor(ys, float32)), 3e-7, 1e-7);
  });
  it("binary ops with broadcasting, strides and comparisons", () => {
    const a = () => rand([64, 1, 33], 6, -3, 3);
    const b = () => rand([1, 17, 33], 7, -3, 3);
    for (const p of ["add", "sub", "mul", "div", "maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"] as const) {
      expectClose(() => L.binary(p, a(), b()), 0, 0);
      // a column broadcast, a scalar, and a transposed operand
      expectClose(() => L.binary(p, rand([300, 70], 8), rand([300, 1], 9)), 0, 0);
      expectClose(() => L.binary(p, rand([5000], 10), L.scalar(0.25, float32)), 0, 0);
      expectClose(() => L.binary(p, L.transpose(rand([70, 300], 11), [1, 0]), rand([300, 70], 12)), 0, 0);
    }
    // ties and NaN in comparisons / maximum
    const x = () => new Tensor([1, NaN, 2, -0, 3, NaN, 5, 6], float32);
    const y = () => new Tensor([1, 1, NaN, 0, 4, NaN, 5, 7], float32);
    for (const p of ["maximum", "minimum", "equal", "not_equal", "less", "greater_equal"] as const) expectClose(() => L.binary(p, L.broadcast_to(x(), [40, 8]), L.broadcast_to(y(), [40, 8])), 0, 0);
  });
  it("select, casts and contiguous copies", () => {
    expectClose(() => L.select(L.greater(rand([200, 50], 13), L.scalar(0, float32)), rand([200, 50], 14), L.fullLike(rand([200, 50], 15), 0)), 0, 0);
    expectClose(() => L.select(L.greater(rand([50, 1], 16), L.scalar(0, float32)), rand([50, 300], 17), L.transpose(rand([300, 50], 18), [1, 0])), 0, 0);
    expectClose(() => L.cast(new Tensor(Array.from({ length: 5000 }, (_, i) => [0, 1.5, NaN, -0, -2][i % 5]), float32), bool_), 0, 0);
    expectClose(() => L.cast(L.greater(rand([5000], 19), L.scalar(0, float32)), float32), 0, 0);
    // a reshape of a transposed tensor needs a copy: float32, int32 and bool
    expectClose(() => L.reshape(L.transpose(rand([90, 70], 20), [1, 0]), [6300]), 0, 0);
    expectClose(() => L.reshape(L.transpose(rand([90, 70], 21, -100, 100, int32), [1, 0]), [6300]), 0, 0);
    expectClose(() => L.reshape(L.transpose(L.greater(rand([90, 70], 22), L.scalar(0, float32)), [1, 0]), [6300]), 0, 0);
  });
  it("ops without a wasm kernel run on the reference kernel, float64 and int64 too", () => {
    expectClose(() => [L.sin(rand([5000], 23)), L.pow(rand([5000], 24, 0.1, 2), rand([5000], 25)), L.cumsum(rand([40, 130], 26), 1)], 0, 0);
    const d = rand([3000], 27, -2, 2, ms.float64);
    expectClose(() => [L.exp(rand([3000], 27, -2, 2, ms.float64)), L.add(d, d)], 0, 0);
    expectClose(() => L.add(rand([5000], 28, -50, 50, int64), rand([5000], 29, -50, 50, int64)), 0, 0);
  });
});

describe.skipIf(!wasm)("wasm backend: reductions", () => {
  it("sum, max and min over every axis pattern, float64 accumulation for sums", () => {
    const x = () => rand([8, 300, 5], 30, -2, 2);
    for (const axes of [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]) {
      for (const p of ["sum", "max", "min"] as const) {
        expectClose(() => L[p](x(), axes, false), p === "sum" ? 1e-6 : 0, p === "sum" ? 1e-6 : 0);
        expectClose(() => L[p](L.transpose(x(), [2, 0, 1]), axes, true), p === "sum" ? 1e-6 : 0, p === "sum" ? 1e-6 : 0);
      }
    }
    // a bias gradient's pattern (kept axis between reduced ones, inner contiguous), large enough for threads
    for (const p of ["sum", "max", "min"] as const) {
      expectClose(() => L[p](rand([16, 40, 29, 31], 32, -2, 2), [0, 2, 3], false), p === "sum" ? 1e-6 : 0, p === "sum" ? 1e-6 : 0);
    }
    // a long sum equals the float64 sum rounded once (the reference's result) to float32 precision
    expectClose(() => L.sum(rand([1000003], 31, 0, 1), [0]), 1e-7, 0);
    expectClose(() => L.max(new Tensor([1, 2, NaN, 4, 5, 6, 7, 8, 9], float32), [0]), 0, 0);
  });
  it("argmax/argmin: first index of the extreme, NaN first", () => {
    expectClose(() => [bindArg("argmax", rand([300, 77], 32), 1), bindArg("argmin", rand([300, 77], 33), 1)], 0, 0);
    const t = () => new Tensor([[1, 5, 5, 2], [NaN, 1, NaN, 0], [3, 3, 3, 3]], float32);
    expect(flat(withBackend("wasm", () => bindArg("argmax", t(), 1)))).toEqual([1, 0, 0]);
    expect(flat(withBackend("wasm", () => bindArg("argmin", t(), 1)))).toEqual([0, 0, 0]);
  });
});

function withBackend<T>(name: string, f: () => T): T {
  ms.set_backend(name);
  return f();
}

function bindArg(p: "argmax" | "argmin", x: Tensor, axis: number): Tensor {
  return ms.ops[p](x, axis) as Tensor;
}

/** Wait (a bounded while) for the wasm backend's workers, so that the threaded paths run. */
async function workersUp(): Promise<void> {
  ms.set_backend("wasm");
  L.exp(rand([10], 1)); // the runtime exists
  for (let t = 0; t < 300 && !((wasm as WasmBackend).info().workers_ready ?? 0); t++) await new Promise((r) => setTimeout(r, 10));
}

describe.skipIf(!wasm)("wasm backend: matmul and convolution", () => {
  it("matmul: edge tiles, transposed operands, batches with broadcasting, empty and tiny", () => {
    for (const [m, k, n] of [[1, 1, 1], [5, 7, 3], [13, 300, 17], [64, 64, 64], [97, 513, 45], [128, 784, 512]]) {
      expectClose(() => L.matmul(rand([m, k], m + k), rand([k, n], k + n)), 2e-5, 2e-5);
      expectClose(() => L.matmul(L.transpose(rand([k, m], m), [1, 0]), L.transpose(rand([n, k], n), [1, 0])), 2e-5, 2e-5);
    }
    expectClose(() => L.matmul(rand([3, 1, 20, 30], 40), rand([4, 30, 25], 41)), 2e-5, 2e-5);
    expectClose(() => L.matmul(rand([6, 40, 0], 42), rand([6, 0, 9], 43)), 0, 0);
  });
  it("matmul of large matrices agrees (threads take slices)", () => {
    expectClose(() => L.matmul(rand([300, 700], 44), rand([700, 520], 45)), 5e-5, 5e-5);
    expectClose(() => L.matmul(rand([700, 300], 46), rand([300, 130], 47)), 5e-5, 5e-5);
  });
  it("conv: padding, strides, dilations, groups, and its gradients (transposed convolutions)", async () => {
    await workersUp();
    const cases: [number[], number[], Parameters<typeof L.conv>[2]][] = [
      [[2, 3, 11, 13], [4, 3, 3, 3], { stride: [1, 1], padding: [1, 1, 1, 1], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 }],
      [[3, 4, 12, 9], [6, 2, 3, 2], { stride: [2, 1], padding: [0, 2, 1, 0], lhs_dilation: [1, 1], rhs_dilation: [2, 1], groups: 2 }],
      [[2, 2, 5, 6], [3, 2, 3, 3], { stride: [1, 1], padding: [2, 2, 2, 2], lhs_dilation: [2, 3], rhs_dilation: [1, 1], groups: 1 }],
      [[32, 8, 14, 14], [16, 8, 3, 3], { stride: [1, 1], padding: [1, 1, 1, 1], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 }],
      // stride 1 (the zero-bordered copy and whole-run im2col): uneven padding, groups, runs shorter than four, 1x1
      [[3, 4, 7, 10], [6, 2, 2, 5], { stride: [1, 1], padding: [0, 1, 2, 0], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 2 }],
      [[2, 3, 9, 3], [5, 3, 4, 2], { stride: [1, 1], padding: [1, 2, 0, 1], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 }],
      [[1, 3, 9, 9], [2, 3, 1, 1], { stride: [1, 1], padding: [0, 0, 0, 0], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 }],
      // one input channel, a large batch: the weight gradient (3x3 "output", 32 channels) splits its channels across threads
      [[32, 1, 28, 28], [32, 1, 3, 3], { stride: [1, 1], padding: [1, 1, 1, 1], lhs_dilation: [1, 1], rhs_dilation: [1, 1], groups: 1 }],
    ];
    for (const [xs, ws, p] of cases) {
      expectClose(() => L.conv(rand(xs, 50), rand(ws, 51), p), 2e-5, 2e-5);
      expectClose(() => {
        const [gx, gw] = ms.grad((x: Tensor, w: Tensor) => ms.ops.sum(ms.ops.square(L.conv(x, w, p))), [0, 1])(rand(xs, 52), rand(ws, 53)) as Tensor[];
        return [gx, gw];
      }, 1e-4, 1e-4);
    }
  });
  it("pool_argmax: ties, NaN, stride and dilation, a transposed input", () => {
    const params = { kernel: [3, 2], stride: [2, 1], dilation: [1, 2], out: [9, 17] };
    const x = () => {
      // rounded values tie often; a few NaN
      const v = L.unary("round", L.mulScalar(rand([6, 20, 19], 63), 3));
      const withNan = L.select(L.binary("greater", rand([6, 20, 19], 64), L.scalar(0.97, float32)), L.mulScalar(v, NaN), v);
      return withNan;
    };
    const { ref, got } = both(() => [
      bind("pool_argmax", [x()], params),
      bind("pool_argmax", [L.transpose(L.reshape(x(), [6, 19, 20]), [0, 2, 1])], params),
    ]);
    expect(got).toEqual(ref);
  });
  it("pool_argmax 2x2 stride 2 (the SIMD path): ties, NaN, widths around four windows, odd sizes, row-strided views", () => {
    const x = (shape: number[], seed: number) => {
      const v = L.unary("round", L.mulScalar(rand(shape, seed), 2));
      return L.select(L.binary("greater", rand(shape, seed + 1), L.scalar(0.93, float32)), L.mulScalar(v, NaN), v);
    };
    const cases: [number[], number[]][] = [[[3, 8, 8], [4, 4]], [[5, 9, 11], [4, 5]], [[2, 6, 14], [3, 7]], [[7, 28, 29], [14, 14]], [[2, 4, 6], [2, 3]]];
    const { ref, got } = both(() => [
      ...cases.map(([shape, out], i) => bind("pool_argmax", [x(shape, 70 + i)], { kernel: [2, 2], stride: [2, 2], dilation: [1, 1], out })),
      // rows further apart than their width (a slice of wider rows)
      bind("pool_argmax", [L.slice(x([3, 10, 21], 80), [0, 0, 1], [1, 1, 1], [3, 10, 19])], { kernel: [2, 2], stride: [2, 2], dilation: [1, 1], out: [5, 9] }),
    ]);
    expect(got).toEqual(ref);
  });
  it("scatter_add_along_axis: repeated indices, int32 and int64, threads, an output larger than the index", () => {
    const idx = (shape: number[], dim: number, seed: number, dtype: DType) => {
      const rng = rngFrom(seed);
      const n = shape.reduce((a, b) => a * b, 1);
      return L.reshape(new Tensor(Array.from({ length: n }, () => Math.floor(rng() * dim)), dtype), shape);
    };
    const { ref, got } = both(() => [
      bind("scatter_add_along_axis", [rand([40, 30], 90), idx([40, 30], 50, 91, int64)], { axis: 1, shape: [40, 50] }),
      bind("scatter_add_along_axis", [rand([7, 30, 9], 92), idx([7, 30, 9], 11, 93, int32)], { axis: 1, shape: [7, 11, 9] }),
      bind("scatter_add_along_axis", [rand([600, 500], 94), idx([600, 500], 700, 95, int64)], { axis: 1, shape: [600, 700] }),
      // the index covers part of the output's other axis: the rest stays zero
      bind("scatter_add_along_axis", [rand([20, 30], 96), idx([20, 30], 50, 97, int64)], { axis: 1, shape: [40, 50] }),
    ]);
    expect(got.map((v) => v.map((x) => Math.round(x * 1e4)))).toEqual(ref.map((v) => v.map((x) => Math.round(x * 1e4))));
  });
  it("max_pool2d and cross_entropy, forward and backward (pad, gathers, scatters, argmax)", () => {
    expectClose(() => {
      const f = (x: Tensor) => ms.ops.sum(ms.ops.square(ms.ops.max_pool2d(x, 2) as Tensor));
      return [f(rand([4, 3, 10, 12], 60)), ms.grad(f)(rand([4, 3, 10, 12], 60)) as Tensor];
    }, 1e-6, 1e-6);
    expectClose(() => {
      const y = new Tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10), int32);
      const f = (z: Tensor) => ms.ops.cross_entropy(z, y);
      return [f(rand([64, 10], 61)), ms.grad(f)(rand([64, 10], 61)) as Tensor];
    }, 1e-6, 1e-6);
  });
  it("take_along_axis: last and middle axes, negative indices, int32 and int64, 4- and 8-byte data, strided views", () => {
    const idx = (shape: number[], dim: number, seed: number, dtype: DType) => {
      const rng = rngFrom(seed);
      const n = shape.reduce((a, b) => a * b, 1);
      // negative indices count from the end, as MindSpore's gather_elements does
      return L.reshape(new Tensor(Array.from({ length: n }, () => Math.floor(rng() * 2 * dim) - dim), dtype), shape);
    };
    const { ref, got } = both(() => [
      L.take_along_axis(rand([300, 90], 100), idx([300, 40], 90, 101, int64), 1),
      L.take_along_axis(rand([30, 90, 7], 102), idx([30, 40, 7], 90, 103, int32), 1),
      L.take_along_axis(L.transpose(rand([90, 300], 104), [1, 0]), idx([300, 40], 90, 105, int32), 1),
      L.take_along_axis(L.cast(rand([200, 50], 106), ms.float64), idx([200, 60], 50, 107, int64), 1),
    ]);
    expect(got).toEqual(ref);
  });
  it("gather errors are MindSpore's IndexError", () => {
    ms.set_backend("wasm");
    const x = rand([50, 100], 62);
    const idx = new Tensor(Array.from({ length: 5000 }, (_, i) => (i === 4321 ? 100 : i % 100)), int64);
    expect(() => L.take_along_axis(x, L.reshape(idx, [50, 100]), 1)).toThrow(ms.IndexError);
  });
});

describe.skipIf(!wasm)("wasm backend: memory", () => {
  const stats = () => (wasm as WasmBackend).stats();
  const gc = (globalThis as { gc?: () => void }).gc;
  const tick = () => new Promise((r) => setTimeout(r, 0));

  it("large tensors live in wasm memory and are freed when unreachable or disposed", async () => {
    ms.set_backend("wasm");
    L.exp(rand([10], 69)); // the runtime exists
    if (gc) {
      gc();
      await tick();
    }
    const before = stats()!.residentBlocks;
    let t: Tensor | null = L.exp(rand([100000], 70));
    expect(stats()!.residentBlocks).toBeGreaterThan(before);
    const d = L.exp(rand([100000], 71));
    d.dispose();
    expect(d.isDisposed).toBe(true);
    t = null;
    void t;
    if (gc) {
      for (let i = 0; i < 5 && stats()!.residentBlocks > before; i++) {
        gc();
        await tick();
      }
      expect(stats()!.residentBlocks).toBeLessThanOrEqual(before);
    }
  });

  it("a gradient hands its backward intermediates back at once and keeps what it returns", () => {
    ms.set_backend("wasm");
    const w = wasm as WasmBackend;
    const x = rand([128, 128], 72);
    const f = (t: Tensor) => ms.ops.sum(L.reshape(L.mulScalar(L.unary("tanh", L.mul(t, t)), 3), [128 * 128]));
    const resident = stats()!.residentBlocks;
    const { result, released } = recordReleases(w, () => ms.grad(f)(x) as Tensor);
    const g = result;
    // six backward temporaries (the *3, tanh and t*t rules, before the sum of the two t*t terms)
    expect(released.length).toBe(6);
    expect(released).not.toContain(g._concreteView().storage);
    // left resident: the forward values and the gradient (64 KiB each), nothing of the backward pass
    expect(stats()!.residentBlocks - resident).toBeLessThanOrEqual(4);
    const got = flat(g);
    ms.set_backend("reference");
    const want = flat(ms.grad(f)(x) as Tensor);
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-6 + 1e-6 * Math.abs(want[i])));
  });

  it("tensors the engine frees itself bring on no collection; garbage brings a full one at a step boundary per eighth of the budget, at most a tenth of the time", () => {
    ms.set_backend("wasm");
    const w = wasm as WasmBackend;
    const x = rand([256, 512], 76); // 512 KiB
    const budget = stats()!.budgetBytes;
    // a clock of our own: each collection takes 10 ms on it, each step `stepMs`
    const res = w.rt()!.residency;
    const collector = (res as unknown as { collector: { gc(major: boolean): void } }).collector;
    const realGc = collector.gc;
    const realNow = res.now;
    let t = 1e6;
    res.now = () => t;
    collector.gc = (major) => {
      t += 10;
      realGc(major);
    };
    try {
      // 96 MiB each way, a step boundary before every tensor
      const run = (dispose: boolean, stepMs: number) => {
        const s0 = stats()!;
        let peak = 0;
        for (let i = 0; i < 192; i++) {
          t += stepMs;
          w.stepBoundary();
          const y = L.exp(x);
          if (dispose) y.dispose();
          peak = Math.max(peak, stats()!.residentBytes);
        }
        const s1 = stats()!;
        return { gcs: s1.majorGcs - s0.majorGcs, ballasts: s1.ballasts - s0.ballasts, spills: s1.spilledBlocks - s0.spilledBlocks, peak };
      };
      const freed = run(true, 100);
      expect(freed.gcs).toBe(0);
      expect(freed.ballasts).toBe(0);
      // steps of 100 ms: one full collection per eighth of the budget of garbage (8 MiB: 12 in 96 MiB;
      // steps of 512 KiB are small), each of which frees it: no spills, a heap within a few MiB of that eighth
      const slow = run(false, 100);
      const eighths = (96 * 2 ** 20) / (budget / 8);
      expect(slow.gcs).toBeGreaterThanOrEqual(eighths - 1);
      expect(slow.gcs).toBeLessThanOrEqual(eighths);
      expect(slow.spills).toBe(0);
      expect(slow.peak).toBeLessThan(budget / 8 + 4 * 2 ** 20);
      // where we collect ourselves, no ballast: V8 would answer it with collections of its own
      expect(slow.ballasts).toBe(0);
      // steps of 1 ms: a collection waits for 100 ms, so it comes at half the budget (3 in 96 MiB)
      const fast = run(false, 1);
      expect(fast.gcs).toBeGreaterThanOrEqual(2);
      expect(fast.gcs).toBeLessThanOrEqual(3);
      expect(fast.spills).toBe(0);
      expect(fast.peak).toBeLessThan(budget / 2 + 4 * 2 ** 20);
      // steps of 6 MiB of garbage (more than a third of an eighth) and 100 ms: a collection every third
      // step, not every second, so most steps pay none
      w.stepBoundary();
      const s0 = stats()!.majorGcs;
      for (let step = 0; step < 30; step++) {
        for (let i = 0; i < 12; i++) L.exp(x);
        t += 100;
        w.stepBoundary();
      }
      expect(stats()!.majorGcs - s0).toBe(10);
    } finally {
      res.now = realNow;
      collector.gc = realGc;
    }
    w.stepBoundary();
  });

  it("collections at step boundaries keep a training loop's heap within the budget, without spilling", () => {
    ms.set_backend("wasm");
    const w = new ms.Parameter(rand([256, 256], 73), "w");
    const x = rand([64, 256], 74);
    const vg = ms.value_and_grad((a: Tensor) => ms.ops.sum(ms.ops.square(ms.ops.tanh(ms.ops.matmul(a, w)))), null, [w]);
    const s0 = stats()!;
    let peak = 0;
    for (let i = 0; i < 60; i++) {
      const [, g] = vg(x) as unknown as [Tensor, Tensor[]];
      w.set_data(L.sub(w, L.mulScalar(g[0], 0.01)));
      peak = Math.max(peak, stats()!.residentBytes);
    }
    const s1 = stats()!;
    // each step makes about 0.7 MiB of tensors over 16 KiB, 42 MiB in all: a full collection at least
    // per half budget of them (more often where steps are slow next to a collection)
    expect(s1.majorGcs - s0.majorGcs).toBeGreaterThanOrEqual(1);
    expect(s1.spilledBlocks).toBe(s0.spilledBlocks);
    expect(peak).toBeLessThan(s1.budgetBytes / 2 + 4 * 2 ** 20);
    expect(Number.isFinite(ms.ops.sum(w).item() as number)).toBe(true);
  });

  it("a compiled SGD step frees each weight it replaces at once: no garbage, no collection", () => {
    ms.set_backend("wasm");
    const w = wasm as WasmBackend;
    ms.set_seed(3);
    const net = new ms.nn.Dense(512, 512); // a 1 MiB weight
    const opt = new ms.nn.SGD(net.trainable_params(), 0.01);
    const vg = ms.value_and_grad((a: Tensor) => ms.ops.sum(ms.ops.square(net(a))), null, net.trainable_params());
    const step = ms.jit((a: Tensor) => {
      const [loss, grads] = vg(a) as unknown as [Tensor, Tensor[]];
      opt(grads);
      return loss;
    });
    const x = rand([8, 512], 77, -0.1, 0.1);
    const first = (step(x) as Tensor).item() as number;
    step(x);
    // start from no garbage (earlier tests leave some)
    (w.rt()!.residency as unknown as { collect(): void }).collect();
    const s0 = stats()!;
    // 48 MiB of replaced weights: left to the GC, six collections
    for (let i = 0; i < 48; i++) step(x);
    const s1 = stats()!;
    expect(s1.majorGcs - s0.majorGcs).toBe(0);
    // what stays behind is the 48 scalar losses, nothing the size of a weight
    expect(s1.residentBytes - s0.residentBytes).toBeLessThan(2 ** 20);
    expect((step(x) as Tensor).item() as number).toBeLessThan(first);
  });

  it("over budget with tensors that are all live, collections back off (to one per two budgets) and the rest spills", () => {
    ms.set_backend("wasm");
    const w = wasm as WasmBackend;
    w.setBudget(8 * 2 ** 20);
    const kept: Tensor[] = [];
    try {
      const x = rand([256, 512], 78); // 512 KiB
      const s0 = stats()!;
      for (let i = 0; i < 96; i++) kept.push(L.exp(x)); // 48 MiB, all of it live
      const s1 = stats()!;
      // one collection per quarter budget (2 MiB) would be 20; finding nothing each time, the spacing
      // doubles (2, 4, 8, 16 MiB): 4
      expect(s1.majorGcs - s0.majorGcs).toBeGreaterThanOrEqual(3);
      expect(s1.majorGcs - s0.majorGcs).toBeLessThanOrEqual(5);
      expect(s1.spilledBlocks - s0.spilledBlocks).toBeGreaterThan(0);
      // nothing lost: the first tensor (spilled long ago) reads back as the last one
      expect(flat(kept[0])).toEqual(flat(kept[95]));
    } finally {
      for (const t of kept) t.dispose();
      w.setBudget(64 * 2 ** 20);
      w.rt()!.residency.maxAutoBudget = 512 * 2 ** 20;
    }
  });

  it("memory stays flat over 10,000 training steps of a synchronous loop (collections, then spills)", () => {
    ms.set_backend("wasm");
    const w = (wasm as WasmBackend);
    w.setBudget(8 * 2 ** 20);
    try {
      const x = rand([64, 128], 72);
      const y = rand([64, 32], 73);
      let W = rand([128, 32], 74, -0.1, 0.1);
      const loss = (Wt: Tensor) => ms.ops.mean(ms.ops.square(ms.ops.sub(ms.ops.matmul(x, Wt), y)));
      const vg = ms.value_and_grad(loss);
      const sizes: number[] = [];
      let first = 0;
      let last = 0;
      for (let step = 0; step < 10000; step++) {
        const [l, g] = vg(W) as [Tensor, Tensor];
        W = ms.ops.sub(W, ms.ops.mul(g, 0.05));
        if (step === 0) first = l.item() as number;
        if (step === 9999) last = l.item() as number;
        if (step % 1000 === 999) sizes.push(stats()!.memoryBytes);
      }
      expect(last).toBeLessThan(first);
      // the heap stopped growing after the first thousand steps, and what is resident stays within the budget
      expect(new Set(sizes.slice(1)).size).toBe(1);
      expect(stats()!.residentBytes).toBeLessThanOrEqual(8 * 2 ** 20);
    } finally {
      w.setBudget(64 * 2 ** 20);
      (wasm as WasmBackend).rt()!.residency.maxAutoBudget = 512 * 2 ** 20;
    }
  });

  it.skipIf(!gc)("over 10,000 steps of an async loop, unreachable tensors are freed: live buffers stay flat", async () => {
    ms.set_backend("wasm");
    const x = rand([64, 128], 75);
    const y = rand([64, 32], 76);
    let W = rand([128, 32], 77, -0.1, 0.1);
    const vg = ms.value_and_grad((Wt: Tensor) => ms.ops.mean(ms.ops.square(ms.ops.sub(ms.ops.matmul(x, Wt), y))));
    const live: number[] = [];
    for (let step = 0; step < 10000; step++) {
      const [, g] = vg(W) as [Tensor, Tensor];
      W = ms.ops.sub(W, ms.ops.mul(g, 0.05));
      if (step % 100 === 99) await tick();
      if (step % 2000 === 1999) {
        gc!();
        await tick();
        live.push(stats()!.residentBlocks);
      }
    }
    // the same handful of live buffers (data, weights) at every checkpoint: everything else was freed.
    // 3 to 5 of them: the suspended async frame may still hold the last step's weights and gradient
    // (16 KiB each, so in wasm memory), or not, depending on how V8 compiled the loop by then
    expect(Math.max(...live) - Math.min(...live)).toBeLessThanOrEqual(3);
    expect(Math.max(...live)).toBeLessThan(20);
  });
});

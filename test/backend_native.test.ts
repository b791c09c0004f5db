/**
 * The native (C++) backend against the reference backend: every kernel it
 * implements, on random data laid out as contiguous, transposed, sliced,
 * reversed and broadcast views; matmul at awkward sizes; convolution with
 * every parameter and its gradients; threads; the other micro-kernel paths;
 * and flat memory over 10,000 steps.
 */
import { describe, it, expect, afterEach } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as ms from "../src/index.js";
import { Tensor, ops } from "../src/index.js";
import * as L from "../src/primitives/lax.js";
import type { Kernel, OutSpec, View } from "../src/backend/backend.js";
import type { PrimName, PrimParams } from "../src/primitives/params.js";
import { referenceBackend } from "../src/backend/reference/index.js";
import { HostStorage } from "../src/backend/reference/storage.js";
import { nativeBackend, nativeLoadError } from "../src/backend/native/index.js";
import { bool_, float16, float32, float64, int32, int64, roundToFloat16, uint8, type DType } from "../src/core/dtype.js";
import { rngFrom } from "./helpers/gradcheck.js";
import { recordReleases } from "./helpers/releases.js";

const native = nativeBackend!;
// every size through the C++ kernels (tiny ones normally take the JS path)
if (nativeBackend) nativeBackend.smallCutoff = 0;
const hasCompiler = ["/usr/bin/g++", "/usr/bin/c++", "/usr/bin/clang++"].some((p) => existsSync(p));

it("the addon is built wherever a C++ compiler is installed", () => {
  if (hasCompiler) expect(nativeLoadError, "build with: node scripts/build-native.mjs").toBeNull();
  if (nativeBackend) expect(["avx512", "avx2", "portable"]).toContain(nativeBackend.info().isa);
});

// ------------------------------------------------------------------ views

type Rng = () => number;
type Layout = "contiguous" | "transposed" | "strided" | "reversed";
const LAYOUTS: Layout[] = ["contiguous", "transposed", "strided", "reversed"];

/**
 * A view of `shape` whose elements are `values` (row-major), stored in a
 * larger array in the given layout: axes permuted in memory, every other
 * element, or walked backwards (negative strides), behind a random offset.
 */
function layView(values: ArrayLike<number>, shape: readonly number[], dtype: DType, layout: Layout, rng: Rng): View {
  const nd = shape.length;
  const order = [...shape.keys()];
  if (layout === "transposed") order.reverse(); // the first axis varies fastest in memory
  const step = layout === "strided" ? 2 : 1;
  const sign = (d: number) => (layout === "reversed" && d % 2 === 0 ? -1 : 1);
  const strides = new Array<number>(nd).fill(0);
  let acc = step;
  for (let i = nd - 1; i >= 0; i--) {
    const d = order[i];
    strides[d] = acc * sign(d);
    acc *= Math.max(shape[d], 1);
  }
  const lead = 1 + Math.floor(rng() * 5);
  let offset = lead;
  for (let d = 0; d < nd; d++) if (strides[d] < 0) offset -= strides[d] * (shape[d] - 1);
  const data = new dtype.storage(offset + acc + 3).fill(dtype.name === "Bool" ? 1 : 77);
  const idx = new Array<number>(nd).fill(0);
  for (let k = 0; k < values.length; k++) {
    let o = offset;
    for (let d = 0; d < nd; d++) o += idx[d] * strides[d];
    data[o] = values[k];
    for (let d = nd - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return { storage: new HostStorage(referenceBackend, dtype, data), shape, strides, offset };
}

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const SPECIAL = [0, -0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1, NaN, Infinity, -Infinity, 3, 1e-3];

function randomValues(n: number, rng: Rng, dtype: DType, specials = true): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (dtype.name === "Bool") out.push(rng() < 0.5 ? 1 : 0);
    else if (dtype.kind === "int") out.push(Math.floor(rng() * 20) - 10);
    else if (specials && rng() < 0.1) out.push(SPECIAL[Math.floor(rng() * SPECIAL.length)]);
    else out.push(rng() * 6 - 3);
  }
  if (dtype.name === "Float16") return out.map(roundToFloat16);
  return out;
}

/** Run primitive `p` on both backends and return both results as plain arrays. */
function both<P extends PrimName>(p: P, inputs: View[], params: PrimParams[P], out: OutSpec) {
  const nk = native.kernels[p] as Kernel<P> | undefined;
  expect(nk, `native kernel for ${p}`).toBeDefined();
  const rk = referenceBackend.kernels[p] as Kernel<P>;
  const onNative = inputs.map((v) => ({ ...v, storage: native.upload((v.storage as HostStorage).data, v.storage.dtype) }));
  const n = nk!(onNative, params, out);
  const r = rk(inputs, params, out);
  expect(n.backend).toBe(native);
  expect(n.dtype).toBe(out.dtype);
  return { got: Array.from((n as HostStorage).data), want: Array.from((r as HostStorage).data) };
}

/** Equal within a float32 tolerance (or float64's); NaN matches NaN. */
function expectClose(got: number[], want: number[], what: string, rtol = 1e-6, atol = 1e-6): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const a = got[i];
    const b = want[i];
    if (Number.isNaN(b)) {
      if (!Number.isNaN(a)) throw new Error(`${what}: element ${i}: ${a} where NaN expected`);
      continue;
    }
    if (a === b) continue;
    if (!(Math.abs(a - b) <= atol + rtol * Math.abs(b))) throw new Error(`${what}: element ${i}: native ${a} vs reference ${b}`);
  }
}

// ------------------------------------------------------------------ elementwise

const UNARY = [
  "neg", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign", "floor", "ceil", "round", "erf", "log1p",
  "expm1", "sigmoid", "reciprocal", "atan", "asin", "acos", "sinh", "cosh", "logical_not", "isnan", "isinf",
] as const;
const BOOL_OUT = new Set(["logical_not", "isnan", "isinf", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor"]);
const BINARY = [
  "add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "floor_div", "mod", "equal", "not_equal", "less",
  "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
] as const;

describe.skipIf(!nativeBackend)("native elementwise kernels agree with the reference", () => {
  const shapes = [[], [1], [7], [33, 5], [3, 1, 4], [2, 3, 4, 5]];
  for (const p of UNARY) {
    it(p, () => {
      const rng = rngFrom(p.length * 7919);
      for (const dtype of [float32, float64]) {
        for (const shape of shapes) {
          for (const layout of LAYOUTS) {
            const x = layView(randomValues(size(shape), rng, dtype), shape, dtype, layout, rng);
            const out = { shape, dtype: BOOL_OUT.has(p) ? bool_ : dtype };
            const { got, want } = both(p, [x], {}, out);
            expectClose(got, want, `${p} ${dtype.name} ${layout} [${shape}]`, dtype === float32 ? 1e-6 : 1e-12, 1e-30);
          }
        }
      }
    });
  }

  // pairs of shapes that broadcast, including size-1 axes against real ones and rank differences
  const pairs: [number[], number[]][] = [
    [[7], [7]],
    [[], [3, 4]],
    [[3, 1, 5], [4, 5]],
    [[33, 1], [1, 17]],
    [[2, 3, 4, 5], [2, 3, 4, 5]],
    [[1, 1, 1], [2, 1, 3]],
  ];
  for (const p of BINARY) {
    it(p, () => {
      const rng = rngFrom(p.length * 104729);
      for (const dtype of [float32, float64]) {
        for (const [sa, sb] of pairs) {
          for (const layout of LAYOUTS) {
            const la = layout;
            const lb = LAYOUTS[(LAYOUTS.indexOf(layout) + 1) % LAYOUTS.length];
            const outShape = broadcast(sa, sb);
            // equal values often, so that comparisons see ties
            const va = randomValues(size(sa), rng, dtype);
            const vb = randomValues(size(sb), rng, dtype).map((v, i) => (rng() < 0.2 ? va[i % Math.max(va.length, 1)] : v));
            const a = layView(va, sa, dtype, la, rng);
            const b = layView(vb, sb, dtype, lb, rng);
            const { got, want } = both(p, [a, b], {}, { shape: outShape, dtype: BOOL_OUT.has(p) ? bool_ : dtype });
            expectClose(got, want, `${p} ${dtype.name} [${sa}] ${la} with [${sb}] ${lb}`, dtype === float32 ? 1e-6 : 1e-12, 1e-30);
          }
        }
      }
    });
  }

  it("broadcast views (stride 0) as operands", () => {
    const rng = rngFrom(5);
    const base = layView(randomValues(5, rng, float32, false), [5], float32, "contiguous", rng);
    const bcast: View = { ...base, shape: [4, 5], strides: [0, 1] };
    const other = layView(randomValues(20, rng, float32, false), [4, 5], float32, "transposed", rng);
    const { got, want } = both("mul", [bcast, other], {}, { shape: [4, 5], dtype: float32 });
    expectClose(got, want, "mul with a stride-0 view");
    const e = both("exp", [bcast], {}, { shape: [4, 5], dtype: float32 });
    expectClose(e.got, e.want, "exp of a stride-0 view");
  });

  it("large arrays are split over the threads with the same results", () => {
    const rng = rngFrom(9);
    const n = 300_001;
    const a = layView(randomValues(n, rng, float32), [n], float32, "contiguous", rng);
    const b = layView(randomValues(n, rng, float32), [n], float32, "strided", rng);
    for (const p of ["add", "atan2", "less"] as const) {
      const { got, want } = both(p, [a, b], {}, { shape: [n], dtype: BOOL_OUT.has(p) ? bool_ : float32 });
      expectClose(got, want, p);
    }
    const t = both("tanh", [b], {}, { shape: [n], dtype: float32 });
    expectClose(t.got, t.want, "tanh");
  });

  it("select, with a broadcast condition and any dtype", () => {
    const rng = rngFrom(11);
    for (const dtype of [float32, float64, int32, int64, uint8, bool_, float16]) {
      const c = layView(randomValues(4, rng, bool_), [4, 1], bool_, "contiguous", rng);
      const x = layView(randomValues(12, rng, dtype), [3, 4, 1], dtype, "transposed", rng);
      const y = layView(randomValues(5, rng, dtype), [5], dtype, "reversed", rng);
      const { got, want } = both("select", [c, x, y], {}, { shape: [3, 4, 5], dtype });
      expect(got, dtype.name).toEqual(want);
    }
  });

  it("cast: copies of any dtype, float conversions, float to Bool; the rest falls back", () => {
    const rng = rngFrom(13);
    const cases: [DType, DType][] = [
      [float32, float32], [float64, float64], [int32, int32], [int64, int64], [uint8, uint8], [bool_, bool_], [float16, float16],
      [float32, float64], [float64, float32], [float16, float32], [float32, bool_], [float64, bool_],
      // reference-only conversions still work on native storage
      [float32, int32], [float64, int64], [float32, float16], [int32, float32], [bool_, float32],
    ];
    for (const [from, to] of cases) {
      for (const layout of LAYOUTS) {
        const x = layView(randomValues(24, rng, from), [2, 3, 4], from, layout, rng);
        const { got, want } = both("cast", [x], { dtype: to }, { shape: [2, 3, 4], dtype: to });
        expect(got, `${from.name} -> ${to.name} ${layout}`).toEqual(want);
      }
    }
  });

  it("integer dtypes fall back to the reference kernels on native storage", () => {
    const rng = rngFrom(17);
    const a = layView(randomValues(6, rng, int32), [2, 3], int32, "transposed", rng);
    const b = layView(randomValues(3, rng, int32), [3], int32, "contiguous", rng);
    const { got, want } = both("add", [a, b], {}, { shape: [2, 3], dtype: int32 });
    expect(got).toEqual(want);
    const s = both("sum", [a], { axes: [0], keepdims: false }, { shape: [3], dtype: int32 });
    expect(s.got).toEqual(s.want);
  });
});

function broadcast(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

// ------------------------------------------------------------------ reductions

describe.skipIf(!nativeBackend)("native reductions agree with the reference", () => {
  const cases: [number[], number[]][] = [
    [[7], [0]],
    [[], []],
    [[33, 5], [0]],
    [[33, 5], [1]],
    [[33, 5], [0, 1]],
    [[3, 1, 4], [1]],
    [[2, 3, 4, 5], [0, 2]],
    [[2, 3, 4, 5], [1, 3]],
    [[2, 3, 4, 5], []],
    [[4, 0, 3], [1]],
  ];
  for (const p of ["sum", "prod", "max", "min"] as const) {
    it(p, () => {
      const rng = rngFrom(p.charCodeAt(1) * 31);
      for (const dtype of [float32, float64]) {
        for (const [shape, axes] of cases) {
          for (const layout of LAYOUTS) {
            for (const specials of [false, true]) {
              const x = layView(randomValues(size(shape), rng, dtype, specials), shape, dtype, layout, rng);
              const outShape = shape.filter((_, i) => !axes.includes(i));
              const { got, want } = both(p, [x], { axes, keepdims: false }, { shape: outShape, dtype });
              expectClose(got, want, `${p} ${dtype.name} [${shape}] axes [${axes}] ${layout}`, dtype === float32 ? 1e-6 : 1e-12, 1e-12);
            }
          }
        }
      }
    });
  }

  it("a sum over a million elements (the latency-hiding path) matches to float32 rounding", () => {
    const rng = rngFrom(19);
    const n = 1_000_003;
    const x = layView(randomValues(n, rng, float32, false), [n], float32, "contiguous", rng);
    const { got, want } = both("sum", [x], { axes: [0], keepdims: false }, { shape: [], dtype: float32 });
    expectClose(got, want, "sum", 1e-6);
  });

  it("a whole-tensor sum (blocked over the threads) gives the same bits on 1 and 2 threads", () => {
    const rng = rngFrom(23);
    for (const dtype of [float32, float64]) {
      const n = 700_001;
      const x = layView(randomValues(n, rng, dtype, false), [n], dtype, "contiguous", rng);
      const before = native.get_num_threads();
      const run = (t: number) => {
        native.set_num_threads(t);
        return Array.from(native.readSync({ storage: native.kernels.sum!([x], { axes: [0], keepdims: false }, { shape: [], dtype }), shape: [], strides: [], offset: 0 }));
      };
      try {
        const one = run(1);
        const two = run(2);
        expect(two).toEqual(one);
        const { want } = both("sum", [x], { axes: [0], keepdims: false }, { shape: [], dtype });
        expectClose(one, want, `sum ${dtype.name}`, dtype === float32 ? 1e-6 : 1e-12);
      } finally {
        native.set_num_threads(before);
      }
    }
  });
});

// ------------------------------------------------------------------ gathers, scatters, argmax

describe.skipIf(!nativeBackend)("native gathers, scatters and arg-reductions agree with the reference", () => {
  const indexView = (shape: number[], dim: number, rng: Rng, dtype: DType, layout: Layout) =>
    layView(
      Array.from({ length: size(shape) }, () => Math.floor(rng() * 2 * dim) - dim), // negative ones count from the end
      shape,
      dtype,
      layout,
      rng,
    );

  it("take_along_axis, any dtype, int64 and int32 indices, any layout", () => {
    const rng = rngFrom(51);
    for (const dtype of [float32, float64, int32, int64, bool_, uint8]) {
      for (const idt of [int64, int32]) {
        for (const axis of [0, 1, 2]) {
          for (const layout of LAYOUTS) {
            const xs = [4, 5, 6];
            const is = xs.map((d, i) => (i === axis ? 7 : d - 1));
            const x = layView(randomValues(size(xs), rng, dtype), xs, dtype, layout, rng);
            const index = indexView(is, xs[axis], rng, idt, LAYOUTS[(axis + 1) % 4]);
            const { got, want } = both("take_along_axis", [x, index], { axis }, { shape: is, dtype });
            expect(got, `${dtype.name} ${idt.name} axis ${axis} ${layout}`).toEqual(want);
          }
        }
      }
    }
  });

  it("scatter_add_along_axis accumulates repeated indices", () => {
    const rng = rngFrom(53);
    for (const dtype of [float32, float64]) {
      for (const axis of [0, 2]) {
        for (const layout of LAYOUTS) {
          const shape = [4, 5, 6];
          const is = shape.map((d, i) => (i === axis ? 9 : d));
          const src = layView(randomValues(size(is), rng, dtype, false), is, dtype, layout, rng);
          const index = indexView(is, shape[axis], rng, int64, "contiguous");
          const { got, want } = both("scatter_add_along_axis", [src, index], { axis, shape }, { shape, dtype });
          expectClose(got, want, `scatter_add ${dtype.name} axis ${axis} ${layout}`, 1e-6, 1e-6);
        }
      }
    }
  });

  it("an index out of range is the reference's IndexError", () => {
    const rng = rngFrom(55);
    const x = layView(randomValues(20, rng, float32), [4, 5], float32, "contiguous", rng);
    const index = layView([0, 1, 9, 2, 3], [1, 5], int64, "contiguous", rng);
    expect(() => native.kernels.take_along_axis!([x, index], { axis: 0 }, { shape: [1, 5], dtype: float32 })).toThrow(ms.IndexError);
  });

  for (const p of ["argmax", "argmin"] as const) {
    it(`${p}: first extreme, NaN wins, every axis and layout`, () => {
      const rng = rngFrom(57);
      for (const dtype of [float32, float64]) {
        for (const [shape, axis] of [[[7], 0], [[33, 5], 0], [[33, 5], 1], [[2, 3, 4, 5], 2], [[3, 1, 4], 1]] as [number[], number][]) {
          for (const layout of LAYOUTS) {
            // few distinct values, so that ties are common
            const vals = randomValues(size(shape), rng, dtype).map((v) => (Number.isFinite(v) ? Math.round(v) : v));
            const x = layView(vals, shape, dtype, layout, rng);
            const outShape = shape.filter((_, i) => i !== axis);
            const { got, want } = both(p, [x], { axis, keepdims: false }, { shape: outShape, dtype: int64 });
            expect(got, `${p} ${dtype.name} [${shape}] axis ${axis} ${layout}`).toEqual(want);
          }
        }
      }
    });
  }

  it("pool_argmax: every layout, ties and NaN, kernels with stride and dilation", () => {
    const rng = rngFrom(58);
    const cases = [
      { shape: [3, 9, 8], kernel: [3, 3], stride: [2, 2], dilation: [1, 1], out: [4, 3] },
      { shape: [2, 7, 11], kernel: [2, 3], stride: [1, 2], dilation: [2, 1], out: [5, 4] },
      // the unrolled 2x2 / stride 2 path (float32 with contiguous rows), odd sizes left over
      { shape: [4, 9, 8], kernel: [2, 2], stride: [2, 2], dilation: [1, 1], out: [4, 4] },
      { shape: [3, 28, 28], kernel: [2, 2], stride: [2, 2], dilation: [1, 1], out: [14, 14] },
    ];
    for (const dtype of [float32, float64]) {
      for (const c of cases) {
        // few distinct values: many ties; SPECIAL adds NaN and infinities
        const values = randomValues(size(c.shape), rng, dtype).map((v) => (Number.isFinite(v) ? Math.round(v) : v));
        for (const layout of LAYOUTS) {
          const x = layView(values, c.shape, dtype, layout, rng);
          const { got, want } = both("pool_argmax", [x], c, { shape: [c.shape[0], c.out[0] * c.out[1]], dtype: int64 });
          expect(got, `pool_argmax ${dtype.name} [${c.shape}] ${layout}`).toEqual(want);
        }
      }
    }
  });

  it("max_pool2d and its gradient match the reference backend", () => {
    const rng = rngFrom(59);
    const x = new Tensor(Float32Array.from(randomValues(2 * 3 * 9 * 8, rng, float32, false))).reshape([2, 3, 9, 8]);
    const f = (t: Tensor) => ops.sum(ops.mul(ops.max_pool2d(t, 3, 2, 1) as Tensor, ops.arange(2 * 3 * 5 * 4).reshape([2, 3, 5, 4]).astype(ms.float32)));
    const run = (b: string) => {
      ms.set_backend(b);
      const [v, g] = ms.value_and_grad(f)(x) as unknown as [Tensor, Tensor];
      return [v.item() as number, ...Array.from(g.asnumpy().data as Float32Array)];
    };
    const want = run("reference");
    const got = run("native");
    expect(ms.get_backend()).toBe("native");
    expectClose(got, want, "max_pool2d value and gradient", 1e-6, 1e-5);
  });
});

// ------------------------------------------------------------------ matmul

function matmulCase(m: number, n: number, k: number, dtype: DType, la: Layout, lb: Layout, seed: number) {
  const rng = rngFrom(seed);
  const a = layView(randomValues(m * k, rng, dtype, false), [m, k], dtype, la, rng);
  const b = layView(randomValues(k * n, rng, dtype, false), [k, n], dtype, lb, rng);
  const { got, want } = both("matmul", [a, b], {}, { shape: [m, n], dtype });
  // float32 accumulates in float32 here and in float64 in the reference: allow sqrt(k)-ish rounding
  const f32 = dtype === float32;
  expectClose(got, want, `matmul ${dtype.name} ${m}x${k} (${la}) @ ${k}x${n} (${lb})`, f32 ? 2e-5 : 1e-12, f32 ? 1e-5 * Math.sqrt(k) : 1e-12 * k);
}

describe.skipIf(!nativeBackend)("native matmul agrees with the reference", () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 1023, 7],
    [1023, 1, 33],
    [7, 33, 1],
    [33, 257, 7],
    [257, 7, 33],
    [1023, 33, 7],
    [7, 1023, 257],
    [257, 33, 1023],
    [13, 33, 300], // k crosses a cache block boundary
    [200, 300, 17],
    [3, 4, 0], // empty sum: zeros
    [0, 5, 3],
  ];
  for (const dtype of [float32, float64]) {
    it(`${dtype.name} at sizes 1, 7, 33, 257, 1023 (m, n, k mixed)`, () => {
      sizes.forEach(([m, n, k], i) => matmulCase(m, n, k, dtype, "contiguous", "contiguous", 100 + i));
    });
    it(`${dtype.name} with transposed, strided and reversed operands`, () => {
      let seed = 500;
      for (const la of LAYOUTS) for (const lb of LAYOUTS) matmulCase(37, 45, 29, dtype, la, lb, seed++);
    });
  }

  it("a large product (several cache blocks on every axis, both threads) matches", () => {
    matmulCase(500, 4200, 600, float32, "contiguous", "transposed", 900);
  });

  it("batched, with batch broadcasting and broadcast (stride-0) batch axes", () => {
    const rng = rngFrom(21);
    for (const dtype of [float32, float64]) {
      const a = layView(randomValues(3 * 33 * 7, rng, dtype, false), [3, 1, 33, 7], dtype, "transposed", rng);
      const b = layView(randomValues(4 * 7 * 17, rng, dtype, false), [4, 7, 17], dtype, "strided", rng);
      const r = both("matmul", [a, b], {}, { shape: [3, 4, 33, 17], dtype });
      expectClose(r.got, r.want, `batched ${dtype.name}`, 2e-5, 1e-5);
      // a weight shared across the batch as a stride-0 view, many small products (batch-parallel path)
      const w = layView(randomValues(16 * 9, rng, dtype, false), [16, 9], dtype, "contiguous", rng);
      const wb: View = { ...w, shape: [64, 16, 9], strides: [0, ...w.strides] };
      const x = layView(randomValues(64 * 5 * 16, rng, dtype, false), [64, 5, 16], dtype, "reversed", rng);
      const r2 = both("matmul", [x, wb], {}, { shape: [64, 5, 9], dtype });
      expectClose(r2.got, r2.want, `stride-0 batch ${dtype.name}`, 2e-5, 1e-5);
    }
  });

  it("gives identical bits on 1 and 2 threads", () => {
    const rng = rngFrom(23);
    const a = layView(randomValues(300 * 400, rng, float32, false), [300, 400], float32, "contiguous", rng);
    const b = layView(randomValues(400 * 500, rng, float32, false), [400, 500], float32, "contiguous", rng);
    const threads = native.get_num_threads();
    const run = () => Array.from((native.kernels.matmul!([a, b], {}, { shape: [300, 500], dtype: float32 }) as HostStorage).data);
    try {
      native.set_num_threads(1);
      const one = run();
      native.set_num_threads(2);
      expect(run()).toEqual(one);
    } finally {
      native.set_num_threads(threads);
    }
  });
});

// ------------------------------------------------------------------ conv

interface ConvCase {
  x: number[];
  w: number[];
  stride?: number[];
  padding?: number[];
  lhs?: number[];
  rhs?: number[];
  groups?: number;
}

function convOut(c: ConvCase): number[] {
  const p = convParams(c);
  const sp = [0, 1].map((i) => {
    const span = (c.x[2 + i] - 1) * p.lhs_dilation[i] + 1 + p.padding[2 * i] + p.padding[2 * i + 1];
    const k = (c.w[2 + i] - 1) * p.rhs_dilation[i] + 1;
    return Math.floor((span - k) / p.stride[i]) + 1;
  });
  return [c.x[0], c.w[0], ...sp];
}
const convParams = (c: ConvCase): PrimParams["conv"] => ({
  stride: c.stride ?? [1, 1],
  padding: c.padding ?? [0, 0, 0, 0],
  lhs_dilation: c.lhs ?? [1, 1],
  rhs_dilation: c.rhs ?? [1, 1],
  groups: c.groups ?? 1,
});

const CONV_CASES: ConvCase[] = [
  { x: [2, 3, 7, 9], w: [4, 3, 3, 3] },
  { x: [2, 3, 7, 9], w: [4, 3, 3, 3], padding: [1, 1, 1, 1] },
  { x: [1, 2, 9, 8], w: [3, 2, 3, 2], stride: [2, 3], padding: [2, 0, 1, 1] },
  { x: [2, 2, 9, 9], w: [2, 2, 3, 3], rhs: [2, 3] },
  { x: [2, 2, 5, 4], w: [3, 2, 2, 3], lhs: [2, 3], padding: [1, 2, 2, 1] },
  { x: [2, 6, 6, 6], w: [9, 2, 3, 3], groups: 3, padding: [1, 1, 1, 1] },
  { x: [3, 4, 8, 8], w: [6, 4, 1, 1] }, // pointwise: a plain product
  { x: [1, 3, 8, 8], w: [5, 3, 3, 3], padding: [-1, 0, 0, -2] }, // negative padding crops
  { x: [1, 1, 1, 1], w: [1, 1, 1, 1] },
  { x: [32, 1, 12, 12], w: [8, 1, 3, 3], padding: [1, 1, 1, 1] }, // many images: the image-parallel path
];

describe.skipIf(!nativeBackend)("native conv agrees with the reference", () => {
  for (const dtype of [float32, float64]) {
    it(`${dtype.name}: stride, padding (incl. negative), input and kernel dilation, groups, 1x1`, () => {
      const rng = rngFrom(31);
      for (const c of CONV_CASES) {
        for (const layout of ["contiguous", "transposed", "reversed"] as Layout[]) {
          const x = layView(randomValues(size(c.x), rng, dtype, false), c.x, dtype, layout, rng);
          const w = layView(randomValues(size(c.w), rng, dtype, false), c.w, dtype, layout === "contiguous" ? "contiguous" : "reversed", rng);
          const { got, want } = both("conv", [x, w], convParams(c), { shape: convOut(c), dtype });
          expectClose(got, want, `conv ${JSON.stringify(c)} ${layout}`, dtype === float32 ? 2e-5 : 1e-12, dtype === float32 ? 1e-5 : 1e-12);
        }
      }
    });
  }

  afterEach(() => ms.set_backend(nativeBackend ? "native" : "reference"));

  it("gradients through conv (both of its transposes are convs) match the reference backend", () => {
    for (const c of CONV_CASES.slice(0, 8)) {
      const rng = rngFrom(37);
      const x = new Tensor(Float64Array.from(randomValues(size(c.x), rng, float64, false))).reshape(c.x);
      const w = new Tensor(Float64Array.from(randomValues(size(c.w), rng, float64, false))).reshape(c.w);
      const p = convParams(c);
      // a non-trivial cotangent: weights by position
      const f = (a: Tensor, b: Tensor) => ops.sum(ops.mul(ops.tanh(L.conv(a, b, p)), ops.arange(size(convOut(c))).reshape(convOut(c)).astype(ms.float64)));
      const grads = (backend: string) => {
        ms.set_backend(backend);
        const [v, [gx, gw]] = ms.value_and_grad(f, [0, 1])(x, w) as unknown as [Tensor, Tensor[]];
        // second order through the conv transposes as well
        const ggx = ms.grad((a: Tensor) => ops.sum(ops.mul(ms.grad(f, 0)(a, w), ms.grad(f, 0)(a, w))), 0)(x);
        return [v, gx, gw, ggx].map((t) => Array.from(t.asnumpy().data as Float64Array));
      };
      const want = grads("reference");
      const got = grads("native");
      ["value", "dx", "dw", "d2x"].forEach((name, i) => expectClose(got[i], want[i], `${name} ${JSON.stringify(c)}`, 1e-10, 1e-10));
    }
  });
});

// ------------------------------------------------------------------ the backend as a whole

describe.skipIf(!nativeBackend)("the native backend in use", () => {
  afterEach(() => ms.set_backend(nativeBackend ? "native" : "reference"));

  it("is the default in Node unless MINDSPORE_TS_BACKEND says otherwise", () => {
    const code = 'import("./dist/index.js").then((ms) => console.log(ms.get_backend()))';
    if (!existsSync("dist/index.js")) return; // the built package is checked where it exists (npm test builds it)
    const env = { ...process.env };
    delete env.MINDSPORE_TS_BACKEND;
    expect(execFileSync(process.execPath, ["-e", code], { env, encoding: "utf8" }).trim()).toBe("native");
    expect(execFileSync(process.execPath, ["-e", code], { env: { ...env, MINDSPORE_TS_BACKEND: "reference" }, encoding: "utf8" }).trim()).toBe("reference");
  });

  it("shares host memory with the reference backend instead of copying", () => {
    ms.set_backend("reference");
    const data = new Float32Array([1, 2, 3, 4]);
    const t = new Tensor(data).reshape([2, 2]);
    ms.set_backend("native");
    // mixed: a reference tensor into native kernels, then a kernel native lacks for this dtype
    const y = ops.add(ops.transpose(t, [1, 0]), t);
    expect(y.tolist()).toEqual([[2, 5], [5, 8]]);
    const storage = y._view!.storage as HostStorage;
    expect(storage.backend).toBe(native);
    const z = ops.cumsum(y, 0); // no native kernel: the reference one runs on the native storage as it is
    expect(z.tolist()).toEqual([[2, 5], [7, 13]]);
    expect(z._view!.storage).toBeInstanceOf(HostStorage);
    expect(ops.mul(z, 2).tolist()).toEqual([[4, 10], [14, 26]]);
  });

  it("trains a small MLP to the same numbers as the reference backend", () => {
    const run = (backend: string) => {
      ms.set_backend(backend);
      ms.set_seed(3);
      const net = new ms.nn.Dense(8, 16);
      const head = new ms.nn.Dense(16, 1);
      const rng = rngFrom(41);
      const x = new Tensor(Float32Array.from({ length: 32 * 8 }, () => rng() * 2 - 1)).reshape([32, 8]);
      const yt = ops.sum(ops.sin(x), 1, true);
      const params = [...net.trainable_params(), ...head.trainable_params()];
      const loss = () => ops.mean(ops.square(ops.sub(head.construct(ops.tanh(net.construct(x))), yt)));
      const vg = ms.value_and_grad(loss, null, params);
      const losses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [l, g] = vg() as unknown as [Tensor, Tensor[]];
        losses.push(l.item() as number);
        params.forEach((p, j) => p.set_data(ops.sub(p, ops.mul(g[j], 0.1))));
      }
      return losses;
    };
    const want = run("reference");
    const got = run("native");
    expect(got[19]).toBeLessThan(got[0] * 0.8);
    expectClose(got, want, "losses", 1e-4, 1e-6);
  });

  it("a gradient frees its backward intermediates at once, and keeps what it returns", () => {
    ms.set_backend("native");
    const rng = rngFrom(44);
    const x = new Tensor(Float32Array.from({ length: 4096 }, () => rng() - 0.5)).reshape([64, 64]);
    // the gradient of x arrives through a reshape: a view of a storage the backward pass made
    const f = (t: Tensor) => ops.sum(ops.reshape(ops.mul(ops.tanh(ops.mul(t, t)), 3), [4096]));
    const before = native.memory().live;
    const { result, released } = recordReleases(native, () => ms.grad(f)(x) as Tensor);
    const g = result;
    expect(released.length).toBe(6);
    expect(released).not.toContain(g._concreteView().storage);
    // what is left: the forward values (x*x, tanh, *3, the sum) and the gradient, not the six backward temporaries
    expect(native.memory().live - before).toBeLessThanOrEqual(5);
    ms.set_backend("reference");
    const want = ms.grad(f)(x) as Tensor;
    expectClose(Array.from(g.asnumpy().data as Float32Array), Array.from(want.asnumpy().data as Float32Array), "gradient", 1e-6, 1e-6);
    // a released buffer is detached: a kernel can never read it by mistake
    const gone = released[0] as HostStorage;
    expect(gone.data.length).toBe(0);
    expect(() => referenceBackend.readSync({ storage: gone, shape: [gone.length], strides: [1], offset: 0 })).toThrow(/released/);
  });

  it("the block cache: freed outputs come back for reuse, live blocks stay flat", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "tests run with --expose-gc").toBeDefined();
    ms.set_backend("native");
    const x = ops.ones([1000, 1000], ms.float32);
    // V8 may sweep freed ArrayBuffers after the collection: give it a few turns
    const settle = async (live: number) => {
      for (let i = 0; i < 20 && native.memory().live > live; i++) {
        gc!();
        await new Promise((r) => setTimeout(r, 5));
      }
      return native.memory();
    };
    const start = await settle(0);
    let last = 0;
    for (let i = 0; i < 50; i++) last = ops.mul(x, x).size;
    const end = await settle(start.live);
    // every product was freed and its 4 MiB block kept for the next one
    expect(end.live).toBe(start.live);
    expect(end.cachedBytes).toBeGreaterThanOrEqual(4194304);
    expect(last).toBe(1e6);
    expect(ops.mul(x, x).sum().item()).toBe(1e6);
  });

  it("a young collection at each step boundary keeps a loop's live blocks to about one step's worth", () => {
    ms.set_backend("native");
    const x = ops.ones([1000, 1000], ms.float32);
    const vg = ms.value_and_grad((t: Tensor) => ops.sum(ops.mul(ops.exp(t), t)));
    const gcs = native.memory().stepGcs;
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      const [, g] = vg(x) as unknown as [Tensor, Tensor];
      peak = Math.max(peak, native.memory().live);
      expect(g.shape).toEqual([1000, 1000]);
    }
    // each step makes 4 MiB blocks (forward values, a gradient); the previous steps' are collected as
    // the next one starts, so live blocks stay near one step's, not the dozens V8 would let pile up
    expect(native.memory().stepGcs - gcs).toBeGreaterThanOrEqual(15);
    expect(peak).toBeLessThanOrEqual(12);
  });

  it("memory stays flat over 10,000 small training steps", () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    const rng = rngFrom(43);
    const w = new ms.Parameter(new Tensor(Float32Array.from({ length: 16 * 4 }, () => rng() - 0.5)).reshape([16, 4]), "w");
    const x = new Tensor(Float32Array.from({ length: 8 * 16 }, () => rng() - 0.5)).reshape([8, 16]);
    const vg = ms.value_and_grad((a: Tensor) => ops.sum(ops.square(ops.tanh(ops.matmul(a, w)))), null, [w]);
    const step = () => {
      const [, g] = vg(x) as unknown as [Tensor, Tensor[]];
      w.set_data(ops.sub(w, ops.mul(g[0], 0.01)));
    };
    const used = () => {
      gc?.();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    for (let i = 0; i < 1000; i++) step();
    const before = used();
    for (let i = 0; i < 9000; i++) step();
    const after = used();
    expect(after - before, `grew from ${before} to ${after} bytes`).toBeLessThan(4 * 1024 * 1024);
    expect(Number.isFinite((ops.sum(w).item() as number))).toBe(true);
  });
});

// ------------------------------------------------------------------ jit's fused programs

describe.skipIf(!nativeBackend)("native fused elementwise programs (jit)", () => {
  /** Run `f` eagerly and jitted on native; the fused kernel must have run and given the same bits. */
  const sameBits = (f: (...a: Tensor[]) => Tensor, args: Tensor[], what: string) => {
    ms.set_backend("native");
    const fused = native.fused.bind(native);
    let ran = 0;
    native.fused = (p, v) => {
      const r = fused(p, v);
      if (r) ran++;
      return r;
    };
    try {
      const want = f(...args).asnumpy().data;
      const got = ms.jit(f)(...args).asnumpy().data;
      expect(ran, `${what}: the fused kernel ran`).toBeGreaterThan(0);
      expect(Array.from(got as Float64Array), what).toEqual(Array.from(want as Float64Array));
    } finally {
      native.fused = fused;
    }
  };
  const FUSED_UNARY = ["neg", "exp", "log", "sin", "cos", "tan", "tanh", "sqrt", "abs", "sign", "floor", "ceil", "round", "erf", "log1p", "expm1", "sigmoid", "reciprocal", "atan", "asin", "acos", "sinh", "cosh"] as const;
  const FUSED_BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2"] as const;
  const vec = (n: number, dtype: DType, seed: number) => {
    const rng = rngFrom(seed);
    // NaN, infinities and zeros among ordinary values
    const special = [NaN, Infinity, -Infinity, 0, -0, 1, -1];
    const v = Array.from({ length: n }, (_, i) => (i % 97 === 5 ? special[i % special.length] : (rng() * 2 - 1) * 3));
    return new Tensor(dtype === float32 ? Float32Array.from(v) : Float64Array.from(v), dtype);
  };

  it("every unary op, float32 and float64, at sizes around the chunk and thread splits", () => {
    for (const dtype of [float32, float64]) {
      for (const n of [1, 300, 2048, 2049, 70001]) {
        const x = vec(n, dtype, n);
        for (const p of FUSED_UNARY) sameBits((a) => L.mul(L.unary(p, L.mul(a, a)), a), [x], `${p} ${dtype.name} n=${n}`);
      }
    }
  });

  it("every binary op, with full-size and broadcast single-element operands on either side", () => {
    for (const dtype of [float32, float64]) {
      for (const n of [5, 2049, 70001]) {
        const x = vec(n, dtype, 3 * n);
        const y = vec(n, dtype, 5 * n);
        const s = new Tensor([0.75], dtype);
        for (const p of FUSED_BINARY) {
          sameBits((a, b) => L.binary(p, L.neg(a), L.neg(b)), [x, y], `${p} ${dtype.name} n=${n}`);
          sameBits((a, b) => L.binary(p, L.neg(a), b), [x, s], `${p} ${dtype.name} n=${n} (x, scalar)`);
          sameBits((a, b) => L.binary(p, b, L.neg(a)), [x, s], `${p} ${dtype.name} n=${n} (scalar, x)`);
        }
      }
    }
  });

  it("a compiled gradient frees its intermediates as it goes: live blocks stay at what it returns", () => {
    ms.set_backend("native");
    const x = ops.ones([1000, 1000], ms.float32);
    const z = ops.mul(ops.ones([1000, 1000], ms.float32), 0.5);
    const vg = ms.jit(ms.value_and_grad((a: Tensor, b: Tensor) => ops.sum(ops.mul(ops.mul(x, ops.exp(a)), ops.square(b))), [0, 1]));
    const before = native.memory().live;
    let peak = 0;
    let last: [Tensor, Tensor[]] | null = null;
    for (let i = 0; i < 40; i++) {
      last = vg(z, z) as [Tensor, Tensor[]];
      peak = Math.max(peak, native.memory().live - before);
    }
    // a step returns a loss and two 4 MiB gradients (the fused kernel writes them and the product the
    // sum reads, released at once); earlier steps' results go at the step boundaries. Without the
    // releases 40 steps would hold 40 x 4 blocks until V8 noticed. The bound leaves room for one or two
    // steps' results that a young collection of V8's own, between two of ours, promoted (they then wait
    // for a full one): under the parallel suite's load this happened once (15 blocks).
    expect(peak).toBeLessThanOrEqual(20);
    const [loss, [gy, gz]] = last!;
    expect(loss.item() as number).toBeCloseTo(1e6 * Math.exp(0.5) * 0.25, -1);
    expect(gy.asnumpy().data[7]).toBeCloseTo(Math.exp(0.5) * 0.25, 6);
    expect(gz.asnumpy().data[7]).toBeCloseTo(Math.exp(0.5) * 2 * 0.5, 6);
  });
});

// ------------------------------------------------------------------ the other micro-kernels

describe.skipIf(!nativeBackend)("the AVX2 and portable micro-kernels (forced by MINDSPORE_TS_NATIVE_ISA)", () => {
  // A child process, because the kernel set is chosen once per process.
  const script = `
    const addon = require("./native/build/Release/mindspore_native.node");
    const rnd = (() => { let s = 7; return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5; })();
    let worst = 0;
    for (const [m, n, k] of [[1, 1, 1], [7, 33, 257], [33, 7, 300], [100, 130, 70]]) {
      for (const T of [Float32Array, Float64Array]) {
        const a = T.from({ length: m * k }, rnd), b = T.from({ length: k * n }, rnd), c = new T(m * n);
        // B read transposed through its strides: b[p][j] at j*k + p
        addon.matmul(c, a, b, Float64Array.from([m, n, k, 0, 0, k, 1, 0, 1, k]));
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0; for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
          worst = Math.max(worst, Math.abs(s - c[i * n + j]) / Math.sqrt(k));
        }
      }
    }
    console.log(JSON.stringify({ isa: addon.info().isa, worst }));`;
  for (const isa of ["avx2", "portable"]) {
    it(isa, () => {
      const out = execFileSync(process.execPath, ["-e", script], { env: { ...process.env, MINDSPORE_TS_NATIVE_ISA: isa }, encoding: "utf8" });
      const r = JSON.parse(out) as { isa: string; worst: number };
      if (isa === "avx2" && r.isa !== "avx2") return; // a CPU without AVX2 falls through to portable
      expect(r.isa).toBe(isa);
      expect(r.worst).toBeLessThan(1e-5);
    });
  }
});

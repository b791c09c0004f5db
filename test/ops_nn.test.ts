/**
 * NN functional ops: values by hand or against naive loops, gradients by
 * finite differences (second order where smooth), and MindSpore's errors.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, Parameter, type NestedArray } from "../src/index.js";
import { gradcheck, randomTensor, rngFrom } from "./helpers/gradcheck.js";

const { ops } = ms;
const rng = rngFrom(99);
const rand = (shape: number[], lo = -1, hi = 1) => randomTensor(shape, rng, lo, hi);
const vals = (t: Tensor) => Array.from(t.asnumpy().data as ArrayLike<number>, Number);
const f64 = (data: NestedArray, dtype = ms.float64) => new Tensor(data, dtype);
const i32 = (data: NestedArray) => new Tensor(data, ms.int32);
const one = (t: Tensor) => Number(t.item());

function expectAllClose(actual: number[], expected: number[], tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])))) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]}`);
    }
  }
}
const lse = (row: number[]) => Math.log(row.reduce((a, v) => a + Math.exp(v), 0));

describe("softmax / log_softmax", () => {
  it("values along either axis, as exp(x) / sum exp(x)", () => {
    const rows = [[1, 2, 3], [-1, 0, 4]];
    const x = f64(rows);
    expectAllClose(vals(ops.softmax(x)), rows.flatMap((r) => r.map((v) => Math.exp(v - lse(r)))));
    const cols = [[1, -1], [2, 0], [3, 4]];
    const byCol = vals(ops.softmax(x, 0));
    cols.forEach((c, j) => c.forEach((v, i) => expect(byCol[i * 3 + j]).toBeCloseTo(Math.exp(v - lse(c)), 12)));
    expectAllClose(vals(ops.log_softmax(x, { axis: 1 })), rows.flatMap((r) => r.map((v) => v - lse(r))));
  });

  it("stays finite for huge logits and handles 0-d input and the dtype option", () => {
    const big = ops.softmax(new Tensor([1000, 1001], ms.float32));
    expectAllClose(vals(big), [1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-6);
    expect(vals(ops.log_softmax(new Tensor([[-1000, 0]], ms.float32)))).toEqual([-1000, 0]);
    expect(one(ops.softmax(new Tensor(3.5, ms.float32)))).toBe(1);
    expect(ops.softmax(new Tensor([1, 2], ms.float32), -1, { dtype: ms.float64 }).dtype).toBe(ms.float64);
    expect(ops.softmax(new Tensor([1, 2], ms.float32)).dtype).toBe(ms.float32);
  });

  it("errors: integer input, axis out of range", () => {
    expect(() => ops.softmax(new Tensor([1, 2]))).toThrow(ms.TypeError);
    expect(() => ops.softmax(new Tensor([1, 2]))).toThrow(/For 'softmax', the 'input'/);
    expect(() => ops.log_softmax(f64([1, 2]), 1)).toThrow(/For 'log_softmax', the 'axis' must be in range \[-1, 1\), but got 1/);
  });

  it("gradients to second order", () => {
    gradcheck((x) => ops.softmax(x, 1), [rand([2, 4])]);
    gradcheck((x) => ops.log_softmax(x, 0), [rand([3, 2])]);
  });
});

describe("dropout", () => {
  it("is the identity when not training or p = 0", () => {
    const x = rand([3, 4]);
    expect(vals(ops.dropout(x, 0.5, false))).toEqual(vals(x));
    expect(vals(ops.dropout(x, 0))).toEqual(vals(x));
  });

  it("zeroes a fraction p and scales the kept elements by 1/(1-p)", () => {
    const x = ops.ones([100, 100], ms.float32);
    const out = vals(ops.dropout(x, 0.25, true, 7));
    const zeros = out.filter((v) => v === 0).length;
    expect(zeros / out.length).toBeGreaterThan(0.22);
    expect(zeros / out.length).toBeLessThan(0.28);
    expect(new Set(out.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.75)]));
    expect(vals(ops.dropout(x, 1.0)).every((v) => v === 0)).toBe(true);
  });

  it("is reproducible under a seed and its gradient is the mask", () => {
    const x = rand([50]);
    expect(vals(ops.dropout(x, 0.5, true, 3))).toEqual(vals(ops.dropout(x, 0.5, true, 3)));
    expect(vals(ops.dropout(x, 0.5, true, 3))).not.toEqual(vals(ops.dropout(x, 0.5, true, 4)));
    ms.set_seed(11);
    const a = vals(ops.dropout(x));
    ms.set_seed(11);
    expect(vals(ops.dropout(x))).toEqual(a);
    const g = vals(ms.grad((t: Tensor) => ops.sum(ops.dropout(t, 0.5, true, 5)))(x));
    const mask = vals(ops.dropout(ops.ones([50], ms.float64), 0.5, true, 5));
    expect(g).toEqual(mask);
  });

  it("errors: p outside [0, 1], non-float p, non-bool training", () => {
    expect(() => ops.dropout(rand([2]), 1.5)).toThrow(/For 'dropout', the 'p' must be in range \[0, 1\], but got 1.5/);
    expect(() => ops.dropout(rand([2]), "0.5" as never)).toThrow(ms.TypeError);
    expect(() => ops.dropout(rand([2]), 0.5, 1 as never)).toThrow(/For 'dropout', the 'training' must be bool/);
  });
});

describe("cross_entropy / nll_loss", () => {
  const rows = [[1, 2, 3], [1, 1, 1], [0.5, -2, 0]];
  const x = f64(rows);
  const t = i32([2, 0, 1]);
  const nll = rows.map((r, i) => lse(r) - r[[2, 0, 1][i]]);

  it("class indices: mean, sum, none, by hand", () => {
    expect(one(ops.cross_entropy(x, t))).toBeCloseTo((nll[0] + nll[1] + nll[2]) / 3, 12);
    expect(one(ops.cross_entropy(x, t, null, -100, "sum"))).toBeCloseTo(nll[0] + nll[1] + nll[2], 12);
    expectAllClose(vals(ops.cross_entropy(x, t, { reduction: "none" })), nll);
  });

  it("weight divides 'mean' by the total weight of the targets; ignore_index drops targets", () => {
    const w = f64([0.2, 0.3, 0.5]);
    const wt = [0.5, 0.2, 0.3];
    const weighted = nll.reduce((a, v, i) => a + wt[i] * v, 0);
    expect(one(ops.cross_entropy(x, t, w))).toBeCloseTo(weighted / 1.0, 12);
    const ti = i32([2, -100, 1]);
    expect(one(ops.cross_entropy(x, ti, w))).toBeCloseTo((0.5 * nll[0] + 0.3 * nll[2]) / 0.8, 12);
    expectAllClose(vals(ops.cross_entropy(x, ti, w, -100, "none")), [0.5 * nll[0], 0, 0.3 * nll[2]]);
    expect(one(ops.cross_entropy(x, i32([2, 0, 0]), null, 0))).toBeCloseTo(nll[0], 12);
  });

  it("label smoothing: (1 - eps) * nll + eps / C * sum_c -w_c log p_c, mean over the total weight", () => {
    const eps = 0.1;
    const w = [0.2, 0.3, 0.5];
    const ti = [2, -100, 1];
    const logp = rows.map((r) => r.map((v) => v - lse(r)));
    let nllSum = 0;
    let smoothSum = 0;
    let total = 0;
    ti.forEach((c, i) => {
      if (c === -100) return;
      nllSum += -w[c] * logp[i][c];
      smoothSum += -logp[i].reduce((a, v, k) => a + w[k] * v, 0);
      total += w[c];
    });
    const want = (1 - eps) * (nllSum / total) + (eps / 3) * (smoothSum / total);
    expect(one(ops.cross_entropy(x, i32(ti), f64(w), -100, "mean", eps))).toBeCloseTo(want, 12);
    const wantSum = (1 - eps) * nllSum + (eps / 3) * smoothSum;
    expect(one(ops.cross_entropy(x, i32(ti), f64(w), -100, "sum", eps))).toBeCloseTo(wantSum, 12);
  });

  it("class probabilities: -sum_c w_c y_c log p_c, 'mean' over the samples", () => {
    const y = [[0, 0, 1], [1 / 3, 1 / 3, 1 / 3], [0.5, 0.25, 0.25]];
    const per = rows.map((r, i) => -r.reduce((a, v, c) => a + y[i][c] * (v - lse(r)), 0));
    expect(one(ops.cross_entropy(x, f64(y)))).toBeCloseTo((per[0] + per[1] + per[2]) / 3, 12);
    const eps = 0.2;
    const w = [1, 2, 3];
    const perS = rows.map((r, i) => -r.reduce((a, v, c) => a + w[c] * (y[i][c] * (1 - eps) + eps / 3) * (v - lse(r)), 0));
    expectAllClose(vals(ops.cross_entropy(x, f64(y), f64(w), -100, "none", eps)), perS);
  });

  it("class axis 1 for (N, C, d) inputs and axis 0 for a 1-D input", () => {
    const x3 = rand([2, 3, 4]);
    const t3 = new Tensor([[0, 1, 2, 1], [2, 2, 0, 1]], ms.int64);
    const flat = ops.reshape(ops.transpose(x3, [0, 2, 1]), [8, 3]);
    expect(one(ops.cross_entropy(x3, t3))).toBeCloseTo(one(ops.cross_entropy(flat, ops.reshape(t3, [8]))), 12);
    expect(one(ops.cross_entropy(f64([1, 2, 3]), new Tensor(2, ms.int32)))).toBeCloseTo(nll[0], 12);
  });

  it("is finite for huge logits, with gradient softmax - onehot", () => {
    const big = new Tensor([[1000, 0], [0, 1000]], ms.float32);
    const tt = i32([1, 1]);
    expect(one(ops.cross_entropy(big, tt))).toBeCloseTo(500, 3);
    const g = vals(ms.grad((z: Tensor) => ops.cross_entropy(z, tt))(big));
    expectAllClose(g, [0.5, -0.5, 0, 0], 1e-6);
  });

  it("nll_loss on log-probabilities equals cross_entropy on logits", () => {
    const w = f64([0.2, 0.3, 0.5]);
    const ti = i32([2, 1, 1]);
    for (const reduction of ["mean", "sum", "none"]) {
      expectAllClose(vals(ops.nll_loss(ops.log_softmax(x, 1), ti, w, -100, reduction, 0.05)), vals(ops.cross_entropy(x, ti, w, -100, reduction, 0.05)));
    }
  });

  it("errors: out-of-range class, reduction, shapes, dtypes, smoothing", () => {
    expect(() => ops.cross_entropy(x, i32([2, 3, 0]))).toThrow(ms.ValueError);
    expect(() => ops.cross_entropy(x, i32([2, 3, 0]))).toThrow(/For 'cross_entropy', the 'target' must contain class indices in range \[0, 3\).*but got 3/);
    expect(() => ops.nll_loss(x, i32([-1, 0, 0]))).toThrow(/For 'nll_loss', the 'target'/);
    expect(() => ops.cross_entropy(x, t, null, -100, "avg")).toThrow(/For 'cross_entropy', the 'reduction' must be one of \['mean', 'sum', 'none'\], but got 'avg'/);
    expect(() => ops.cross_entropy(x, i32([0, 1]))).toThrow(/For 'cross_entropy', the 'target' must have shape \(3,\)/);
    expect(() => ops.cross_entropy(x, f64([[0.5, 0.5]]))).toThrow(/class-probability targets/);
    expect(() => ops.cross_entropy(x, t, f64([1, 2]))).toThrow(/For 'cross_entropy', the 'weight' must have shape \(C,\) = \(3,\)/);
    expect(() => ops.cross_entropy(x, t, null, -100, "mean", 1.5)).toThrow(/'label_smoothing' must be in range \[0.0, 1.0\]/);
    expect(() => ops.nll_loss(x, f64([0, 1, 2]))).toThrow(ms.TypeError);
    expect(() => ops.cross_entropy(i32([1, 2]), t)).toThrow(ms.TypeError);
  });

  it("gradients to second order, w.r.t. logits, weights and probability targets", () => {
    const ti = i32([2, -100, 1, 0]);
    gradcheck((z, w) => ops.cross_entropy(z, ti, w, -100, "mean", 0.1), [rand([4, 3]), rand([3], 0.5, 2)]);
    gradcheck((z, y) => ops.cross_entropy(z, y, null, -100, "mean", 0.2), [rand([2, 3, 2]), rand([2, 3, 2], 0, 1)]);
    gradcheck((z) => ops.nll_loss(z, i32([1, 0]), null, -100, "sum"), [rand([2, 3])]);
  });
});

describe("binary cross entropy", () => {
  it("binary_cross_entropy on probabilities, with weight, clamped logs", () => {
    const p = f64([0.8, 0.3]);
    const y = f64([1, 0]);
    expect(one(ops.binary_cross_entropy(p, y))).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 12);
    expectAllClose(vals(ops.binary_cross_entropy(p, y, f64([2, 3]), "none")), [-2 * Math.log(0.8), -3 * Math.log(0.7)]);
    // log(0) is clamped to -100 and the gradient stays finite
    const edge = f64([0, 1]);
    expectAllClose(vals(ops.binary_cross_entropy(edge, f64([1, 0]), null, "none")), [100, 100]);
    expect(vals(ms.grad((q: Tensor) => ops.binary_cross_entropy(q, f64([0, 1])))(edge)).every(Number.isFinite)).toBe(true);
    expect(() => ops.binary_cross_entropy(p, f64([1, 0, 1]))).toThrow(/For 'binary_cross_entropy', the 'logits' and 'labels' must have the same shape/);
  });

  it("binary_cross_entropy_with_logits is finite at extreme logits, gradient sigmoid(x) - y", () => {
    const x = new Tensor([100, -100, 0], ms.float32);
    const y = new Tensor([0, 1, 1], ms.float32);
    expectAllClose(vals(ops.binary_cross_entropy_with_logits(x, y, null, null, "none")), [100, 100, Math.LN2], 1e-6);
    expectAllClose(vals(ms.grad((z: Tensor) => ops.binary_cross_entropy_with_logits(z, y))(x)), [1 / 3, -1 / 3, -1 / 6], 1e-6);
  });

  it("weight and pos_weight: w * (pw * y * softplus(-x) + (1 - y) * softplus(x))", () => {
    const xs = [[0.5, -1.5], [2, 0.25]];
    const ys = [[1, 0.25], [0, 0.75]];
    const pw = [3, 0.5];
    const w = [[1, 2], [0.5, 1]];
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const want = xs.flatMap((r, i) => r.map((v, j) => w[i][j] * (pw[j] * ys[i][j] * sp(-v) + (1 - ys[i][j]) * sp(v))));
    expectAllClose(vals(ops.binary_cross_entropy_with_logits(f64(xs), f64(ys), f64(w), f64(pw), "none")), want);
    expect(one(ops.binary_cross_entropy_with_logits(f64(xs), f64(ys), { pos_weight: f64(pw), reduction: "sum", weight: f64(w) }))).toBeCloseTo(want.reduce((a, v) => a + v), 12);
    gradcheck((z, lab) => ops.binary_cross_entropy_with_logits(z, lab, null, f64(pw)), [rand([3, 2], -3, 3), rand([3, 2], 0, 1)]);
    gradcheck((q) => ops.binary_cross_entropy(q, f64([[0.2, 0.9]])), [rand([1, 2], 0.1, 0.9)]);
  });
});

describe("regression losses", () => {
  const a = f64([[1, 2], [3, 4]]);
  const b = f64([0.5, 4]);
  it("mse_loss and l1_loss broadcast and reduce", () => {
    expect(one(ops.mse_loss(a, b))).toBeCloseTo((0.25 + 4 + 6.25 + 0) / 4, 12);
    expect(vals(ops.mse_loss(a, b, "none"))).toEqual([0.25, 4, 6.25, 0]);
    expect(one(ops.l1_loss(a, b, "sum"))).toBeCloseTo(0.5 + 2 + 2.5 + 0, 12);
    expect(() => ops.mse_loss(a, b, "max")).toThrow(/For 'mse_loss', the 'reduction'/);
  });
  it("smooth_l1_loss defaults to reduction 'none'; beta > 0", () => {
    const x = f64([0, 0.5, 3, -2]);
    const y = f64([0, 0, 0, 0]);
    expect(vals(ops.smooth_l1_loss(x, y))).toEqual([0, 0.125, 2.5, 1.5]);
    expect(vals(ops.smooth_l1_loss(x, y, 2))).toEqual([0, 0.0625, 2, 1]);
    expect(one(ops.smooth_l1_loss(x, y, 1, "mean"))).toBeCloseTo(4.125 / 4, 12);
    expect(() => ops.smooth_l1_loss(x, y, 0)).toThrow(/For 'smooth_l1_loss', the 'beta' must be > 0, but got 0/);
    expect(() => ops.smooth_l1_loss(x, f64([1, 2]))).toThrow(ms.ValueError);
    gradcheck((p, q) => ops.smooth_l1_loss(p, q, 0.5, "sum"), [f64([0.1, 0.9, -2, 0.3]), f64([0, 0, 0, 0.5])], { secondOrder: false });
  });
});

/** Max pooling by definition: the first maximum of the in-bounds taps of each window. */
function naiveMaxPool(x: Tensor, k: number[], s: number[], p: number[], d: number[], ceil: boolean) {
  const [n, c, h, w] = x.shape;
  const xv = vals(x);
  const size = (len: number, i: number) => {
    let o = Math.floor((len + 2 * p[i] - d[i] * (k[i] - 1) - 1 + (ceil ? s[i] - 1 : 0)) / s[i]) + 1;
    if (ceil && (o - 1) * s[i] >= len + p[i]) o--;
    return o;
  };
  const oh = size(h, 0);
  const ow = size(w, 1);
  const out: number[] = [];
  const idx: number[] = [];
  for (let pl = 0; pl < n * c; pl++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < k[0]; ky++) {
          for (let kx = 0; kx < k[1]; kx++) {
            const r = oy * s[0] - p[0] + ky * d[0];
            const q = ox * s[1] - p[1] + kx * d[1];
            if (r < 0 || r >= h || q < 0 || q >= w) continue;
            const v = xv[pl * h * w + r * w + q];
            if (v > best) [best, at] = [v, r * w + q];
          }
        }
        out.push(best);
        idx.push(at);
      }
    }
  }
  return { out, idx, shape: [n, c, oh, ow] };
}

describe("max_pool2d", () => {
  it("matches the naive definition (values and flat indices) for padding, stride, dilation, ceil_mode", () => {
    const configs: [number[], number[], number[], number[], boolean][] = [
      [[2, 2], [2, 2], [0, 0], [1, 1], false],
      [[3, 3], [1, 1], [1, 1], [1, 1], false],
      [[3, 2], [2, 1], [1, 0], [1, 2], false],
      [[2, 2], [2, 2], [0, 0], [1, 1], true],
      [[3, 3], [2, 3], [1, 1], [1, 1], true],
      [[2, 3], [3, 2], [1, 1], [2, 1], true],
    ];
    for (const [k, s, p, d, ceil] of configs) {
      const x = rand([2, 2, 7, 8]);
      const [out, idx] = ops.max_pool2d(x, k, s, p, d, true, ceil) as [Tensor, Tensor];
      const want = naiveMaxPool(x, k, s, p, d, ceil);
      expect(out.shape).toEqual(want.shape);
      expect(vals(out)).toEqual(want.out);
      expect(idx.dtype).toBe(ms.int64);
      expect(vals(idx)).toEqual(want.idx);
    }
    expect((ops.max_pool2d(rand([1, 1, 4, 4]), 2) as Tensor).shape).toEqual([1, 1, 2, 2]);
  });

  it("sends the gradient to the max element of each window (the first one on ties), summing over overlaps", () => {
    const ties = ms.grad((t: Tensor) => ops.sum(ops.max_pool2d(t, 2) as Tensor))(ops.ones([1, 1, 2, 4], ms.float64));
    expect(ties.tolist()).toEqual([[[[1, 0, 1, 0], [0, 0, 0, 0]]]]);
    const x = f64([[[[1, 2, 3], [4, 9, 5], [6, 7, 8]]]]);
    const g = ms.grad((t: Tensor) => ops.sum(ops.max_pool2d(t, 3, 1, 1) as Tensor))(x);
    expect(g.tolist()).toEqual([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]]);
    gradcheck((t) => ops.max_pool2d(t, [2, 3], [1, 2], [1, 1]) as Tensor, [rand([1, 2, 4, 5])], { secondOrder: false });
  });

  it("pools integer tensors too", () => {
    const x = new Tensor([[[[-5, -3], [-7, -4]]]], ms.int32);
    expect((ops.max_pool2d(x, 2, 1, 1) as Tensor).tolist()).toEqual([[[[-5, -3, -3], [-5, -3, -3], [-7, -4, -4]]]]);
  });

  it("errors: rank, padding over half the kernel, bad sizes", () => {
    expect(() => ops.max_pool2d(rand([2, 4, 4]), 2)).toThrow(/For 'max_pool2d', the 'x' must be a 4-D Tensor/);
    expect(() => ops.max_pool2d(rand([1, 1, 4, 4]), 2, 1, 2)).toThrow(/For 'max_pool2d', the 'padding' must be at most half of 'kernel_size'/);
    expect(() => ops.max_pool2d(rand([1, 1, 4, 4]), 0)).toThrow(/'kernel_size' must be >= 1/);
    expect(() => ops.max_pool2d(rand([1, 1, 2, 2]), 3)).toThrow(ms.ValueError);
  });
});

/** Average pooling by definition (PyTorch's divisor rules, asymmetric padding). */
function naiveAvgPool(x: Tensor, k: number[], s: number[], pad: number[], ceil: boolean, includePad: boolean, divisor: number) {
  const [n, c, h, w] = x.shape;
  const [pt, pb, pl, pr] = pad;
  const xv = vals(x);
  const size = (len: number, before: number, after: number, kk: number, ss: number) => {
    let o = Math.floor((len + before + after - kk + (ceil ? ss - 1 : 0)) / ss) + 1;
    if (ceil && (o - 1) * ss >= len + before) o--;
    return o;
  };
  const oh = size(h, pt, pb, k[0], s[0]);
  const ow = size(w, pl, pr, k[1], s[1]);
  const out: number[] = [];
  for (let q = 0; q < n * c; q++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const hs = oy * s[0] - pt;
        const ws = ox * s[1] - pl;
        const he = Math.min(hs + k[0], h + pb);
        const we = Math.min(ws + k[1], w + pr);
        let sum = 0;
        let count = 0;
        for (let r = Math.max(hs, 0); r < Math.min(he, h); r++) {
          for (let col = Math.max(ws, 0); col < Math.min(we, w); col++) {
            sum += xv[q * h * w + r * w + col];
            count++;
          }
        }
        out.push(sum / (divisor || (includePad ? (he - hs) * (we - ws) : count)));
      }
    }
  }
  return { out, shape: [n, c, oh, ow] };
}

describe("avg_pool2d / adaptive_avg_pool2d", () => {
  it("avg_pool2d matches the definition for padding, ceil_mode, count_include_pad and divisor_override", () => {
    const configs: [number[], number[], number[], boolean, boolean, number][] = [
      [[1, 1], [1, 1], [0, 0, 0, 0], false, true, 0],
      [[2, 2], [2, 2], [0, 0, 0, 0], false, true, 0],
      [[3, 3], [2, 2], [1, 1, 1, 1], false, false, 0],
      [[3, 2], [2, 1], [1, 0, 1, 1], true, true, 0],
      [[3, 3], [2, 2], [1, 1, 1, 1], true, false, 0],
      [[2, 3], [3, 2], [0, 1, 1, 0], true, true, 5],
    ];
    for (const [k, s, p, ceil, inc, div] of configs) {
      const x = rand([2, 3, 7, 6]);
      const got = ops.avg_pool2d(x, k, s, p, ceil, inc, div);
      const want = naiveAvgPool(x, k, s, p, ceil, inc, div);
      expect(got.shape).toEqual(want.shape);
      expectAllClose(vals(got), want.out);
    }
    // MindSpore's defaults: kernel 1, stride 1 (the identity); padding as (pad_h, pad_w)
    const x = rand([1, 2, 3, 3]);
    expectAllClose(vals(ops.avg_pool2d(x)), vals(x));
    expectAllClose(vals(ops.avg_pool2d(x, 3, 1, [1, 0])), naiveAvgPool(x, [3, 3], [1, 1], [1, 1, 0, 0], false, true, 0).out);
    gradcheck((t) => ops.avg_pool2d(t, 2, 1, 1, false, false), [rand([1, 2, 3, 4])]);
  });

  it("adaptive_avg_pool2d bins [floor(i*in/out), ceil((i+1)*in/out))", () => {
    const x = rand([2, 2, 5, 7]);
    const got = ops.adaptive_avg_pool2d(x, [3, 4]);
    const xv = vals(x);
    const want: number[] = [];
    for (let q = 0; q < 4; q++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const [r0, r1] = [Math.floor((i * 5) / 3), Math.ceil(((i + 1) * 5) / 3)];
          const [c0, c1] = [Math.floor((j * 7) / 4), Math.ceil(((j + 1) * 7) / 4)];
          let sum = 0;
          for (let r = r0; r < r1; r++) for (let col = c0; col < c1; col++) sum += xv[q * 35 + r * 7 + col];
          want.push(sum / ((r1 - r0) * (c1 - c0)));
        }
      }
    }
    expectAllClose(vals(got), want);
    expect(ops.adaptive_avg_pool2d(rand([3, 4, 6]), [null, 2]).shape).toEqual([3, 4, 2]);
    expect(() => ops.adaptive_avg_pool2d(rand([4, 6]), 2)).toThrow(/For 'adaptive_avg_pool2d', the 'input' must be a 3-D or 4-D/);
    expect(() => ops.adaptive_avg_pool2d(x, 0)).toThrow(ms.ValueError);
    gradcheck((t) => ops.adaptive_avg_pool2d(t, 2), [rand([1, 1, 3, 5])]);
  });
});

describe("normalisation", () => {
  const normRow = (r: number[], eps: number) => {
    const m = r.reduce((a, v) => a + v, 0) / r.length;
    const v = r.reduce((a, x) => a + (x - m) ** 2, 0) / r.length;
    return r.map((x) => (x - m) / Math.sqrt(v + eps));
  };

  it("layer_norm over the trailing normalized_shape, with weight and bias", () => {
    const rows = [[1, 2, 4, 8], [-1, 0, 0, 3]];
    const w = [1, 2, 0.5, -1];
    const b = [0, 1, 0, 2];
    const want = rows.flatMap((r) => normRow(r, 1e-5).map((v, i) => v * w[i] + b[i]));
    expectAllClose(vals(ops.layer_norm(f64(rows), [4], f64(w), f64(b))), want);
    expectAllClose(vals(ops.layer_norm(f64([rows]), [2, 4], null, null, 0.1)), normRow(rows.flat(), 0.1));
    expect(() => ops.layer_norm(f64(rows), [3])).toThrow(/For 'layer_norm', the 'normalized_shape' \(3,\) must match the trailing dimensions/);
    expect(() => ops.layer_norm(f64(rows), [4], f64([1, 2]))).toThrow(/For 'layer_norm', the 'weight' must have shape \(4,\)/);
    gradcheck((x, ww, bb) => ops.layer_norm(x, [3], ww, bb), [rand([2, 3]), rand([3]), rand([3])]);
  });

  it("group_norm per sample over each group of channels", () => {
    const x = rand([2, 4, 3]);
    const xv = vals(x);
    const w = [1, -1, 2, 0.5];
    const got = vals(ops.group_norm(x, 2, f64(w), f64([0, 0, 1, 1])));
    for (let n = 0; n < 2; n++) {
      for (let g = 0; g < 2; g++) {
        const start = n * 12 + g * 6;
        normRow(xv.slice(start, start + 6), 1e-5).forEach((v, i) => {
          const ch = g * 2 + Math.floor(i / 3);
          expect(got[start + i]).toBeCloseTo(v * w[ch] + (g === 1 ? 1 : 0), 10);
        });
      }
    }
    expect(() => ops.group_norm(x, 3)).toThrow(/For 'group_norm', the channels \(4\) must be divisible by 'num_groups' \(3\)/);
    gradcheck((t, ww) => ops.group_norm(t, 2, ww), [rand([1, 4, 2]), rand([4])]);
  });

  it("batch_norm inference uses the running statistics", () => {
    const x = rand([3, 2, 2]);
    const rm = f64([0.5, -1]);
    const rv = f64([2, 0.25]);
    const got = vals(ops.batch_norm(x, rm, rv, f64([1, 3]), f64([0, 1])));
    const xv = vals(x);
    xv.forEach((v, i) => {
      const c = Math.floor(i / 2) % 2;
      const want = ((v - [0.5, -1][c]) / Math.sqrt([2, 0.25][c] + 1e-5)) * [1, 3][c] + [0, 1][c];
      expect(got[i]).toBeCloseTo(want, 12);
    });
  });

  it("batch_norm training normalises with batch statistics and updates running stats in place (unbiased var)", () => {
    const x = f64([[[1, 2]], [[3, 6]]]); // (2, 1, 2): channel values 1, 2, 3, 6
    const rmP = new Parameter(f64([1]), "rm");
    const rvP = new Parameter(f64([1]), "rv");
    const out = vals(ops.batch_norm(x, rmP, rvP, f64([1]), f64([0]), true, 0.1));
    expectAllClose(out, normRow([1, 2, 3, 6], 1e-5));
    expect(vals(rmP)[0]).toBeCloseTo(0.9 * 1 + 0.1 * 3, 12);
    expect(vals(rvP)[0]).toBeCloseTo(0.9 * 1 + 0.1 * (14 / 3), 12);
    // plain tensors are updated too, also when the call is being differentiated
    const rm = f64([0]);
    const rv = f64([1]);
    ms.grad((t: Tensor) => ops.sum(ops.mul(ops.batch_norm(t, rm, rv, f64([2]), f64([0]), true, 0.5), t)))(x);
    expect(vals(rm)[0]).toBeCloseTo(1.5, 12);
    expect(vals(rv)[0]).toBeCloseTo(0.5 + 0.5 * (14 / 3), 12);
    expect(() => ops.batch_norm(x, f64([0, 0]), rv, f64([1]), f64([0]))).toThrow(/For 'batch_norm', the 'running_mean' must have shape \(1,\)/);
    expect(() => ops.batch_norm(x, rm, rv, null as never, f64([0]))).toThrow(/For 'batch_norm', the 'weight' must be a Tensor/);
    const stats = () => [f64([0, 0]), f64([1, 1])] as const;
    gradcheck((t, w, b) => ops.batch_norm(t, ...stats(), w, b, true), [rand([3, 2, 2]), rand([2]), rand([2])]);
  });
});

describe("interpolate", () => {
  const img = f64([[[[0, 1], [2, 3]]]]);
  it("nearest: src = floor(dst * in / out)", () => {
    expect(ops.interpolate(img, null, 2.0).tolist()).toEqual([[[[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]]]);
    const x = f64([[[[1, 2, 3], [4, 5, 6]]]]);
    expect(ops.interpolate(x, [3, 5]).tolist()).toEqual([[[[1, 1, 2, 2, 3], [1, 1, 2, 2, 3], [4, 4, 5, 5, 6]]]]);
    expect(ops.interpolate(f64([[[1, 2, 3, 4]]]), 2).tolist()).toEqual([[[1, 3]]]);
  });
  it("bilinear with and without align_corners; linear on 3-D", () => {
    const aligned = ops.interpolate(img, [3, 3], null, "bilinear", true);
    expectAllClose(vals(aligned), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
    // half-pixel centres: per-axis sample points 0 (clamped), 0.25, 0.75, 1 (clamped)
    const a = [0, 0.25, 0.75, 1];
    expectAllClose(vals(ops.interpolate(img, { size: [4, 4], mode: "bilinear" })), a.flatMap((r) => a.map((c) => 2 * r + c)));
    expectAllClose(vals(ops.interpolate(f64([[[0, 4]]]), [3], null, "linear", true)), [0, 2, 4]);
    gradcheck((t) => ops.interpolate(t, [3, 5], null, "bilinear"), [rand([1, 1, 2, 3])], { secondOrder: false });
  });
  it("errors: size and scale_factor, align_corners with nearest, unknown mode, wrong rank", () => {
    expect(() => ops.interpolate(img, [4, 4], 2.0)).toThrow(/For 'interpolate', exactly one of 'size' and 'scale_factor' must be given, but got both/);
    expect(() => ops.interpolate(img)).toThrow(/but got neither/);
    expect(() => ops.interpolate(img, [4, 4], null, "nearest", true)).toThrow(/For 'interpolate', the 'align_corners' option/);
    expect(() => ops.interpolate(img, [4, 4], null, "cubic")).toThrow(/For 'interpolate', the 'mode' must be one of/);
    expect(() => ops.interpolate(f64([[[1, 2]]]), [4, 4], null, "bilinear")).toThrow(/mode 'bilinear' needs a 4-D input/);
    expect(() => ops.interpolate(img, [4])).toThrow(ms.ValueError);
  });
});

describe("embedding", () => {
  const weight = f64([[0, 1], [2, 3], [4, 5], [6, 8]]);
  it("looks up rows: output (*input.shape, dim)", () => {
    const out = ops.embedding(i32([[3, 0], [1, 1]]), weight);
    expect(out.tolist()).toEqual([[[6, 8], [0, 1]], [[2, 3], [2, 3]]]);
    expect(ops.embedding(new Tensor(2, ms.int64), weight).tolist()).toEqual([4, 5]);
  });
  it("gradients: scatter-add, none for padding_idx, divided by frequency with scale_grad_by_freq", () => {
    const idx = i32([1, 1, 3, 0]);
    const sumOf = (opts: Record<string, unknown>) => ms.grad((w: Tensor) => ops.sum(ops.embedding(idx, w, opts)))(weight).tolist();
    expect(sumOf({})).toEqual([[1, 1], [2, 2], [0, 0], [1, 1]]);
    expect(sumOf({ padding_idx: 1 })).toEqual([[1, 1], [0, 0], [0, 0], [1, 1]]);
    expect(sumOf({ scale_grad_by_freq: true })).toEqual([[1, 1], [1, 1], [0, 0], [1, 1]]);
    gradcheck((w) => ops.embedding(i32([[0, 2], [2, 1]]), w), [rand([3, 2])]);
  });
  it("max_norm renormalises the looked-up rows of a Parameter in place", () => {
    const p = new Parameter(f64([[3, 4], [0.3, 0.4], [6, 8]]), "table");
    const out = vals(ops.embedding(i32([0, 1]), p, null, 1.0));
    expectAllClose(out, [0.6, 0.8, 0.3, 0.4], 1e-6);
    expectAllClose(vals(p), [0.6, 0.8, 0.3, 0.4, 6, 8], 1e-6);
  });
  it("errors: float indices, out-of-range index, bad weight", () => {
    expect(() => ops.embedding(f64([0, 1]), weight)).toThrow(/For 'embedding', the 'input' must be a Tensor of int32 or int64 indices/);
    expect(() => ops.embedding(i32([4]), weight)).toThrow(/For 'embedding', the 'input' must contain indices in range \[0, 4\), but got 4/);
    expect(() => ops.embedding(i32([-1]), weight)).toThrow(ms.ValueError);
    expect(() => ops.embedding(i32([0]), f64([1, 2]))).toThrow(/For 'embedding', the 'weight' must be 2-D/);
    expect(() => ops.embedding(i32([0]), weight, 4)).toThrow(/'padding_idx' must be in range/);
  });
});

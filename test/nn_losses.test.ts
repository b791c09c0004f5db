/**
 * Loss Cells: MindSpore's defaults (each Cell's own reduction default),
 * hand-computed values and gradients, numerically stable extremes, and the
 * errors bad arguments raise. (PyTorch comparisons: layer_fixtures.test.ts,
 * group "losses".)
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, nn } from "../src/index.js";

const arr = (t: Tensor) => Array.from(t.astype(ms.float64).asnumpy().data as Float64Array);
const close = (a: number[], b: number[], tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};
const f32 = (v: number[] | number[][]) => new Tensor(v, ms.float32);
const i32 = (v: number[]) => new Tensor(v, ms.int32);
const softmax = (xs: number[]) => {
  const e = xs.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};

describe("CrossEntropyLoss", () => {
  it("mean of -log softmax at the label; gradient (softmax - onehot) / N", () => {
    const logits = f32([[1, 2, 3], [0, 0, 0]]);
    const labels = i32([2, 0]);
    const loss = new nn.CrossEntropyLoss();
    const l0 = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    close(arr(loss(logits, labels)), [(l0 + Math.log(3)) / 2]);
    const g = ms.grad((x: Tensor) => loss(x, labels))(logits) as Tensor;
    const p = softmax([1, 2, 3]);
    close(arr(g), [p[0] / 2, p[1] / 2, (p[2] - 1) / 2, (1 / 3 - 1) / 2, 1 / 6, 1 / 6]);
  });
  it("ignore_index drops samples from the mean; weight weighs them", () => {
    const logits = f32([[0, 0], [0, Math.log(3)], [5, 5]]);
    close(arr(new nn.CrossEntropyLoss({ ignore_index: 0 })(logits, i32([1, 1, 0]))), [(Math.log(2) + Math.log(4 / 3)) / 2]);
    // weighted mean: sum w[y] * l / sum w[y]
    const w = f32([1, 3]);
    close(arr(new nn.CrossEntropyLoss(w)(logits, i32([0, 1, 1]))), [(Math.log(2) + 3 * Math.log(4 / 3) + 3 * Math.log(2)) / 7], 1e-5);
  });
  it("label_smoothing mixes in the uniform distribution", () => {
    const x = [0, Math.log(3)];
    const logp = softmax(x).map(Math.log);
    const eps = 0.2;
    const expected = -(1 - eps) * logp[1] - (eps / 2) * (logp[0] + logp[1]);
    close(arr(new nn.CrossEntropyLoss(null, -100, "mean", eps)(f32([x]), i32([1]))), [expected], 1e-5);
  });
  it("stays finite for huge logits", () => {
    const l = arr(new nn.CrossEntropyLoss()(f32([[1000, -1000]]), i32([1])));
    close(l, [2000], 1e-6);
  });
  it("bad arguments", () => {
    expect(() => new nn.CrossEntropyLoss({ reduction: "avg" as never })).toThrow(ms.ValueError);
    expect(() => new nn.CrossEntropyLoss({ label_smoothing: 1.5 })).toThrowError(new ms.ValueError("For 'CrossEntropyLoss', the 'label_smoothing' must be in range [0.0, 1.0], but got 1.5."));
    expect(() => new nn.CrossEntropyLoss({ weight: [1, 2] as never })).toThrow(ms.TypeError);
    expect(() => new nn.CrossEntropyLoss()(f32([[1, 2]]), i32([2]))).toThrow(ms.ValueError);
    expect(() => new nn.CrossEntropyLoss()([[1, 2]] as never, i32([1]))).toThrow(ms.TypeError);
  });
});

describe("NLLLoss and SoftmaxCrossEntropyWithLogits", () => {
  it("NLLLoss: -mean of the picked log-probabilities", () => {
    close(arr(new nn.NLLLoss()(f32([[-1, -2], [-3, -4]]), i32([1, 0]))), [2.5]);
    close(arr(new nn.NLLLoss({ reduction: "none" })(f32([[-1, -2], [-3, -4]]), i32([1, 0]))), [2, 3]);
  });
  it("SoftmaxCrossEntropyWithLogits: default reduction 'none', one loss per sample; sparse labels agree with one-hot", () => {
    const logits = f32([[1, 2, 3], [0, 0, 0]]);
    const dense = new nn.SoftmaxCrossEntropyWithLogits()(logits, f32([[0, 0, 1], [1, 0, 0]]));
    expect(dense.shape).toEqual([2]);
    close(arr(dense), [Math.log(1 + Math.exp(-1) + Math.exp(-2)), Math.log(3)], 1e-6);
    const sparse = new nn.SoftmaxCrossEntropyWithLogits(true, "mean")(logits, i32([2, 0]));
    close(arr(sparse), [(arr(dense)[0] + arr(dense)[1]) / 2], 1e-6);
    expect(() => new nn.SoftmaxCrossEntropyWithLogits(true)(logits, f32([2, 0]))).toThrow(ms.TypeError);
    expect(() => new nn.SoftmaxCrossEntropyWithLogits()(logits, f32([[0, 1], [1, 0]]))).toThrow(ms.ValueError);
    expect(() => new nn.SoftmaxCrossEntropyWithLogits()(f32([1, 2]), f32([0, 1]))).toThrow(ms.ValueError);
  });
});

describe("binary cross entropy", () => {
  it("BCELoss: probabilities; default reduction 'mean'; log clamped at -100", () => {
    close(arr(new nn.BCELoss()(f32([0.5, 0.5]), f32([1, 0]))), [Math.log(2)]);
    close(arr(new nn.BCELoss({ reduction: "none" })(f32([0, 1]), f32([1, 1]))), [100, 0]);
    close(arr(new nn.BCELoss(f32([2, 1]), "sum")(f32([0.5, 0.5]), f32([1, 0]))), [3 * Math.log(2)]);
  });
  it("BCEWithLogitsLoss: stable for large logits; gradient sigmoid(x) - y", () => {
    const loss = new nn.BCEWithLogitsLoss();
    close(arr(loss(f32([0, 0]), f32([1, 0]))), [Math.log(2)]);
    close(arr(new nn.BCEWithLogitsLoss("none")(f32([100, -100]), f32([0, 1]))), [100, 100]);
    const g = ms.grad((x: Tensor) => loss(x, f32([1, 0])))(f32([0, 2])) as Tensor;
    close(arr(g), [(0.5 - 1) / 2, 1 / (1 + Math.exp(-2)) / 2]);
    // pos_weight scales the positive term
    close(arr(new nn.BCEWithLogitsLoss({ reduction: "sum", pos_weight: f32([3]) })(f32([0]), f32([1]))), [3 * Math.log(2)]);
    expect(() => new nn.BCEWithLogitsLoss("mean", 2 as never)).toThrow(ms.TypeError);
  });
});

describe("SmoothL1Loss, KLDivLoss, MSELoss, L1Loss", () => {
  it("SmoothL1Loss: default reduction 'none'; quadratic under beta, linear above", () => {
    const l = new nn.SmoothL1Loss()(f32([0.5, 3, -1]), f32([0, 1, 0]));
    expect(l.shape).toEqual([3]);
    close(arr(l), [0.125, 1.5, 0.5]);
    close(arr(new nn.SmoothL1Loss(2.0, "sum")(f32([1, 3]), f32([0, 0]))), [0.25 + 2]);
    expect(() => new nn.SmoothL1Loss(0)).toThrowError(new ms.ValueError("For 'SmoothL1Loss', the 'beta' must be greater than 0, but got 0."));
  });
  it("KLDivLoss: labels * (log labels - logits), 0 where labels == 0 (no NaN gradient); 'mean' over elements, 'batchmean' over rows", () => {
    const logits = f32([[Math.log(0.25), Math.log(0.75)], [Math.log(0.5), Math.log(0.5)]]);
    const labels = f32([[0.5, 0.5], [1, 0]]);
    const terms = [0.5 * Math.log(0.5 / 0.25), 0.5 * Math.log(0.5 / 0.75), Math.log(1 / 0.5), 0];
    const sum = terms.reduce((a, b) => a + b, 0);
    close(arr(new nn.KLDivLoss()(logits, labels)), [sum / 4], 1e-6);
    close(arr(new nn.KLDivLoss("batchmean")(logits, labels)), [sum / 2], 1e-6);
    close(arr(new nn.KLDivLoss("none")(logits, labels)), terms, 1e-6);
    const g = ms.grad((x: Tensor, y: Tensor) => new nn.KLDivLoss("sum")(x, y), [0, 1])(logits, labels) as Tensor[];
    close(arr(g[0]), [-0.5, -0.5, -1, 0]);
    expect(arr(g[1]).every(Number.isFinite)).toBe(true);
    expect(() => new nn.KLDivLoss("avg" as never)).toThrow(ms.ValueError);
  });
  it("MSELoss and L1Loss", () => {
    close(arr(new nn.MSELoss()(f32([1, 3]), f32([0, 0]))), [5]);
    close(arr(new nn.L1Loss("sum")(f32([1, -3]), f32([0, 0]))), [4]);
  });
});

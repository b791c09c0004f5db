/**
 * nn layers: containers and parameter naming, shapes for every pad_mode,
 * default initialisers, BatchNorm's moving statistics, Dropout, Embedding,
 * RNN return structures, attention, reprs as MindSpore prints them, and the
 * errors bad arguments raise. (Values and gradients against PyTorch are in
 * layer_fixtures.test.ts.)
 */
import { describe, it, expect } from "vitest";
import { inspect } from "node:util";
import * as ms from "../src/index.js";
import { Tensor, nn, ops } from "../src/index.js";

const arr = (t: Tensor) => Array.from(t.astype(ms.float64).asnumpy().data as Float64Array);
const names = (c: nn.Cell) => c.parameters_and_names().map(([n, p]) => `${n}=${p.name}`);
const close = (a: number[], b: number[], tol = 1e-6) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * (1 + Math.abs(b[i]))));
};

describe("SequentialCell", () => {
  it("from a list: children '0', '1', ... and parameters '0.weight'", () => {
    const seq = new nn.SequentialCell([new nn.Dense(3, 4), new nn.ReLU(), new nn.Dense(4, 2)]);
    expect(names(seq)).toEqual(["0.weight=0.weight", "0.bias=0.bias", "2.weight=2.weight", "2.bias=2.bias"]);
    expect(seq.length).toBe(3);
    expect(seq.__len__()).toBe(3);
    expect((seq as unknown as Record<string, unknown>)[2]).toBe(seq.getitem(-1));
    expect(seq(ops.ones([5, 3])).shape).toEqual([5, 2]);
  });
  it("runs the cells in order", () => {
    const a = new nn.Dense(2, 2, new Tensor([[1, 0], [0, 2]], ms.float32), "zeros");
    const seq = new nn.SequentialCell(a, new nn.ReLU());
    close(arr(seq(new Tensor([[1, -1], [-3, 2]], ms.float32))), [1, 0, 0, 4]);
  });
  it("from an ordered name -> Cell mapping (Map or object): the keys name the children", () => {
    const seq = new nn.SequentialCell(new Map<string, nn.Cell>([["conv", new nn.Conv2d(1, 2, 3)], ["act", new nn.ReLU()]]));
    expect(names(seq)).toEqual(["conv.weight=conv.weight"]);
    const obj = new nn.SequentialCell({ fc: new nn.Dense(2, 2), out: new nn.Sigmoid() });
    expect(obj.cells_and_names().map(([n]) => n)).toEqual(["", "fc", "out"]);
  });
  it("append / insert / delitem re-index and rename, keeping a parent's prefix", () => {
    class Net extends nn.Cell {
      features = new nn.SequentialCell([new nn.Dense(2, 2), new nn.Dense(2, 2)]);
      construct(x: Tensor) {
        return this.features(x);
      }
    }
    const net = new Net();
    expect(names(net)).toEqual(["features.0.weight=features.0.weight", "features.0.bias=features.0.bias", "features.1.weight=features.1.weight", "features.1.bias=features.1.bias"]);
    net.features.append(new nn.Dense(2, 3));
    expect(net.features.parameters_and_names().map(([, p]) => p.name).slice(-2)).toEqual(["features.2.weight", "features.2.bias"]);
    net.features.insert(0, new nn.Tanh());
    net.features.delitem(1);
    expect(names(net)).toEqual(["features.1.weight=features.1.weight", "features.1.bias=features.1.bias", "features.2.weight=features.2.weight", "features.2.bias=features.2.bias"]);
    expect(net.features.getitem(0)).toBeInstanceOf(nn.Tanh);
    expect(net(ops.ones([1, 2])).shape).toEqual([1, 3]);
  });
  it("a slice is a new SequentialCell", () => {
    const seq = new nn.SequentialCell([new nn.ReLU(), new nn.Tanh(), new nn.Sigmoid()]);
    const tail = seq.getitem([1, null]);
    expect(tail).toBeInstanceOf(nn.SequentialCell);
    expect(tail.cells().map((c) => c.constructor.name)).toEqual(["Tanh", "Sigmoid"]);
  });
  it("repr as MindSpore prints it", () => {
    const seq = new nn.SequentialCell([new nn.Dense(3, 4), new nn.ReLU()]);
    expect(inspect(seq)).toBe("SequentialCell<\n  (0): Dense<input_channels=3, output_channels=4, has_bias=True>\n  (1): ReLU<>\n  >");
  });
  it("bad arguments", () => {
    expect(() => new nn.SequentialCell([new nn.ReLU(), 3 as unknown as nn.Cell])).toThrow(ms.TypeError);
    expect(() => new nn.SequentialCell("relu" as unknown as nn.Cell)).toThrowError(/For 'SequentialCell', the 'args\[0\]' must be list or orderedDict, but got str/);
    const seq = new nn.SequentialCell([new nn.ReLU()]);
    expect(() => seq.getitem(1)).toThrowError(new ms.IndexError("For 'SequentialCell', the argument 'index' must be in range [-1, 1), but got 1."));
    expect(() => seq.append({} as nn.Cell)).toThrow(ms.TypeError);
  });
});

describe("CellList and CellDict", () => {
  it("CellList: append, extend, insert, iterate; names by index; no construct", () => {
    const list = new nn.CellList([new nn.Dense(2, 2)]);
    list.append(new nn.ReLU());
    list.extend([new nn.Dense(2, 1)]);
    list.insert(1, new nn.Tanh());
    expect([...list].map((c) => c.constructor.name)).toEqual(["Dense", "Tanh", "ReLU", "Dense"]);
    expect(names(list)).toEqual(["0.weight=0.weight", "0.bias=0.bias", "3.weight=3.weight", "3.bias=3.bias"]);
    expect(() => list(ops.ones([1, 2]))).toThrow(ms.AttributeError);
    expect(() => list.extend(5 as unknown as nn.Cell[])).toThrow(ms.TypeError);
  });
  it("CellDict: keys, values, items, pop, contains; checked keys", () => {
    const d = new nn.CellDict({ fc: new nn.Dense(2, 2), act: new nn.ReLU() });
    expect(d.keys()).toEqual(["fc", "act"]);
    expect(names(d)).toEqual(["fc.weight=fc.weight", "fc.bias=fc.bias"]);
    expect(d.contains("act")).toBe(true);
    expect(d.pop("act")).toBeInstanceOf(nn.ReLU);
    expect(d.length).toBe(1);
    d.set("out", new nn.Sigmoid());
    expect(d.items().map(([k]) => k)).toEqual(["fc", "out"]);
    expect(() => d.set("a.b", new nn.ReLU())).toThrowError(/the key can not contain '\.'/);
    expect(() => d.set("a.b", new nn.ReLU())).toThrow(ms.KeyError);
    expect(() => d.set(3 as unknown as string, new nn.ReLU())).toThrow(ms.TypeError);
    expect(() => d.set("keys", new nn.ReLU())).toThrow(ms.KeyError);
    expect(() => d.get("missing")).toThrow(ms.KeyError);
    d.clear();
    expect(d.length).toBe(0);
  });
});

describe("Flatten", () => {
  it("keeps the batch axis by default; start_dim/end_dim", () => {
    expect(new nn.Flatten()(ops.ones([2, 3, 4])).shape).toEqual([2, 12]);
    expect(new nn.Flatten(0, 1)(ops.ones([2, 3, 4])).shape).toEqual([6, 4]);
    expect(new nn.Flatten({ start_dim: 2 })(ops.ones([2, 3, 4, 5])).shape).toEqual([2, 3, 20]);
    expect(() => new nn.Flatten(3)(ops.ones([2, 3]))).toThrow(ms.ValueError);
    expect(() => new nn.Flatten(1.5)).toThrow(ms.TypeError);
  });
});

describe("Conv2d / Conv1d / Conv2dTranspose", () => {
  it("MindSpore's defaults: pad_mode='same', no bias, HeUniform(sqrt(5)) weight of (C_out, C_in/group, kH, kW)", () => {
    ms.set_seed(0);
    const conv = new nn.Conv2d(3, 8, 3);
    expect(conv.has_bias).toBe(false);
    expect(conv.bias).toBeNull();
    expect(conv.weight.shape).toEqual([8, 3, 3, 3]);
    expect(names(conv)).toEqual(["weight=weight"]);
    const bound = 1 / Math.sqrt(27); // gain sqrt(2 / (1 + 5)) * sqrt(3 / fan_in)
    const w = arr(conv.weight);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    const withBias = new nn.Conv2d(3, 8, 3, { has_bias: true });
    expect(Math.max(...arr(withBias.bias!).map(Math.abs))).toBeLessThanOrEqual(bound);
  });
  it("output shapes for 'same', 'valid' and 'pad'", () => {
    const x = ops.ones([2, 3, 7, 6]);
    expect(new nn.Conv2d(3, 4, 3)(x).shape).toEqual([2, 4, 7, 6]);
    expect(new nn.Conv2d(3, 4, 3, 2)(x).shape).toEqual([2, 4, 4, 3]);
    expect(new nn.Conv2d(3, 4, 3, { pad_mode: "valid" })(x).shape).toEqual([2, 4, 5, 4]);
    expect(new nn.Conv2d(3, 4, [3, 2], 1, "pad", [1, 0, 2, 2])(x).shape).toEqual([2, 4, 6, 9]);
    expect(new nn.Conv2d(4, 4, 3, { group: 4 })(ops.ones([1, 4, 5, 5])).shape).toEqual([1, 4, 5, 5]);
  });
  it("a constant input through a ones kernel counts the window (hand-checked 'same' padding)", () => {
    const conv = new nn.Conv2d(1, 1, 3, { weight_init: "ones" });
    // 3x3 ones input, same padding: corners see 4 ones, edges 6, the centre 9
    close(arr(conv(ops.ones([1, 1, 3, 3]))), [4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });
  it("Conv1d keeps MindSpore's 4-D kernel (C_out, C_in/group, 1, k)", () => {
    const conv = new nn.Conv1d(3, 4, 5, { has_bias: true });
    expect(conv.weight.shape).toEqual([4, 3, 1, 5]);
    expect(conv(ops.ones([2, 3, 10])).shape).toEqual([2, 4, 10]);
    expect(new nn.Conv1d(3, 4, 5, { pad_mode: "valid", stride: 2 })(ops.ones([2, 3, 10])).shape).toEqual([2, 4, 3]);
    const fromTensor = new nn.Conv1d(1, 1, 2, { weight_init: new Tensor([[[1, 2]]], ms.float32), pad_mode: "valid" });
    expect(fromTensor.weight.shape).toEqual([1, 1, 1, 2]);
    close(arr(fromTensor(new Tensor([[[1, 10, 100]]], ms.float32))), [21, 210]);
  });
  it("Conv2dTranspose output sizes: same H*s, valid (H-1)s+k, pad with output_padding", () => {
    const x = ops.ones([1, 2, 4, 5]);
    const t = new nn.Conv2dTranspose(2, 3, 3, 2);
    expect(t.weight.shape).toEqual([2, 3, 3, 3]);
    expect(t(x).shape).toEqual([1, 3, 8, 10]);
    expect(new nn.Conv2dTranspose(2, 3, 3, { stride: 2, pad_mode: "valid" })(x).shape).toEqual([1, 3, 9, 11]);
    expect(new nn.Conv2dTranspose(2, 3, 3, { stride: 2, pad_mode: "pad", padding: 1, output_padding: 1 })(x).shape).toEqual([1, 3, 8, 10]);
  });
  it("bad arguments raise MindSpore's errors", () => {
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 1 })).toThrowError(/the 'padding' must be zero when 'pad_mode' is not 'pad'/);
    expect(() => new nn.Conv2d(3, 4, 3, { group: 2 })).toThrowError(new ms.ValueError("For 'Conv2d', the attr 'in_channels' must be divisible by attr 'group', but got 'in_channels': 3 and 'group': 2."));
    expect(() => new nn.Conv2d(0, 4, 3)).toThrow(ms.ValueError);
    expect(() => new nn.Conv2d(3, 4, "3" as unknown as number)).toThrow(ms.TypeError);
    expect(() => new nn.Conv2d(3, 4, 3, { pad_mode: "full" })).toThrowError(/the 'pad_mode' must be one of \['same', 'valid', 'pad'\], but got 'full'/);
    expect(() => new nn.Conv2d(3, 4, 3, { padding: [1, 2, 3] , pad_mode: "pad"})).toThrow(ms.ValueError);
    expect(() => new nn.Conv2d(3, 4, 3)(ops.ones([1, 2, 5, 5]))).toThrowError(/input channels/);
    expect(() => new nn.Conv2d(3, 4, 3)(ops.ones([3, 5, 5]))).toThrow(ms.ValueError);
    expect(() => new nn.Conv2d(3, 4, 3, { stride: 0 })).toThrow(ms.ValueError);
    expect(() => new nn.Conv2dTranspose(2, 2, 3, { output_padding: 1 })).toThrow(ms.ValueError);
    expect(() => new nn.Conv2d(3, 4, 3, { bogus: 1 } as never)).toThrowError(/unexpected keyword argument 'bogus'/);
  });
  it("repr as MindSpore's _Conv.extend_repr", () => {
    expect(String(new nn.Conv2d(3, 4, 3, { weight_init: "normal" }))).toBe(
      "Conv2d<input_channels=3, output_channels=4, kernel_size=(3, 3), stride=(1, 1), pad_mode=same, padding=0, dilation=(1, 1), group=1, has_bias=False, weight_init=normal, bias_init=None, format=NCHW>",
    );
  });
});

describe("pooling", () => {
  it("MaxPool2d: defaults kernel 1 / stride 1 / 'valid'; 'same' output ceil(H/s); repr", () => {
    const x = ops.reshape(ops.arange(0, 2 * 7 * 6).astype(ms.float32), [1, 2, 7, 6]);
    expect(new nn.MaxPool2d()(x).shape).toEqual([1, 2, 7, 6]);
    expect(new nn.MaxPool2d(2, 2)(x).shape).toEqual([1, 2, 3, 3]);
    expect(new nn.MaxPool2d(3, 2, "same")(x).shape).toEqual([1, 2, 4, 3]);
    close(arr(new nn.MaxPool2d(2, 2)(ops.reshape(ops.arange(0, 16).astype(ms.float32), [1, 1, 4, 4]))), [5, 7, 13, 15]);
    expect(String(new nn.MaxPool2d(2, 2))).toBe("MaxPool2d<kernel_size=2, stride=2, pad_mode=VALID>");
    const [out, idx] = new nn.MaxPool2d({ kernel_size: 2, stride: 2, pad_mode: "pad", return_indices: true })(x) as Tensor[];
    expect(out.shape).toEqual(idx.shape);
  });
  it("AvgPool2d 'same' divides by the real elements of each window", () => {
    // 3x3 ones: every window average is 1 however much padding it covers
    close(arr(new nn.AvgPool2d(2, 2, "same")(ops.ones([1, 1, 3, 3]))), [1, 1, 1, 1]);
    close(arr(new nn.AvgPool2d(2, 1)(ops.reshape(new Tensor([1, 2, 3, 4], ms.float32), [1, 1, 2, 2]))), [2.5]);
  });
  it("AdaptiveAvgPool2d", () => {
    const x = ops.reshape(ops.arange(0, 16).astype(ms.float32), [1, 1, 4, 4]);
    close(arr(new nn.AdaptiveAvgPool2d(2)(x)), [2.5, 4.5, 10.5, 12.5]);
    expect(new nn.AdaptiveAvgPool2d([null, 1])(x).shape).toEqual([1, 1, 4, 1]);
  });
  it("bad arguments", () => {
    expect(() => new nn.MaxPool2d({ kernel_size: 2, padding: 1 })).toThrowError(/can not be set to non-default value when pad_mode is not 'pad'/);
    expect(() => new nn.MaxPool2d(0)).toThrow(ms.ValueError);
    expect(() => new nn.MaxPool2d(2, 2, "full")).toThrow(ms.ValueError);
    expect(() => new nn.AvgPool2d({ kernel_size: 2, ceil_mode: true })).toThrow(ms.ValueError);
    expect(() => new nn.MaxPool2d(3)(ops.ones([1, 1, 2, 2]))).toThrow(ms.ValueError);
    expect(() => new nn.MaxPool2d(2)(ops.ones([2, 2]))).toThrow(ms.ValueError);
    expect(() => new nn.AdaptiveAvgPool2d([1, 2, 3] as never)).toThrow(ms.TypeError);
  });
});

describe("BatchNorm", () => {
  // channel 0 holds [1, 3, 5, 7] (mean 4, biased var 5, unbiased 20/3); channel 1 all 2
  const x = ops.reshape(new Tensor([1, 3, 2, 2, 5, 7, 2, 2], ms.float32), [2, 2, 2, 1]);
  it("parameters in MindSpore's order; the moving statistics are not trainable", () => {
    const bn = new nn.BatchNorm2d(2);
    expect(names(bn)).toEqual(["moving_mean=moving_mean", "moving_variance=moving_variance", "gamma=gamma", "beta=beta"]);
    expect(bn.trainable_params().map((p) => p.name)).toEqual(["gamma", "beta"]);
  });
  it("training: batch statistics, and moving = 0.9 * moving + 0.1 * batch (unbiased variance)", () => {
    const bn = new nn.BatchNorm2d(2);
    bn.set_train();
    const y = arr(bn(x));
    const s = Math.sqrt(5 + 1e-5);
    close([y[0], y[1], y[4], y[5]], [-3 / s, -1 / s, 1 / s, 3 / s], 1e-5);
    close([y[2], y[3]], [0, 0]);
    close(arr(bn.moving_mean), [0.4, 0.2]);
    close(arr(bn.moving_variance), [0.9 + 0.1 * (20 / 3), 0.9]);
  });
  it("evaluation uses the moving statistics and leaves them alone", () => {
    const bn = new nn.BatchNorm2d(2, { moving_mean_init: new Tensor([1, 2], ms.float32), moving_var_init: new Tensor([4, 1], ms.float32) });
    bn.set_train(false);
    const y = arr(bn(x));
    close([y[0], y[1]], [0, 2 / Math.sqrt(4 + 1e-5)], 1e-5);
    close(arr(bn.moving_mean), [1, 2]);
  });
  it("use_batch_statistics=False uses the moving statistics even in training", () => {
    const bn = new nn.BatchNorm2d(2, { use_batch_statistics: false });
    bn.set_train();
    close(arr(bn(x)).slice(0, 2), [1 / Math.sqrt(1 + 1e-5), 3 / Math.sqrt(1 + 1e-5)], 1e-5);
    close(arr(bn.moving_mean), [0, 0]);
  });
  it("updates under value_and_grad without being traced; gradients only for gamma and beta", () => {
    const net = new nn.SequentialCell([new nn.BatchNorm1d(2)]);
    net.set_train();
    const weights = net.trainable_params();
    const xb = new Tensor([[1, 2], [3, 6]], ms.float32);
    const [loss, grads] = ms.value_and_grad((a: Tensor) => ops.sum(ops.mul(net(a), new Tensor([[1, 0], [0, 2]], ms.float32))), null, weights)(xb);
    expect(loss.shape).toEqual([]);
    expect(grads.length).toBe(2);
    const bn = net.getitem(0) as nn.BatchNorm1d;
    close(arr(bn.moving_mean), [0.2, 0.4]);
    expect(bn.moving_mean.requires_grad).toBe(false);
    // d/d beta of sum(y * c) = sum over the batch of c
    close(arr(grads[1]), [1, 2]);
  });
  it("bad arguments", () => {
    expect(() => new nn.BatchNorm2d(0)).toThrowError(new ms.ValueError("For 'BatchNorm2d', the 'num_features' must be at least 1, but got 0."));
    expect(() => new nn.BatchNorm2d(2, { momentum: 1.5 })).toThrowError(new ms.ValueError("For 'BatchNorm2d', the 'momentum' must be a number in range [0, 1], but got 1.5."));
    expect(() => new nn.BatchNorm2d(2.5)).toThrow(ms.TypeError);
    expect(() => new nn.BatchNorm2d(2)(ops.ones([2, 2]))).toThrow(ms.ValueError);
    expect(() => new nn.BatchNorm1d(3)(ops.ones([2, 2]))).toThrowError(/num_features/);
    expect(() => new nn.BatchNorm2d(2, { gamma_init: new Tensor([1, 2, 3], ms.float32) })).toThrow(ms.ValueError);
  });
  it("repr", () => {
    expect(String(new nn.BatchNorm2d(2))).toBe(
      "BatchNorm2d<num_features=2, eps=1e-05, momentum=0.9, gamma=Parameter (name=gamma, shape=(2,), dtype=Float32, requires_grad=True), beta=Parameter (name=beta, shape=(2,), dtype=Float32, requires_grad=True), moving_mean=Parameter (name=moving_mean, shape=(2,), dtype=Float32, requires_grad=False), moving_variance=Parameter (name=moving_variance, shape=(2,), dtype=Float32, requires_grad=False)>",
    );
  });
});

describe("LayerNorm and GroupNorm", () => {
  it("LayerNorm: MindSpore's epsilon default 1e-7; normalises the trailing axes", () => {
    const ln = new nn.LayerNorm([2]);
    expect(ln.epsilon).toBe(1e-7);
    close(arr(ln(new Tensor([[1, 3], [0, 0]], ms.float32))), [-1, 1, 0, 0], 1e-6);
    expect(() => new nn.LayerNorm(4 as unknown as number[])).toThrow(ms.TypeError);
    expect(() => new nn.LayerNorm([3])(ops.ones([2, 4]))).toThrow(ms.ValueError);
    expect(String(new nn.LayerNorm([3]))).toMatch(/^LayerNorm<normalized_shape=\(3,\), begin_norm_axis=-1, begin_params_axis=-1, gammaParameter \(name=gamma/);
  });
  it("GroupNorm", () => {
    const gn = new nn.GroupNorm(2, 4);
    expect(names(gn)).toEqual(["gamma=gamma", "beta=beta"]);
    const y = arr(gn(ops.reshape(new Tensor([1, 3, 1, 3, 2, 2, 0, 4], ms.float32), [1, 4, 2, 1])));
    // group 0 = [1, 3, 1, 3]: mean 2, variance 1; group 1 = [2, 2, 0, 4]: mean 2, variance 2
    const s = Math.sqrt(1 + 1e-5);
    const s2 = Math.sqrt(2 + 1e-5);
    close(y, [-1 / s, 1 / s, -1 / s, 1 / s, 0, 0, -2 / s2, 2 / s2], 1e-5);
    expect(() => new nn.GroupNorm(3, 4)).toThrowError(new ms.ValueError("For 'GroupNorm', the 'num_channels' must be divided by 'num_groups', but got 'num_channels': 4, 'num_groups': 3."));
    expect(String(gn)).toBe("GroupNorm<num_groups=2, num_channels=4>");
  });
});

describe("Dropout", () => {
  it("identity in evaluation (the default) and for p = 0", () => {
    const x = ops.ones([4, 5]);
    expect(arr(new nn.Dropout()(x))).toEqual(arr(x));
    expect(arr(new nn.Dropout({ p: 0.0 }).set_train()(x))).toEqual(arr(x));
  });
  it("in training zeroes about p of the elements and scales the rest by 1/(1-p)", () => {
    ms.set_seed(5);
    const y = arr(new nn.Dropout({ p: 0.25 }).set_train()(ops.ones([100, 100])));
    const zeros = y.filter((v) => v === 0).length;
    expect(zeros / y.length).toBeGreaterThan(0.22);
    expect(zeros / y.length).toBeLessThan(0.28);
    close(y.filter((v) => v !== 0).slice(0, 10), new Array(10).fill(1 / 0.75));
  });
  it("keep_prob (deprecated) comes first positionally; p defaults to 0.5", () => {
    expect(new nn.Dropout(0.8).p).toBeCloseTo(0.2, 12);
    expect(new nn.Dropout().p).toBe(0.5);
    expect(String(new nn.Dropout({ p: 0.1 }))).toBe("Dropout<p=0.1>");
    expect(() => new nn.Dropout({ p: 1 })).toThrowError(new ms.ValueError("For 'Dropout', the 'p' must be a number in range [0, 1), but got 1."));
    expect(() => new nn.Dropout(0)).toThrowError(new ms.ValueError("For 'Dropout', the 'keep_prob' must be a number in range (0, 1], but got 0."));
    expect(() => new nn.Dropout({ p: "0.1" as unknown as number })).toThrow(ms.TypeError);
  });
});

describe("Embedding", () => {
  it("lookup, embedding_table name, padding row zero at init, and (as MindSpore) still trained", () => {
    const emb = new nn.Embedding(5, 3, { padding_idx: 1 });
    expect(names(emb)).toEqual(["embedding_table=embedding_table"]);
    expect(arr(emb.embedding_table).slice(3, 6)).toEqual([0, 0, 0]);
    const ids = new Tensor([[1, 2], [1, 4]], ms.int32);
    expect(emb(ids).shape).toEqual([2, 2, 3]);
    const g = ms.grad((i: Tensor) => ops.sum(emb(i)), null, [emb.embedding_table])(ids) as Tensor[];
    close(arr(g[0]), [0, 0, 0, 2, 2, 2, 1, 1, 1, 0, 0, 0, 1, 1, 1]);
  });
  it("use_one_hot gives the same rows", () => {
    ms.set_seed(3);
    const a = new nn.Embedding(4, 2);
    const b = new nn.Embedding(4, 2, true, a.embedding_table.value());
    const ids = new Tensor([3, 0, 3], ms.int64);
    close(arr(b(ids)), arr(a(ids)));
  });
  it("bad arguments", () => {
    expect(() => new nn.Embedding(5, 3, { padding_idx: 5 })).toThrowError(new ms.ValueError("For 'Embedding', the 'padding_idx' must be in range [0, 5), but got 5."));
    expect(() => new nn.Embedding(0, 3)).toThrow(ms.ValueError);
    expect(() => new nn.Embedding(5, 3)(ops.ones([2]))).toThrow(ms.TypeError);
  });
});

describe("activations", () => {
  it("LeakyReLU's MindSpore default slope is 0.2", () => {
    close(arr(new nn.LeakyReLU()(new Tensor([-1, 2], ms.float32))), [-0.2, 2]);
    close(arr(nn.get_activation("leakyrelu")(new Tensor([-5], ms.float32))), [-1]);
  });
  it("Softmax / LogSoftmax along an axis", () => {
    const x = new Tensor([[0, Math.log(3)]], ms.float32);
    close(arr(new nn.Softmax()(x)), [0.25, 0.75]);
    close(arr(new nn.Softmax(0)(x)), [1, 1]);
    close(arr(new nn.LogSoftmax(1)(x)), [Math.log(0.25), Math.log(0.75)]);
  });
});

describe("RNN, LSTM, GRU", () => {
  it("LSTM: parameter names in MindSpore's order; (output, (h_n, c_n)) shapes", () => {
    const lstm = new nn.LSTM(3, 4, { num_layers: 2, bidirectional: true });
    expect(lstm.parameters_and_names().map(([n]) => n)).toEqual([
      "weight_ih_l0", "weight_ih_l0_reverse", "weight_ih_l1", "weight_ih_l1_reverse",
      "weight_hh_l0", "weight_hh_l0_reverse", "weight_hh_l1", "weight_hh_l1_reverse",
      "bias_ih_l0", "bias_ih_l0_reverse", "bias_ih_l1", "bias_ih_l1_reverse",
      "bias_hh_l0", "bias_hh_l0_reverse", "bias_hh_l1", "bias_hh_l1_reverse",
    ]);
    expect(lstm.w_ih_list[2].shape).toEqual([16, 8]);
    const [out, [h, c]] = lstm(ops.ones([5, 2, 3])) as [Tensor, [Tensor, Tensor]];
    expect(out.shape).toEqual([5, 2, 8]);
    expect(h.shape).toEqual([4, 2, 4]);
    expect(c.shape).toEqual([4, 2, 4]);
  });
  it("initialised U(-1/sqrt(hidden), 1/sqrt(hidden))", () => {
    ms.set_seed(1);
    const gru = new nn.GRU(2, 16);
    const w = arr(gru.w_hh_list[0]);
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.2);
  });
  it("GRU / RNN: (output, h_n); batch_first; the last output is h_n", () => {
    const gru = new nn.GRU(3, 4, { batch_first: true });
    const [out, h] = gru(ops.ones([2, 5, 3])) as [Tensor, Tensor];
    expect(out.shape).toEqual([2, 5, 4]);
    close(arr(h), arr(out).filter((_, i) => Math.floor(i / 4) % 5 === 4));
    const rnn = new nn.RNN(3, 2, { nonlinearity: "relu", has_bias: false });
    expect(rnn.parameters_and_names().map(([n]) => n)).toEqual(["weight_ih_l0", "weight_hh_l0"]);
    expect(arr((rnn(ops.ones([4, 1, 3])) as Tensor[])[0]).every((v) => v >= 0)).toBe(true);
  });
  it("seq_length: steps past a sequence's end output zeros and keep the state", () => {
    const rnn = new nn.RNN(1, 2);
    const x = ops.ones([4, 2, 1]);
    const [out, h] = rnn(x, null, new Tensor([2, 4], ms.int32)) as [Tensor, Tensor];
    const o = arr(out);
    expect(o.slice(8, 10)).toEqual([0, 0]); // t = 2, batch 0
    close(arr(h).slice(0, 2), o.slice(4, 6)); // h of batch 0 is its output at t = 1
  });
  it("dropout between layers only in training", () => {
    ms.set_seed(4);
    const lstm = new nn.LSTM(2, 3, { num_layers: 2, dropout: 0.5 });
    const x = ops.ones([3, 2, 2]);
    const a = arr((lstm(x) as Tensor[])[0]);
    expect(arr((lstm(x) as Tensor[])[0])).toEqual(a);
    lstm.set_train();
    expect(arr((lstm(x) as Tensor[])[0])).not.toEqual(a);
  });
  it("bad arguments", () => {
    expect(() => new nn.LSTM(3, 0)).toThrow(ms.ValueError);
    expect(() => new nn.LSTM(3, 4, { dropout: 1 })).toThrow(ms.ValueError);
    expect(() => new nn.RNN(3, 4, { nonlinearity: "sigmoid" })).toThrowError(new ms.ValueError("For 'RNN', the 'nonlinearity' must be in ['tanh', 'relu'], but got sigmoid."));
    const lstm = new nn.LSTM(3, 4);
    expect(() => lstm(ops.ones([5, 2, 3]), ops.zeros([1, 2, 4]))).toThrow(ms.TypeError);
    expect(() => lstm(ops.ones([5, 2, 3]), [ops.zeros([1, 3, 4]), ops.zeros([1, 3, 4])])).toThrow(ms.ValueError);
    expect(() => lstm(ops.ones([5, 2]))).toThrow(ms.ValueError);
    expect(() => lstm(ops.ones([5, 2, 2]))).toThrowError(/input_size/);
    expect(() => new nn.GRU(3, 4)(ops.ones([5, 2, 3]), null, new Tensor([5, 5, 5], ms.int32))).toThrow(ms.ValueError);
  });
});

describe("MultiheadAttention and TransformerEncoderLayer", () => {
  it("MultiheadAttention: parameter names, weights averaged over heads summing to 1, need_weights=False gives a 1-tuple", () => {
    const mha = new nn.MultiheadAttention(4, 2);
    expect(mha.parameters_and_names().map(([n]) => n)).toEqual(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]);
    const q = ops.randn([3, 2, 4]);
    const [out, w] = mha(q, q, q) as Tensor[];
    expect(out.shape).toEqual([3, 2, 4]);
    expect(w.shape).toEqual([2, 3, 3]);
    close(arr(ops.sum(w, -1)), new Array(6).fill(1), 1e-5);
    const only = mha(q, q, q, { need_weights: false }) as Tensor[];
    expect(only.length).toBe(1);
    const perHead = mha(q, q, q, { average_attn_weights: false }) as Tensor[];
    expect(perHead[1].shape).toEqual([2, 2, 3, 3]);
    expect(() => new nn.MultiheadAttention(5, 2)).toThrowError(new ms.ValueError("The init argument 'embed_dim' must be divisible by 'num_heads'."));
  });
  it("a True in a boolean attn_mask blocks attention", () => {
    const mha = new nn.MultiheadAttention(2, 1);
    const x = ops.randn([2, 1, 2]);
    const mask = new Tensor([[false, true], [false, false]]);
    const [, w] = mha(x, x, x, { attn_mask: mask }) as Tensor[];
    expect(arr(w)[1]).toBe(0);
    close([arr(w)[0]], [1]);
  });
  it("TransformerEncoderLayer: MindSpore's sub-cell names; shape preserved; bad activation", () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, 8, { dropout: 0.0 });
    expect(layer.parameters_and_names().map(([n]) => n)).toEqual([
      "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
      "dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias", "norm1.gamma", "norm1.beta", "norm2.gamma", "norm2.beta",
    ]);
    expect(layer(ops.randn([3, 2, 4])).shape).toEqual([3, 2, 4]);
    expect(new nn.TransformerEncoderLayer(4, 2, 8, { activation: new nn.GELU(), batch_first: true })(ops.randn([2, 3, 4])).shape).toEqual([2, 3, 4]);
    expect(() => new nn.TransformerEncoderLayer(4, 2, 8, { activation: "tanh" })).toThrow(ms.ValueError);
    expect(() => new nn.TransformerEncoderLayer(4, 2, 8, { activation: new nn.Tanh() })).toThrow(ms.ValueError);
  });
});

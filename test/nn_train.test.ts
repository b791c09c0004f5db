/**
 * End-to-end training with the MindSpore idiom
 *   grad_fn = value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)
 *   (loss, _), grads = grad_fn(data, label); optimizer(grads)
 * on small synthetic problems: a CNN (Conv2d, BatchNorm2d, ReLU, MaxPool2d,
 * Flatten, Dense) and an LSTM classifier, plus the same CNN through
 * WithLossCell + TrainOneStepCell. Each must cut its loss by a stated factor.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { Tensor, nn, ops } from "../src/index.js";

/** Deterministic uniform [0, 1) numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 8x8 one-channel images of three classes: horizontal stripes, vertical stripes, a centred square; plus noise. */
function imageBatch(n: number, seed: number): [Tensor, Tensor] {
  const r = rng(seed);
  const data = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    const cls = s % 3;
    labels.push(cls);
    const phase = Math.floor(r() * 2);
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let v = 0;
        if (cls === 0) v = (i + phase) % 2;
        else if (cls === 1) v = (j + phase) % 2;
        else v = i >= 2 && i < 6 && j >= 2 && j < 6 ? 1 : 0;
        data[s * 64 + i * 8 + j] = v + 1.6 * (r() - 0.5);
      }
    }
  }
  return [ops.reshape(new Tensor(data), [n, 1, 8, 8]), new Tensor(labels, ms.int32)];
}

/** Sequences of length 8: class 0 rises, class 1 falls, class 2 peaks in the middle; noisy. */
function sequenceBatch(n: number, seed: number): [Tensor, Tensor] {
  const r = rng(seed);
  const T = 8;
  const data = new Float32Array(n * T);
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    const cls = s % 3;
    labels.push(cls);
    const offset = r() - 0.5;
    for (let t = 0; t < T; t++) {
      const u = t / (T - 1);
      const shape = cls === 0 ? u : cls === 1 ? 1 - u : 1 - Math.abs(2 * u - 1);
      data[s * T + t] = shape + offset + 0.8 * (r() - 0.5);
    }
  }
  return [ops.reshape(new Tensor(data), [n, T, 1]), new Tensor(labels, ms.int32)];
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function makeCNN(): nn.SequentialCell {
  return new nn.SequentialCell([
    new nn.Conv2d(1, 4, 3, { has_bias: true }),
    new nn.BatchNorm2d(4),
    new nn.ReLU(),
    new nn.MaxPool2d({ kernel_size: 2, stride: 2 }),
    new nn.Flatten(),
    new nn.Dense(4 * 4 * 4, 3),
  ]);
}

function accuracy(logits: Tensor, labels: Tensor): number {
  const pred = ops.argmax(logits, -1).asnumpy().data;
  const y = labels.asnumpy().data;
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (Number(pred[i]) === Number(y[i])) ok++;
  return ok / y.length;
}

describe("training a small CNN", () => {
  it("value_and_grad + Adam on minibatches: the loss falls 20x in 200 steps, and eval mode (moving statistics) classifies held-out data", () => {
    ms.set_seed(1);
    const net = makeCNN();
    expect(net.parameters_and_names().map(([n]) => n)).toEqual([
      "0.weight", "0.bias", "1.moving_mean", "1.moving_variance", "1.gamma", "1.beta", "5.weight", "5.bias",
    ]);
    const loss_fn = new nn.CrossEntropyLoss();
    const optimizer = new nn.Adam(net.trainable_params(), 0.005);
    expect(optimizer.parameters.length).toBe(6);
    const forward_fn = (data: Tensor, label: Tensor) => {
      const logits = net(data);
      return [loss_fn(logits, label), logits];
    };
    const grad_fn = ms.value_and_grad(forward_fn, null, optimizer.parameters, true);
    const batches = Array.from({ length: 10 }, (_, i) => imageBatch(16, 100 + i));
    net.set_train();
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const [x, y] = batches[step % batches.length];
      const [[loss], grads] = grad_fn(x, y);
      optimizer(grads);
      losses.push(loss.item() as number);
    }
    const first = losses[0];
    const last = mean(losses.slice(-10));
    expect(first).toBeGreaterThan(0.8);
    expect(last).toBeLessThan(first / 20);
    // BatchNorm tracked statistics while training; evaluation uses them
    const bn = net.getitem(1) as nn.BatchNorm2d;
    expect(Math.abs(bn.moving_mean.asnumpy().data[0] as number)).toBeGreaterThan(0);
    net.set_train(false);
    const [xt, yt] = imageBatch(30, 99);
    expect(accuracy(net(xt), yt)).toBeGreaterThanOrEqual(0.9);
  });

  it("WithLossCell + TrainOneStepCell + SGD(momentum): the loss falls 10x in 100 steps", () => {
    ms.set_seed(2);
    const net = makeCNN();
    const with_loss = new nn.WithLossCell(net, new nn.CrossEntropyLoss());
    // wrapping does not rename parameters (auto_prefix=False)
    expect(with_loss.trainable_params().map((p) => p.name)).toEqual(["0.weight", "0.bias", "1.gamma", "1.beta", "5.weight", "5.bias"]);
    const opt = new nn.SGD(net.trainable_params(), 0.02, 0.9);
    const train = new nn.TrainOneStepCell(with_loss, opt);
    train.set_train();
    const batches = Array.from({ length: 10 }, (_, i) => imageBatch(16, 300 + i));
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) losses.push((train(...batches[step % batches.length]) as Tensor).item() as number);
    expect(losses[0]).toBeGreaterThan(0.8);
    expect(mean(losses.slice(-10))).toBeLessThan(losses[0] / 10);
  });
});

class LSTMClassifier extends nn.Cell {
  lstm = new nn.LSTM(1, 12, { batch_first: true });
  fc = new nn.Dense(12, 3);
  construct(x: Tensor): Tensor {
    const [, [h_n]] = this.lstm(x) as [Tensor, [Tensor, Tensor]];
    return this.fc(ops.squeeze(h_n, 0));
  }
}

describe("training an LSTM classifier", () => {
  it("value_and_grad + Adam on minibatches: the loss falls 20x in 200 steps and held-out sequences are classified", () => {
    ms.set_seed(3);
    const net = new LSTMClassifier();
    expect(net.parameters_and_names().map(([n]) => n)).toEqual([
      "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0", "fc.weight", "fc.bias",
    ]);
    const loss_fn = new nn.CrossEntropyLoss();
    const optimizer = new nn.Adam(net.trainable_params(), 0.01);
    const forward_fn = (data: Tensor, label: Tensor) => {
      const logits = net(data);
      return [loss_fn(logits, label), logits];
    };
    const grad_fn = ms.value_and_grad(forward_fn, null, optimizer.parameters, true);
    const batches = Array.from({ length: 8 }, (_, i) => sequenceBatch(24, 200 + i));
    net.set_train();
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const [x, y] = batches[step % batches.length];
      const [[loss], grads] = grad_fn(x, y);
      optimizer(grads);
      losses.push(loss.item() as number);
    }
    const first = losses[0];
    expect(first).toBeGreaterThan(0.9);
    expect(mean(losses.slice(-10))).toBeLessThan(first / 20);
    net.set_train(false);
    const [xt, yt] = sequenceBatch(30, 12);
    expect(accuracy(net(xt), yt)).toBeGreaterThanOrEqual(0.9);
  });
});

describe("TrainOneStepCell details", () => {
  const build = () => {
    ms.set_seed(9);
    const net = new nn.Dense(3, 2);
    return { net, with_loss: new nn.WithLossCell(net, new nn.MSELoss()) };
  };
  const x = new Tensor([[1, 2, 3], [0, -1, 1]], ms.float32);
  const y = new Tensor([[1, 0], [0, 1]], ms.float32);

  it("sens scales the gradients; return_grad gives them by parameter name; the optimizer is applied", () => {
    const a = build();
    const b = build();
    const lr = 0.1;
    const stepA = new nn.TrainOneStepCell(a.with_loss, new nn.SGD(a.net.trainable_params(), lr), null, true);
    const stepB = new nn.TrainOneStepCell(b.with_loss, new nn.SGD(b.net.trainable_params(), lr), 2.0, true);
    const w0 = Array.from(a.net.weight.asnumpy().data as Float32Array);
    const [lossA, gradsA] = stepA(x, y) as [Tensor, Map<string, Tensor>];
    const [lossB, gradsB] = stepB(x, y) as [Tensor, Map<string, Tensor>];
    expect(lossA.item()).toBeCloseTo(lossB.item() as number, 6);
    expect([...gradsA.keys()]).toEqual(["weight", "bias"]);
    const gA = Array.from(gradsA.get("weight")!.asnumpy().data as Float32Array);
    const gB = Array.from(gradsB.get("weight")!.asnumpy().data as Float32Array);
    gA.forEach((g, i) => expect(gB[i]).toBeCloseTo(2 * g, 5));
    // plain SGD: w1 = w0 - lr * g
    const w1 = Array.from(a.net.weight.asnumpy().data as Float32Array);
    w1.forEach((w, i) => expect(w).toBeCloseTo(w0[i] - lr * gA[i], 5));
  });
  it("WithLossCell exposes backbone_network; bad arguments", () => {
    const { net, with_loss } = build();
    expect(with_loss.backbone_network).toBe(net);
    expect(() => new nn.TrainOneStepCell(with_loss, new nn.SGD(net.trainable_params()), 0)).toThrowError(new ms.ValueError("The input argument of 'sens' can not be 0."));
    expect(() => new nn.TrainOneStepCell(with_loss, {} as never)).toThrow(ms.TypeError);
    expect(() => new nn.WithLossCell({} as never, new nn.MSELoss())).toThrow(ms.TypeError);
  });
});

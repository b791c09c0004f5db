// Trains the digits CNN with mindspore-ts inside a Web Worker, the MindSpore way.
import * as ms from "mindspore-ts";
import { DigitsCNN } from "../../src/models/digits.js";
import { stratifiedSplit } from "../../src/data/split.js";
import digitsUrl from "../../data/digits.csv.gz?url";
import type { FromWorker, ToWorker } from "./protocol.js";

const { nn, ops, Tensor } = ms;
const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
let net: DigitsCNN | null = null;

async function loadDigits(): Promise<{ x: number[][]; y: number[] }> {
  const bytes = new Uint8Array(await (await fetch(digitsUrl)).arrayBuffer());
  // some servers send .gz files with Content-Encoding: gzip (the browser already inflated them)
  const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
  const text = gz ? await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).text() : new TextDecoder().decode(bytes);
  const rows = text.trim().split("\n").map((l) => l.split(",").map(Number));
  return { x: rows.map((r) => r.slice(0, 64).map((v) => v / 16)), y: rows.map((r) => r[64]) };
}

function batch(x: number[][], y: number[], idx: number[]): [ms.Tensor, ms.Tensor] {
  const data = new Float32Array(idx.length * 64);
  idx.forEach((r, i) => data.set(x[r], i * 64));
  return [ops.reshape(new Tensor(data), [idx.length, 64]), new Tensor(Int32Array.from(idx, (r) => y[r]))];
}

async function train(epochs: number, seed: number): Promise<void> {
  const t0 = performance.now();
  post({ type: "status", text: "loading data…" });
  const { x, y } = await loadDigits();
  const { train: trainIdx, test: testIdx } = stratifiedSplit(y, 0.2, seed);
  ms.set_seed(seed);
  net = new DigitsCNN([1, 8, 8], 10);
  const model = net;
  const loss_fn = new nn.CrossEntropyLoss();
  const optimizer = new nn.Adam(model.trainable_params(), 0.005);
  function forward_fn(data: ms.Tensor, label: ms.Tensor) {
    const logits = model(data);
    return [loss_fn(logits, label), logits];
  }
  const grad_fn = ms.value_and_grad(forward_fn, null, optimizer.parameters, true);
  const batchSize = 32;
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.set_train(true);
    const order = stratifiedSplit(trainIdx.map((i) => y[i]), 0, seed + epoch).train.map((k) => trainIdx[k]);
    for (let s = 0; s < order.length; s += batchSize) {
      const [bx, by] = batch(x, y, order.slice(s, s + batchSize));
      const [[loss], grads] = grad_fn(bx, by);
      optimizer(grads);
      post({ type: "loss", step: ++step, loss: Number(loss.item()) });
    }
    model.set_train(false);
    const [tx] = batch(x, y, testIdx);
    const pred = ops.argmax(model(tx), 1).tolist() as number[];
    const acc = pred.filter((p, i) => p === y[testIdx[i]]).length / testIdx.length;
    post({ type: "epoch", epoch, epochs, testAccuracy: acc });
    if (epoch === epochs) post({ type: "done", testAccuracy: acc, seconds: (performance.now() - t0) / 1000, backend: ms.get_backend() });
  }
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  try {
    if (e.data.type === "train") await train(e.data.epochs, e.data.seed);
    else if (e.data.type === "predict") {
      if (!net) throw new Error("the model is not trained yet");
      net.set_train(false);
      const input = ops.reshape(new Tensor(Float32Array.from(e.data.pixels, (v) => v / 16)), [1, 64]);
      const probs = (ops.softmax(net(input), -1).tolist() as number[][])[0];
      post({ type: "prediction", digit: probs.indexOf(Math.max(...probs)), probabilities: probs });
    }
  } catch (err) {
    post({ type: "error", message: String((err as Error).stack ?? err) });
  }
};

/**
 * The training job, written the MindSpore way: a Cell network, a loss Cell, an
 * optimizer, value_and_grad over optimizer.parameters with has_aux, and
 * optimizer(grads). README shows the loop as the example to copy.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as ms from "../index.js";
import { BUNDLED, loadBundled, loadCsv, standardizer, stratifiedSplit, type BundledName, type Dataset } from "../data/csv.js";
import { buildModel, type ModelKind, type ModelSpec } from "../models/digits.js";
import { epochProgress } from "./progress.js";
import { confusionText, writeReport, type EpochRecord, type RunMetrics } from "./report.js";

const { nn, ops, Tensor } = ms;
type Tensor = ms.Tensor;

export const DATA_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "data");

export interface TrainOptions {
  data: string;
  label: string | null;
  model: ModelKind | null;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: "sgd" | "momentum" | "adam";
  seed: number;
  out: string | null;
  testFraction: number;
}

/** Everything needed to rebuild the model and its input pipeline next to a checkpoint. */
export interface ModelCard {
  data: string;
  label: string | null;
  seed: number;
  testFraction: number;
  spec: ModelSpec;
  classNames: string[];
  featureNames: string[];
  /** input scaling: x' = (x - mean) / std */
  mean: number[];
  std: number[];
}

export function loadDataset(data: string, label: string | null): Dataset {
  return (BUNDLED as readonly string[]).includes(data) ? loadBundled(data as BundledName, DATA_DIR) : loadCsv(data, label);
}

/** Digits pixels are 0..16 and scale by 1/16; tabular features are standardised on the training rows. */
export function scalingFor(ds: Dataset, trainIdx: readonly number[]): { mean: number[]; std: number[] } {
  const d = ds.features[0].length;
  if (ds.imageShape) return { mean: new Array(d).fill(0), std: new Array(d).fill(16) };
  return standardizer(trainIdx.map((i) => ds.features[i]));
}

/** Rows `idx` of the data set as a float32 batch and int32 labels. */
export function batchOf(ds: Dataset, idx: readonly number[], card: Pick<ModelCard, "mean" | "std">): [Tensor, Tensor] {
  const d = ds.features[0].length;
  const x = new Float32Array(idx.length * d);
  idx.forEach((r, i) => ds.features[r].forEach((v, j) => (x[i * d + j] = (v - card.mean[j]) / card.std[j])));
  const y = Int32Array.from(idx, (r) => ds.labels[r]);
  return [ops.reshape(new Tensor(x), [idx.length, d]), new Tensor(y)];
}

function makeOptimizer(kind: TrainOptions["optimizer"], params: ms.Parameter[], lr: number): any {
  if (kind === "sgd") return new nn.SGD(params, lr);
  if (kind === "momentum") return new nn.Momentum(params, lr, 0.9);
  return new nn.Adam(params, lr);
}

/** Accuracy, mean loss and predictions of `net` on rows `idx`, in evaluation mode. */
export function evaluate(net: ms.nn.Cell, loss_fn: ms.nn.Cell, ds: Dataset, idx: readonly number[], card: ModelCard) {
  net.set_train(false);
  const [x, y] = batchOf(ds, idx, card);
  const logits = net(x) as Tensor;
  const loss = Number((loss_fn(logits, y) as Tensor).item());
  const pred = ops.argmax(logits, 1).tolist() as number[];
  const correct = pred.filter((p, i) => p === ds.labels[idx[i]]).length;
  return { loss, accuracy: correct / idx.length, pred };
}

export function confusionMatrix(labels: readonly number[], pred: readonly number[], classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  labels.forEach((l, i) => m[l][pred[i]]++);
  return m;
}

export async function train(opts: TrainOptions, log: (s: string) => void = (s) => process.stdout.write(s + "\n")): Promise<RunMetrics & { outDir: string }> {
  const started = performance.now();
  const ds = loadDataset(opts.data, opts.label);
  const { train: trainIdx, test: testIdx } = stratifiedSplit(ds.labels, opts.testFraction, opts.seed);
  const kind: ModelKind = opts.model ?? (ds.imageShape ? "cnn" : "mlp");
  const spec: ModelSpec = { kind, inputs: ds.features[0].length, classes: ds.classNames.length, imageShape: ds.imageShape, hidden: 128 };
  const card: ModelCard = { data: opts.data, label: opts.label, seed: opts.seed, testFraction: opts.testFraction, spec, classNames: ds.classNames, featureNames: ds.featureNames, ...scalingFor(ds, trainIdx) };
  log(`data: ${ds.name} (${ds.features.length} samples, ${spec.inputs} features, ${spec.classes} classes): ${trainIdx.length} train / ${testIdx.length} test`);
  log(`model: ${kind}, optimizer: ${opts.optimizer} lr=${opts.lr}, epochs: ${opts.epochs}, batch size: ${opts.batchSize}, seed: ${opts.seed}, backend: ${ms.get_backend()}`);

  ms.set_seed(opts.seed);
  const net = buildModel(spec);
  const loss_fn = new nn.CrossEntropyLoss();
  const optimizer = makeOptimizer(opts.optimizer, net.trainable_params(), opts.lr);

  // --- the MindSpore training idiom ---
  function forward_fn(data: Tensor, label: Tensor) {
    const logits = net(data);
    const loss = loss_fn(logits, label);
    return [loss, logits];
  }
  const grad_fn = ms.value_and_grad(forward_fn, null, optimizer.parameters, true);
  // compiled once per batch shape (MindSpore's @jit): the gradient and the update run as one graph
  const train_step = ms.jit(function train_step(data: Tensor, label: Tensor): [Tensor, Tensor] {
    const [[loss, logits], grads] = grad_fn(data, label);
    optimizer(grads);
    return [loss, logits];
  });
  // ------------------------------------

  const history: EpochRecord[] = [];
  let order = [...trainIdx];
  let samples = 0;
  let trainSeconds = 0;
  for (let epoch = 1; epoch <= opts.epochs; epoch++) {
    const t0 = performance.now();
    order = stratifiedSplit(order.map((i) => ds.labels[i]), 0, opts.seed + epoch).train.map((k) => order[k]);
    const steps = Math.ceil(order.length / opts.batchSize);
    const bar = epochProgress(epoch, opts.epochs, steps);
    let lossSum = 0;
    let correct = 0;
    net.set_train(true);
    for (let s = 0; s < steps; s++) {
      const idx = order.slice(s * opts.batchSize, (s + 1) * opts.batchSize);
      const [x, y] = batchOf(ds, idx, card);
      const [loss, logits] = train_step(x, y);
      const l = Number(loss.item());
      lossSum += l * idx.length;
      const pred = ops.argmax(logits, 1).tolist() as number[];
      correct += pred.filter((p, i) => p === ds.labels[idx[i]]).length;
      samples += idx.length;
      bar.update(s + 1, lossSum / Math.min(order.length, (s + 1) * opts.batchSize), ((s + 1) * opts.batchSize * 1000) / (performance.now() - t0));
    }
    bar.stop();
    trainSeconds += (performance.now() - t0) / 1000;
    const ev = evaluate(net, loss_fn, ds, testIdx, card);
    const rec: EpochRecord = { epoch, train_loss: lossSum / order.length, test_loss: ev.loss, train_accuracy: correct / order.length, test_accuracy: ev.accuracy, seconds: (performance.now() - t0) / 1000 };
    history.push(rec);
    log(`epoch ${epoch}/${opts.epochs}: train loss ${rec.train_loss.toFixed(4)}, train acc ${(rec.train_accuracy * 100).toFixed(2)}%, test loss ${rec.test_loss.toFixed(4)}, test acc ${(rec.test_accuracy * 100).toFixed(2)}% (${rec.seconds.toFixed(1)} s)`);
  }

  const final = evaluate(net, loss_fn, ds, testIdx, card);
  const cm = confusionMatrix(testIdx.map((i) => ds.labels[i]), final.pred, spec.classes);
  const outDir = resolve(opts.out ?? join("runs", new Date().toISOString().replace(/[:.]/g, "-")));
  mkdirSync(outDir, { recursive: true });
  ms.save_checkpoint(net, join(outDir, "model.ckpt"));
  writeFileSync(join(outDir, "model.json"), JSON.stringify(card, null, 2));
  const metrics: RunMetrics = {
    dataset: ds.name,
    model: kind,
    optimizer: opts.optimizer,
    epochs: opts.epochs,
    batch_size: opts.batchSize,
    learning_rate: opts.lr,
    seed: opts.seed,
    train_size: trainIdx.length,
    test_size: testIdx.length,
    class_names: ds.classNames,
    history,
    test_accuracy: final.accuracy,
    confusion_matrix: cm,
    seconds: (performance.now() - started) / 1000,
    samples_per_second: samples / trainSeconds,
    backend: ms.get_backend(),
  };
  await writeReport(outDir, metrics);
  log(`\ntest accuracy: ${(final.accuracy * 100).toFixed(2)}%\nconfusion matrix (rows: actual, columns: predicted):\n${confusionText(cm, ds.classNames)}`);
  log(`\nwrote ${outDir}/{model.ckpt, model.json, metrics.json, loss.svg, accuracy.svg, confusion_matrix.svg, index.html} in ${metrics.seconds.toFixed(1)} s`);
  return { ...metrics, outDir };
}

/** Rebuild a trained model from its checkpoint and the model.json beside it. */
export function loadTrained(ckpt: string): { net: ms.nn.Cell; card: ModelCard } {
  const cardPath = join(dirname(ckpt), "model.json");
  if (!existsSync(ckpt)) throw new ms.ValueError(`The checkpoint '${ckpt}' does not exist.`);
  if (!existsSync(cardPath)) throw new ms.ValueError(`'${cardPath}' is missing: it describes the model saved in '${ckpt}'.`);
  const card = JSON.parse(readFileSync(cardPath, "utf8")) as ModelCard;
  const net = buildModel(card.spec);
  ms.load_param_into_net(net, ms.load_checkpoint(ckpt));
  return { net, card };
}

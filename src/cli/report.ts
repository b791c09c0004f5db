/**
 * The run's report: loss/accuracy curves and the confusion matrix as SVG
 * (drawn by Vega-Lite, rendered headless), metrics.json, and an index.html
 * that shows them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export interface EpochRecord {
  epoch: number;
  train_loss: number;
  test_loss: number;
  train_accuracy: number;
  test_accuracy: number;
  seconds: number;
}

export interface RunMetrics {
  dataset: string;
  model: string;
  optimizer: string;
  epochs: number;
  batch_size: number;
  learning_rate: number;
  seed: number;
  train_size: number;
  test_size: number;
  class_names: string[];
  history: EpochRecord[];
  test_accuracy: number;
  confusion_matrix: number[][];
  seconds: number;
  samples_per_second: number;
  backend: string;
}

async function toSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** Train and test curves of one metric per epoch. */
function curveSpec(title: string, h: readonly EpochRecord[], metric: "loss" | "accuracy"): TopLevelSpec {
  const key = (split: "train" | "test") => `${split}_${metric}` as const;
  const y =
    metric === "accuracy"
      ? { field: metric, type: "quantitative" as const, scale: { domain: [0, 1] }, axis: { format: "%" } }
      : { field: metric, type: "quantitative" as const, scale: { zero: false } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title,
    width: 420,
    height: 260,
    data: { values: h.flatMap((r) => (["train", "test"] as const).map((split) => ({ epoch: r.epoch, split, [metric]: r[key(split)] }))) },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { tickMinStep: 1 } },
      y,
      color: { field: "split", type: "nominal" },
    },
  };
}

export const lossSpec = (h: readonly EpochRecord[]) => curveSpec("Loss", h, "loss");
export const accuracySpec = (h: readonly EpochRecord[]) => curveSpec("Accuracy", h, "accuracy");

/** Confusion matrix as a heat map with counts. */
export function confusionSpec(m: readonly number[][], names: readonly string[]): TopLevelSpec {
  const values = m.flatMap((row, i) => row.map((count, j) => ({ actual: names[i], predicted: names[j], count })));
  const enc = {
    x: { field: "predicted", type: "ordinal" as const, sort: [...names] },
    y: { field: "actual", type: "ordinal" as const, sort: [...names] },
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: "Confusion matrix (test set)",
    width: 30 * names.length + 60,
    height: 30 * names.length + 60,
    data: { values },
    layer: [
      { mark: "rect", encoding: { ...enc, color: { field: "count", type: "quantitative", scale: { scheme: "blues" } } } },
      { mark: { type: "text", fontSize: 11 }, encoding: { ...enc, text: { field: "count", type: "quantitative" } } },
    ],
  };
}

/** Confusion matrix as text rows (actual) and columns (predicted), for the terminal. */
export function confusionText(m: readonly number[][], names: readonly string[]): string {
  const w = Math.max(5, ...names.map((n) => n.length), ...m.flat().map((v) => String(v).length)) + 1;
  const pad = (s: string) => s.padStart(w);
  const head = pad("") + names.map(pad).join("");
  return [head, ...m.map((row, i) => pad(names[i]) + row.map((v) => pad(String(v))).join(""))].join("\n");
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

/** Write metrics.json, the three SVGs and index.html into `dir`. */
export async function writeReport(dir: string, metrics: RunMetrics): Promise<string[]> {
  const files: [string, string][] = [
    ["loss.svg", await toSvg(lossSpec(metrics.history))],
    ["accuracy.svg", await toSvg(accuracySpec(metrics.history))],
    ["confusion_matrix.svg", await toSvg(confusionSpec(metrics.confusion_matrix, metrics.class_names))],
    ["metrics.json", JSON.stringify(metrics, null, 2)],
  ];
  const rows = [
    ["data set", metrics.dataset],
    ["model", metrics.model],
    ["optimizer", `${metrics.optimizer}, lr ${metrics.learning_rate}`],
    ["epochs / batch", `${metrics.epochs} / ${metrics.batch_size}`],
    ["train / test samples", `${metrics.train_size} / ${metrics.test_size}`],
    ["test accuracy", `${(metrics.test_accuracy * 100).toFixed(2)}%`],
    ["time", `${metrics.seconds.toFixed(1)} s (${Math.round(metrics.samples_per_second)} samples/s, backend ${metrics.backend})`],
    ["seed", String(metrics.seed)],
  ];
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mindspore-ts run: ${escapeHtml(metrics.dataset)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td{padding:2px 12px 2px 0}
.figs{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}</style></head>
<body><h1>mindspore-ts training run</h1>
<table>${rows.map(([k, v]) => `<tr><td><b>${escapeHtml(k)}</b></td><td>${escapeHtml(v)}</td></tr>`).join("")}</table>
<div class="figs"><img src="loss.svg" alt="loss curves"><img src="accuracy.svg" alt="accuracy curves"><img src="confusion_matrix.svg" alt="confusion matrix"></div>
<p>Checkpoint: <code>model.ckpt</code> (MindSpore format) · metrics: <a href="metrics.json">metrics.json</a></p>
</body></html>
`;
  files.push(["index.html", html]);
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return files.map(([n]) => n);
}

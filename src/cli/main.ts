#!/usr/bin/env node
/**
 * The `mindspore-ts` command: train, eval and predict on the bundled data sets
 * or a CSV of your own. `npm start` runs `mindspore-ts train` with defaults.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { readFileSync, existsSync } from "node:fs";
import * as ms from "../index.js";
import { BUNDLED } from "../data/csv.js";
import { batchOf, confusionMatrix, evaluate, loadDataset, loadTrained, train } from "./train.js";
import { confusionText } from "./report.js";
import { stratifiedSplit } from "../data/csv.js";

const positiveInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer.`);
  return n;
};
const positiveNumber = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive number.`);
  return n;
};

const program = new Command();
program.name("mindspore-ts").description("Train, evaluate and use models with mindspore-ts (MindSpore's API in TypeScript).");

program
  .command("train")
  .description("train a model and write a checkpoint, metrics and a report")
  .option("--data <name|path.csv>", `data set: ${BUNDLED.join(", ")}, or a CSV file`, "digits")
  .option("--label <column>", "label column of a CSV (default: the last column)")
  .addOption(new Option("--model <kind>", "model (default: cnn for digits, mlp otherwise)").choices(["cnn", "mlp"]))
  .option("--epochs <n>", "epochs", positiveInt("--epochs"))
  .option("--batch-size <n>", "batch size", positiveInt("--batch-size"), 32)
  .option("--lr <rate>", "learning rate", positiveNumber("--lr"))
  .addOption(new Option("--optimizer <name>", "optimizer").choices(["sgd", "momentum", "adam"]).default("adam"))
  .option("--seed <n>", "random seed (split, initialisation, shuffling)", (v) => Number(v), 0)
  .option("--test-fraction <f>", "share of each class held out for testing", positiveNumber("--test-fraction"), 0.2)
  .option("--out <dir>", "output folder (default: runs/<timestamp>)")
  .action(async (o) => {
    const isDigits = o.data === "digits";
    await train({
      data: o.data,
      label: o.label ?? null,
      model: o.model ?? null,
      epochs: o.epochs ?? (isDigits ? 8 : 60),
      batchSize: o.batchSize,
      lr: o.lr ?? (o.optimizer === "sgd" ? 0.1 : o.optimizer === "momentum" ? 0.02 : 0.005),
      optimizer: o.optimizer,
      seed: o.seed,
      out: o.out ?? null,
      testFraction: o.testFraction,
    });
  });

program
  .command("eval")
  .description("evaluate a saved model on the test split it was trained with (or on --data)")
  .requiredOption("--ckpt <file>", "checkpoint written by `train` (model.json must sit beside it)")
  .option("--data <name|path.csv>", "data set to evaluate on (default: the one it was trained on)")
  .action((o) => {
    const { net, card } = loadTrained(o.ckpt);
    const ds = loadDataset(o.data ?? card.data, card.label);
    const idx = o.data ? ds.labels.map((_, i) => i) : stratifiedSplit(ds.labels, card.testFraction, card.seed).test;
    const ev = evaluate(net, new ms.nn.CrossEntropyLoss(), ds, idx, card);
    const cm = confusionMatrix(idx.map((i) => ds.labels[i]), ev.pred, card.classNames.length);
    console.log(`${idx.length} samples: accuracy ${(ev.accuracy * 100).toFixed(2)}%, loss ${ev.loss.toFixed(4)}`);
    console.log(confusionText(cm, card.classNames));
  });

program
  .command("predict")
  .description("predict the class of one sample (comma-separated features) or of each row of a CSV file")
  .requiredOption("--ckpt <file>", "checkpoint written by `train` (model.json must sit beside it)")
  .requiredOption("--input <values|file.csv>", "features as 'v1,v2,...', or a CSV file with one sample per line (no header)")
  .action((o) => {
    const { net, card } = loadTrained(o.ckpt);
    const text: string = existsSync(o.input) ? readFileSync(o.input, "utf8") : o.input;
    const rows = text.split(/\r?\n/).filter((l) => l.trim() !== "").map((l, i) => {
      const v = l.split(",").map((c) => Number(c.trim()));
      if (v.length !== card.featureNames.length || v.some((x) => !Number.isFinite(x))) {
        throw new ms.ValueError(`input line ${i + 1}: expected ${card.featureNames.length} numbers separated by commas, got '${l.slice(0, 60)}'.`);
      }
      return v;
    });
    const ds = { name: "input", features: rows, labels: rows.map(() => 0), classNames: card.classNames, featureNames: card.featureNames };
    net.set_train(false);
    const [x] = batchOf(ds, rows.map((_, i) => i), card);
    const probs = ms.ops.softmax(net(x), -1).tolist() as number[][];
    probs.forEach((p) => {
      const k = p.indexOf(Math.max(...p));
      console.log(`${card.classNames[k]}\t(p=${p[k].toFixed(4)})`);
    });
  });

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`mindspore-ts: ${e.name === "Error" ? "error" : e.name}: ${e.message}`);
  process.exit(1);
});

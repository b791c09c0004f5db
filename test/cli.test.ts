/**
 * The `mindspore-ts` command: short training runs on every bundled data set,
 * the report files, reproducibility, eval and predict from a saved
 * checkpoint, and clear errors for bad input.
 */
import { describe, it, expect } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const cli = (...args: string[]) => spawnSync(process.execPath, ["dist/cli/main.js", ...args], { encoding: "utf8" });
const tmp = () => mkdtempSync(join(tmpdir(), "ms-cli-"));

describe("mindspore-ts train", () => {
  it("trains the default CNN on digits briefly and writes checkpoint, metrics and report", () => {
    const out = tmp();
    const r = cli("train", "--epochs", "1", "--out", out, "--seed", "3");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/data: digits \(1797 samples, 64 features, 10 classes\): 1438 train \/ 359 test/);
    expect(r.stdout).toMatch(/model: cnn/);
    for (const f of ["model.ckpt", "model.json", "metrics.json", "loss.svg", "accuracy.svg", "confusion_matrix.svg", "index.html"]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const m = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8"));
    expect(m.history.length).toBe(1);
    expect(m.test_accuracy).toBeGreaterThan(0.85);
    expect(m.confusion_matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(359);
    expect(readFileSync(join(out, "loss.svg"), "utf8")).toMatch(/^<svg/);
    expect(readFileSync(join(out, "index.html"), "utf8")).toContain('<img src="confusion_matrix.svg"');
    // not a terminal: plain progress lines, no control characters
    expect(r.stdout).toMatch(/epoch 1\/1 step 45\/45 loss/);
    expect(r.stdout.includes("\u001b[")).toBe(false);
  });

  it("is reproducible: the same seed gives the same numbers", () => {
    const [a, b] = [tmp(), tmp()];
    for (const out of [a, b]) expect(cli("train", "--data", "iris", "--epochs", "5", "--out", out, "--seed", "11").status).toBe(0);
    const strip = (d: string) => {
      const m = JSON.parse(readFileSync(join(d, "metrics.json"), "utf8"));
      return { h: m.history.map((e: Record<string, number>) => [e.train_loss, e.test_loss, e.test_accuracy]), cm: m.confusion_matrix };
    };
    expect(strip(a)).toEqual(strip(b));
    expect(readFileSync(join(a, "model.ckpt"))).toEqual(readFileSync(join(b, "model.ckpt")));
  });

  for (const [data, minAcc] of [["iris", 0.8], ["wine", 0.85], ["breast_cancer", 0.85]] as const) {
    it(`trains an MLP on ${data}`, () => {
      const out = tmp();
      const r = cli("train", "--data", data, "--epochs", "15", "--out", out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/model: mlp/);
      expect(JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).test_accuracy).toBeGreaterThanOrEqual(minAcc);
    });
  }

  it("trains on a user's CSV with a named label column", () => {
    const dir = tmp();
    const rows = ["f1,kind,f2"];
    for (let i = 0; i < 60; i++) rows.push(`${i % 2 ? 2 + (i % 5) * 0.1 : -2 - (i % 7) * 0.1},${i % 2 ? "b" : "a"},${(i % 3) * 0.5}`);
    writeFileSync(join(dir, "mine.csv"), rows.join("\n") + "\n");
    const r = cli("train", "--data", join(dir, "mine.csv"), "--label", "kind", "--epochs", "20", "--out", join(dir, "run"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/60 samples, 2 features, 2 classes/);
    expect(JSON.parse(readFileSync(join(dir, "run", "metrics.json"), "utf8")).test_accuracy).toBe(1);
  });

  it("reports a malformed CSV with the line and the problem", () => {
    const dir = tmp();
    writeFileSync(join(dir, "bad.csv"), "a,b,label\n1,2,x\n3,oops,y\n");
    const r = cli("train", "--data", join(dir, "bad.csv"));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ValueError: .*bad\.csv:3: column 2 is 'oops', which is not a number\./);
    writeFileSync(join(dir, "ragged.csv"), "a,b,label\n1,2,x\n3,y\n");
    expect(cli("train", "--data", join(dir, "ragged.csv")).stderr).toMatch(/ragged\.csv:3: expected 3 comma-separated values/);
  });

  it("reports a missing file and bad options", () => {
    const r = cli("train", "--data", "/no/such/file.csv");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/The data file '\/no\/such\/file\.csv' does not exist\./);
    expect(cli("train", "--epochs", "0").stderr).toMatch(/--epochs must be a positive integer/);
    expect(cli("train", "--optimizer", "lbfgs").stderr).toMatch(/Allowed choices are sgd, momentum, adam/);
    expect(cli("train", "--data", "iris", "--model", "cnn").stderr).toMatch(/needs image data/);
  });
});

describe("mindspore-ts eval and predict", () => {
  it("reuse a saved checkpoint", () => {
    const out = tmp();
    expect(cli("train", "--data", "iris", "--epochs", "30", "--out", out).status).toBe(0);
    const trained = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")).test_accuracy;
    const ev = cli("eval", "--ckpt", join(out, "model.ckpt"));
    expect(ev.status, ev.stderr).toBe(0);
    expect(ev.stdout).toContain(`30 samples: accuracy ${(trained * 100).toFixed(2)}%`);
    const p = cli("predict", "--ckpt", join(out, "model.ckpt"), "--input", "5.1,3.5,1.4,0.2");
    expect(p.status, p.stderr).toBe(0);
    expect(p.stdout).toMatch(/^setosa\t\(p=[01]\.\d{4}\)/);
    const file = join(out, "inputs.csv");
    writeFileSync(file, "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n");
    expect(cli("predict", "--ckpt", join(out, "model.ckpt"), "--input", file).stdout.split("\n").filter(Boolean).length).toBe(2);
    expect(cli("predict", "--ckpt", join(out, "model.ckpt"), "--input", "1,2").stderr).toMatch(/expected 4 numbers/);
    expect(cli("eval", "--ckpt", join(out, "nope.ckpt")).stderr).toMatch(/does not exist/);
  });
});

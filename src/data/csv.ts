/**
 * Tabular data sets: the four bundled ones (scikit-learn's copies of UCI
 * data) and a user's own CSV. Parsing reports the line and what was wrong.
 */
import { readFileSync, existsSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { ValueError } from "../core/errors.js";

export interface Dataset {
  name: string;
  /** rows of features */
  features: number[][];
  /** class index per row */
  labels: number[];
  classNames: string[];
  featureNames: string[];
  /** image shape when the features are pixels (digits: [1, 8, 8]) */
  imageShape?: [number, number, number];
}

export const BUNDLED = ["digits", "iris", "wine", "breast_cancer"] as const;
export type BundledName = (typeof BUNDLED)[number];

const FILES: Record<BundledName, string> = {
  digits: "digits.csv.gz",
  iris: "iris.csv",
  wine: "wine_data.csv",
  breast_cancer: "breast_cancer.csv",
};

function readText(path: string): string {
  if (!existsSync(path)) throw new ValueError(`The data file '${path}' does not exist.`);
  const raw = readFileSync(path);
  return path.endsWith(".gz") ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
}

function parseNumber(cell: string, path: string, line: number, col: number): number {
  const v = Number(cell.trim());
  if (cell.trim() === "" || !Number.isFinite(v)) {
    throw new ValueError(`${path}:${line}: column ${col + 1} is '${cell}', which is not a number.`);
  }
  return v;
}

/** A bundled data set, from the data/ folder of the package. */
export function loadBundled(name: BundledName, dataDir: string): Dataset {
  const path = `${dataDir}/${FILES[name]}`;
  const lines = readText(path).split(/\r?\n/).filter((l) => l.trim() !== "");
  let classNames: string[];
  let rows = lines;
  if (name === "digits") {
    classNames = Array.from({ length: 10 }, (_, i) => String(i));
  } else {
    // scikit-learn's header: n_samples,n_features,class names...
    const head = lines[0].split(",");
    classNames = head.slice(2);
    rows = lines.slice(1);
  }
  const features: number[][] = [];
  const labels: number[] = [];
  rows.forEach((l, i) => {
    const cells = l.split(",");
    const nums = cells.map((c, j) => parseNumber(c, path, i + (name === "digits" ? 1 : 2), j));
    labels.push(nums.pop() as number);
    features.push(nums);
  });
  const nf = features[0].length;
  return {
    name,
    features,
    labels,
    classNames,
    featureNames: Array.from({ length: nf }, (_, i) => `x${i}`),
    imageShape: name === "digits" ? [1, 8, 8] : undefined,
  };
}

/**
 * A user's CSV: a header row of column names, numeric features, and the label
 * in the last column or in the column named `label` (numbers or strings).
 */
export function loadCsv(path: string, label: string | null = null): Dataset {
  const lines = readText(path).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  if (lines.length < 2) throw new ValueError(`${path}: expected a header line and at least one data line, but the file has ${lines.length} line(s).`);
  const header = lines[0].split(",").map((h) => h.trim());
  const labelCol = label === null ? header.length - 1 : header.indexOf(label);
  if (labelCol < 0) throw new ValueError(`${path}: there is no column named '${label}' (columns: ${header.join(", ")}).`);
  const features: number[][] = [];
  const rawLabels: string[] = [];
  lines.slice(1).forEach((l, i) => {
    const lineNo = i + 2;
    if (l.trim() === "") throw new ValueError(`${path}:${lineNo}: empty line inside the data.`);
    const cells = l.split(",");
    if (cells.length !== header.length) {
      throw new ValueError(`${path}:${lineNo}: expected ${header.length} comma-separated values (as in the header), but found ${cells.length}.`);
    }
    rawLabels.push(cells[labelCol].trim());
    features.push(cells.flatMap((c, j) => (j === labelCol ? [] : [parseNumber(c, path, lineNo, j)])));
  });
  const classNames = [...new Set(rawLabels)].sort((a, b) => (Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b)));
  if (classNames.length < 2) throw new ValueError(`${path}: the label column '${header[labelCol]}' has fewer than two classes.`);
  return {
    name: path,
    features,
    labels: rawLabels.map((l) => classNames.indexOf(l)),
    classNames,
    featureNames: header.filter((_, j) => j !== labelCol),
  };
}

export { stratifiedSplit, standardizer } from "./split.js";

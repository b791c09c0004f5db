/** Pure data helpers (no Node APIs), shared by the CLI and the browser page. */

/** Stratified, seeded train/test split: each class keeps its share in both parts. */
export function stratifiedSplit(labels: readonly number[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  let s = seed >>> 0 || 1;
  const rand = () => {
    // xorshift32: a small reproducible shuffle independent of the tensor RNG
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
  const byClass = new Map<number, number[]>();
  labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const train: number[] = [];
  const test: number[] = [];
  for (const k of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = byClass.get(k)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    const nTest = Math.round(idx.length * testFraction);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  const shuffle = (a: number[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  };
  return { train: shuffle(train), test: shuffle(test) };
}

/** Per-feature mean and std of the training rows, to standardise inputs. */
export function standardizer(rows: readonly number[][]): { mean: number[]; std: number[] } {
  const n = rows.length;
  const d = rows[0].length;
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j] += v / n));
  for (const r of rows) r.forEach((v, j) => (std[j] += (v - mean[j]) ** 2 / n));
  return { mean, std: std.map((v) => Math.sqrt(v) || 1) };
}

// Timing, deterministic data and FLOP counts shared by every framework of the bench.
/* global performance */

/** Median of a list of numbers. */
export function median(a) {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

/**
 * Deterministic float32 data, identical in every framework (the torch peer reads the same bytes from
 * disk): xorshift32, three uniforms summed and centred, which is the generator of ../shared/bench-peers.
 */
export function randn(n, seed = 1, scale = 1) {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let k = 0; k < 3; k++) {
      s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
      acc += s / 4294967296;
    }
    out[i] = (acc - 1.5) * 2 * scale;
  }
  return out;
}

export function labelsInt(n, classes, seed = 7) {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) % classes;
  return out;
}

export function oneHot(labels, classes) {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((l, i) => { out[i * classes + l] = 1; });
  return out;
}

/** Problem sizes: the full bench and the smoke mode (tiny, seconds in total). */
export const SIZES = {
  full: {
    w1: { batch: 16, inF: 10 },
    w2: { batch: 128, inF: 784, hidden: 512, classes: 10 },
    w3: [256, 512, 1024, 2048],
    w4: { n: 1000000 },
    w5: { batch: 32, c1: 32, c2: 64, classes: 10 },
    w6: { n: 1000000 },
    memSteps: 1000,
  },
  smoke: {
    w1: { batch: 16, inF: 10 },
    w2: { batch: 8, inF: 784, hidden: 32, classes: 10 },
    w3: [32, 64],
    w4: { n: 1000 },
    w5: { batch: 2, c1: 4, c2: 8, classes: 10 },
    w6: { n: 1000 },
    memSteps: 20,
  },
};

/** Every array the workloads use, generated once (seeds as in ../shared/bench-peers). */
export function makeData(sz) {
  const { w1, w2, w5 } = sz;
  const d = {};
  d.w1 = { x: randn(w1.batch * w1.inF, 1), w: randn(w1.inF, 2, 0.3), b: randn(1, 3), y: randn(w1.batch, 4) };
  const mlpShapes = [[w2.inF, w2.hidden], [w2.hidden], [w2.hidden, w2.hidden], [w2.hidden], [w2.hidden, w2.classes], [w2.classes]];
  d.w2 = {
    X: randn(w2.batch * w2.inF, 11),
    labels: labelsInt(w2.batch, w2.classes),
    shapes: mlpShapes,
    params: mlpShapes.map((s, i) => randn(s.reduce((a, c) => a * c, 1), 20 + i, s.length === 2 ? Math.sqrt(2 / s[0]) : 0.01)),
  };
  d.w3 = Object.fromEntries(sz.w3.map((n) => [n, { a: randn(n * n, 31), b: randn(n * n, 32) }]));
  d.w4 = { x: randn(sz.w4.n, 41), y: randn(sz.w4.n, 42, 0.5), z: randn(sz.w4.n, 43) };
  const flat = 7 * 7 * w5.c2;
  const cnnShapes = [[w5.c1, 1, 3, 3], [w5.c1], [w5.c2, w5.c1, 3, 3], [w5.c2], [flat, w5.classes], [w5.classes]];
  const cnnScales = [0.3, 0.01, 0.06, 0.01, 0.025, 0.01];
  d.w5 = {
    X: randn(w5.batch * 784, 51),
    labels: labelsInt(w5.batch, w5.classes),
    shapes: cnnShapes,
    params: cnnShapes.map((s, i) => randn(s.reduce((a, c) => a * c, 1), 52 + i, cnnScales[i])),
  };
  d.w6 = { x: randn(sz.w6.n, 61) };
  return d;
}

/** FLOP counts (multiply-add = 2) used for GFLOP/s, the same for every framework. */
export function flops(sz) {
  const { batch: B, inF, hidden: H, classes: C } = sz.w2;
  const f = 2 * B * (inF * H + H * H + H * C);
  const mlp = f + f + 2 * B * (H * H + H * C);
  const { batch: b, c1: k1, c2: k2, classes: c } = sz.w5;
  const conv1 = 2 * b * 28 * 28 * k1 * 9;
  const conv2 = 2 * b * 14 * 14 * k2 * k1 * 9;
  const dense = 2 * b * 49 * k2 * c;
  const cnn = conv1 + conv2 + dense + conv1 + 2 * conv2 + 2 * dense;
  return { mlp, cnn, matmul: (n) => 2 * n * n * n };
}

/**
 * Time `fn` (sync or async): one call whose time is reported as `first_ms` (tracing, compilation), `warm`
 * more untimed calls, then samples until `timeS` seconds have passed (at least `minReps`). Fast calls are
 * timed in batches so that each sample spans at least `minSampleMs`; a sample is the batch mean. Returns
 * the per-call median in ms.
 */
export async function timeIt(fn, { timeS = 0.5, minReps = 3, maxReps = 1000, warm = 0, minSampleMs = 1 } = {}) {
  const call = async () => {
    const t0 = performance.now();
    const r = fn();
    if (r && typeof r.then === "function") await r;
    return performance.now() - t0;
  };
  const first = await call();
  let one = first;
  for (let i = 0; i < warm; i++) one = await call();
  const batch = one >= minSampleMs ? 1 : Math.min(1000, Math.ceil(minSampleMs / Math.max(one, 1e-3)));
  const samples = [];
  const tEnd = performance.now() + 1000 * timeS;
  while (samples.length < maxReps && (samples.length < minReps || performance.now() < tEnd)) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const r = fn();
      if (r && typeof r.then === "function") await r;
    }
    samples.push((performance.now() - t0) / batch);
  }
  return { ms: median(samples), reps: samples.length * batch, first_ms: first };
}

/**
 * The number a check compares: a loss as is, or, for arrays (a product, gradients), the mean of squares
 * computed here in float64 (summed over several arrays), so no framework's float32 reduction order matters.
 */
export function checkValue(v) {
  if (typeof v === "number") return v;
  const arrays = Array.isArray(v) ? v : [v];
  let total = 0;
  for (const a of arrays) {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += a[i] * a[i];
    total += s / a.length;
  }
  return total;
}

/** Two losses agree when they differ by at most `tol` (absolute below 1, relative above). */
export function agrees(a, b, tol = 1e-4) {
  return Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}

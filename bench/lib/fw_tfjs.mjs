// TensorFlow.js peers (cpu and wasm backends of one tfjs instance), adapted from ../shared/bench-peers.
import { createRequire } from "node:module";
import { flops, oneHot } from "./harness.mjs";

const require = createRequire(import.meta.url);

/** The tfjs module, or null with the reason when it is not installed (cd bench && npm install). */
export function loadTfjs() {
  try {
    // tfjs-core's CommonJS bundle registers no gradients (they live only in its ESM sources, which Node cannot
    // load); the @tensorflow/tfjs bundle registers them and re-exports the same core.
    const tf = require("@tensorflow/tfjs");
    require("@tensorflow/tfjs-backend-cpu");
    require("@tensorflow/tfjs-backend-wasm");
    return { tf };
  } catch (e) {
    return { error: String(e.message ?? e).split("\n")[0] };
  }
}

export async function tfjsFramework(tf, backend, sz, data) {
  await tf.setBackend(backend);
  await tf.ready();
  const F = flops(sz);
  const simd = backend === "wasm" ? await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT") : null;
  const mt = backend === "wasm" ? await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT") : null;
  const T = (a, shape) => tf.tensor(a, shape, "float32");
  const read = (t) => t.dataSync()[0];
  const cases = [];
  const add = (id, setup, flop = 0) => cases.push({ id, setup, flop });

  add("W1 dense value+grad", () => {
    const { batch, inF } = sz.w1;
    const x = T(data.w1.x, [batch, inF]), w = T(data.w1.w, [1, inF]), b = T(data.w1.b, [1]), y = T(data.w1.y, [batch, 1]);
    const vg = tf.valueAndGrads((x, w, b) => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(x, w, false, true), b), y))));
    const run = () => tf.tidy(() => {
      const { value, grads } = vg([x, w, b]);
      grads.forEach((g) => g.dataSync());
      return read(value);
    });
    return { run, check: run, dispose: () => tf.dispose([x, w, b, y]) };
  });

  const mlp = () => {
    const { batch, inF, classes } = sz.w2;
    const X = T(data.w2.X, [batch, inF]);
    const Y = T(oneHot(data.w2.labels, classes), [batch, classes]);
    const init = data.w2.params.map((a, i) => T(a, data.w2.shapes[i]));
    const loss = (W1, b1, W2, b2, W3, b3) => {
      const h1 = tf.relu(tf.add(tf.matMul(X, W1), b1));
      const h2 = tf.relu(tf.add(tf.matMul(h1, W2), b2));
      return tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(h2, W3), b3));
    };
    return { X, Y, init, loss };
  };

  add("W2 mlp value+grad", () => {
    const { X, Y, init, loss } = mlp();
    const vg = tf.valueAndGrads(loss);
    const run = () => tf.tidy(() => {
      const { value, grads } = vg(init);
      grads.forEach((g) => g.dataSync());
      return read(value);
    });
    return { run, check: run, dispose: () => tf.dispose([X, Y, ...init]) };
  }, F.mlp);

  add("W2 mlp sgd-step", () => {
    const { X, Y, init, loss } = mlp();
    const vars = init.map((t) => tf.variable(t));
    const opt = tf.train.sgd(0.01);
    const run = () => {
      const c = opt.minimize(() => loss(...vars), true, vars);
      const v = read(c);
      c.dispose();
      return v;
    };
    return { run, check: run, dispose: () => tf.dispose([X, Y, ...init, ...vars]) };
  }, F.mlp);

  for (const n of sz.w3) {
    add(`W3 matmul ${n}`, () => {
      const a = T(data.w3[n].a, [n, n]), b = T(data.w3[n].b, [n, n]);
      return {
        run: () => tf.tidy(() => { tf.matMul(a, b).dataSync(); }),
        check: () => tf.tidy(() => tf.matMul(a, b).dataSync()),
        dispose: () => tf.dispose([a, b]),
      };
    }, F.matmul(n));
  }

  add("W4 elementwise", () => {
    const n = sz.w4.n;
    const x = T(data.w4.x, [n]), y = T(data.w4.y, [n]), z = T(data.w4.z, [n]);
    const vg = tf.valueAndGrads((y, z) => tf.sum(tf.mul(tf.mul(x, tf.exp(y)), tf.square(z))));
    return {
      run: () => tf.tidy(() => { const { value, grads } = vg([y, z]); value.dataSync(); grads.forEach((g) => g.dataSync()); }),
      check: () => tf.tidy(() => vg([y, z]).grads.map((g) => g.dataSync())),
      dispose: () => tf.dispose([x, y, z]),
    };
  });

  add("W5 cnn value+grad", () => {
    // tfjs convolves NHWC/HWIO: the same numbers as the NCHW peers, with the kernels transposed and the dense
    // weight's rows permuted from NCHW-flatten to NHWC-flatten order (setup only, not timed).
    const { batch: B, c1, c2, classes } = sz.w5;
    const flat = 49 * c2;
    const X = tf.transpose(T(data.w5.X, [B, 1, 28, 28]), [0, 2, 3, 1]);
    const Y = T(oneHot(data.w5.labels, classes), [B, classes]);
    const p = data.w5.params;
    const params = [
      tf.transpose(T(p[0], [c1, 1, 3, 3]), [2, 3, 1, 0]), T(p[1], [c1]),
      tf.transpose(T(p[2], [c2, c1, 3, 3]), [2, 3, 1, 0]), T(p[3], [c2]),
      tf.reshape(tf.transpose(T(p[4], [c2, 7, 7, classes]), [1, 2, 0, 3]), [flat, classes]), T(p[5], [classes]),
    ];
    const loss = (k1, b1, k2, b2, Wd, bd) => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(X, k1, 1, "same"), b1)), 2, 2, "valid");
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, k2, 1, "same"), b2)), 2, 2, "valid");
      return tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(tf.reshape(h, [B, flat]), Wd), bd));
    };
    const vg = tf.valueAndGrads(loss);
    const run = () => tf.tidy(() => {
      const { value, grads } = vg(params);
      grads.forEach((g) => g.dataSync());
      return read(value);
    });
    return { run, check: run, dispose: () => tf.dispose([X, Y, ...params]) };
  }, F.cnn);

  add("W6 grad-of-grad", () => {
    const x = T(data.w6.x, [sz.w6.n]);
    const g1 = tf.grad((x) => tf.sum(tf.tanh(x)));
    const g2 = tf.grad((x) => tf.sum(g1(x)));
    return {
      run: () => tf.tidy(() => { g2(x).dataSync(); }),
      check: () => tf.tidy(() => g2(x).dataSync()),
      dispose: () => x.dispose(),
    };
  });

  const memStep = () => {
    const { init, loss } = mlp();
    const vars = init.map((t) => tf.variable(t));
    const opt = tf.train.sgd(0.01);
    return () => {
      const c = opt.minimize(() => loss(...vars), true, vars);
      c.dataSync();
      c.dispose();
    };
  };

  return {
    name: `tfjs-${backend}`,
    kind: "peer",
    activate: () => tf.setBackend(backend),
    cases,
    memStep,
    info: () => ({ version: tf.version_core, backend, simd, multithread: mt, threads: 1 }),
  };
}

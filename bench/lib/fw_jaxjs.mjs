// jax-js peer (device `wasm`, jit), adapted from ../shared/bench-peers. jax-js tensors are consumed by use,
// so every input is passed as `.ref` and every output disposed after the call.
import { flops, oneHot } from "./harness.mjs";

export async function loadJaxjs() {
  try {
    const jax = await import("@jax-js/jax");
    // init() with no argument probes WebGPU, which throws in Node 20 (no global `navigator`).
    const devices = await jax.init("cpu", "wasm");
    jax.defaultDevice("wasm");
    return { jax, devices };
  } catch (e) {
    return { error: String(e.message ?? e).split("\n")[0] };
  }
}

export function jaxjsFramework(jax, sz, data) {
  const { numpy: np, nn, lax, tree, valueAndGrad, grad, jit, blockUntilReady } = jax;
  const F = flops(sz);
  const A = (a, shape) => np.array(a).reshape(shape);
  const run = async (fn, ...args) => {
    const out = fn(...args);
    await blockUntilReady(out);
    tree.dispose(out);
  };
  const first = (out) => {
    const v = out[0].ref.dataSync()[0];
    tree.dispose(out);
    return v;
  };
  const host = (t) => t.dataSync();
  const cases = [];
  const add = (id, setup, flop = 0) => cases.push({ id, setup, flop });
  const xent = (logits, Y) => np.mean(np.sum(nn.logSoftmax(logits, -1).mul(Y), -1)).mul(-1);

  add("W1 dense value+grad", () => {
    const { batch, inF } = sz.w1;
    const x = A(data.w1.x, [batch, inF]), w = A(data.w1.w, [1, inF]), b = A(data.w1.b, [1]), y = A(data.w1.y, [batch, 1]);
    const vg = jit(valueAndGrad((x, w, b) => np.mean(np.square(np.matmul(x, np.transpose(w)).add(b).sub(y.ref))), { argnums: [0, 1, 2] }));
    return {
      run: () => run(vg, x.ref, w.ref, b.ref),
      check: () => first(vg(x.ref, w.ref, b.ref)),
      dispose: () => tree.dispose([x, w, b, y]),
    };
  });

  const mlp = () => {
    const { batch, inF, classes } = sz.w2;
    const X = A(data.w2.X, [batch, inF]);
    const Y = A(oneHot(data.w2.labels, classes), [batch, classes]);
    const params = data.w2.params.map((a, i) => A(a, data.w2.shapes[i]));
    const loss = (p) => {
      const [W1, b1, W2, b2, W3, b3] = p;
      let h = nn.relu(np.matmul(X.ref, W1).add(b1));
      h = nn.relu(np.matmul(h, W2).add(b2));
      return xent(np.matmul(h, W3).add(b3), Y.ref);
    };
    return { X, Y, params, loss };
  };

  add("W2 mlp value+grad", () => {
    const { X, Y, params, loss } = mlp();
    const vg = jit(valueAndGrad(loss));
    return {
      run: () => run(vg, tree.ref(params)),
      check: () => first(vg(tree.ref(params))),
      dispose: () => tree.dispose([X, Y, params]),
    };
  }, F.mlp);

  const sgdStep = (loss) =>
    jit((p) => {
      const [l, g] = valueAndGrad(loss)(tree.ref(p));
      return [l, tree.map((pi, gi) => pi.sub(gi.mul(0.01)), p, g)];
    });

  add("W2 mlp sgd-step", () => {
    const { X, Y, params, loss } = mlp();
    let state = params;
    const step = sgdStep(loss);
    const one = async () => {
      const [l, next] = step(state);
      state = next;
      await blockUntilReady([l, state]);
      return l;
    };
    return {
      run: async () => (await one()).dispose(),
      check: async () => (await one()).dataSync()[0],
      dispose: () => tree.dispose([X, Y, state]),
    };
  }, F.mlp);

  for (const n of sz.w3) {
    add(`W3 matmul ${n}`, () => {
      const a = A(data.w3[n].a, [n, n]), b = A(data.w3[n].b, [n, n]);
      const mm = jit((a, b) => np.matmul(a, b));
      return {
        run: () => run(mm, a.ref, b.ref),
        check: () => host(mm(a.ref, b.ref)),
        dispose: () => tree.dispose([a, b]),
      };
    }, F.matmul(n));
  }

  add("W4 elementwise", () => {
    const n = sz.w4.n;
    const x = A(data.w4.x, [n]), y = A(data.w4.y, [n]), z = A(data.w4.z, [n]);
    const vg = jit(valueAndGrad((y, z) => np.sum(x.ref.mul(np.exp(y)).mul(np.square(z))), { argnums: [0, 1] }));
    return {
      run: () => run(vg, y.ref, z.ref),
      check: () => {
        const [v, [dy, dz]] = vg(y.ref, z.ref);
        v.dispose();
        return [host(dy), host(dz)];
      },
      dispose: () => tree.dispose([x, y, z]),
    };
  });

  add("W5 cnn value+grad", () => {
    const { batch: B, c1, c2, classes } = sz.w5;
    const flat = 49 * c2;
    const X = A(data.w5.X, [B, 1, 28, 28]);
    const Y = A(oneHot(data.w5.labels, classes), [B, classes]);
    const params = data.w5.params.map((a, i) => A(a, data.w5.shapes[i]));
    const pool = (x) => lax.reduceWindow(x, (w) => np.max(w), [1, 1, 2, 2], [1, 1, 2, 2]);
    const loss = (p) => {
      const [k1, b1, k2, b2, Wd, bd] = p;
      let h = pool(nn.relu(lax.conv(X.ref, k1, [1, 1], "SAME").add(b1.reshape([1, c1, 1, 1]))));
      h = pool(nn.relu(lax.conv(h, k2, [1, 1], "SAME").add(b2.reshape([1, c2, 1, 1]))));
      return xent(np.matmul(h.reshape([B, flat]), Wd).add(bd), Y.ref);
    };
    const vg = jit(valueAndGrad(loss));
    return {
      run: () => run(vg, tree.ref(params)),
      check: () => first(vg(tree.ref(params))),
      dispose: () => tree.dispose([X, Y, params]),
    };
  }, F.cnn);

  add("W6 grad-of-grad", () => {
    const x = A(data.w6.x, [sz.w6.n]);
    const g1 = grad((x) => np.sum(np.tanh(x)));
    const g2 = jit(grad((x) => np.sum(g1(x))));
    return {
      run: () => run(g2, x.ref),
      check: () => host(g2(x.ref)),
      dispose: () => x.dispose(),
    };
  });

  const memStep = () => {
    const { params, loss } = mlp();
    let state = params;
    const step = sgdStep(loss);
    return async () => {
      const [l, next] = step(state);
      state = next;
      await blockUntilReady([l, state]);
      l.dispose();
    };
  };

  return {
    name: "jaxjs-wasm-jit",
    kind: "peer",
    activate: () => jax.defaultDevice("wasm"),
    cases,
    memStep,
    info: () => ({ device: "wasm", jit: true, threads: 1, web_worker_threads: typeof globalThis.Worker !== "undefined" }),
  };
}

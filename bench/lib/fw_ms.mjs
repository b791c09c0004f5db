// mindspore-ts on one of its backends: the workloads written as a MindSpore user would write them.
import { flops } from "./harness.mjs";

/**
 * `ms` is the library module (dist/index.js from the CLI, src/index.ts from the smoke test), `backend` a
 * registered backend name. Every tensor of a case is created while that backend is current, so no kernel
 * call moves data between backends. `infoFn(backend)` may describe the backend (threads, SIMD).
 */
export function msFramework(ms, backend, sz, data, infoFn) {
  const { Tensor, ops, nn } = ms;
  const F = flops(sz);
  const T = (a, shape) => ops.reshape(new Tensor(a, ms.float32), shape);
  const labels = (a) => new Tensor(a, ms.int32);
  const activate = () => ms.set_backend(backend);
  // Compiled, as jax-js's cases are (MindSpore's @jit); MINDSPORE_TS_BENCH_EAGER=1 times the eager calls instead.
  const eager = typeof ms.jit !== "function" || globalThis.process?.env?.MINDSPORE_TS_BENCH_EAGER === "1";
  const J = (f) => (eager ? f : ms.jit(f));

  /** nn.SGD when the library has it, else the same update written with ops (p <- p - lr g). */
  function sgd(params, lr) {
    if (typeof nn.SGD === "function") {
      const opt = new nn.SGD(params, lr);
      return { kind: "nn.SGD", step: (grads) => opt(grads) };
    }
    return { kind: "manual", step: (grads) => params.forEach((p, i) => p.set_data(ops.sub(p, ops.mul(grads[i], lr)))) };
  }

  const cases = [];
  const add = (id, setup, flop = 0) => cases.push({ id, setup, flop });

  add("W1 dense value+grad", () => {
    const { batch, inF } = sz.w1;
    const x = T(data.w1.x, [batch, inF]);
    const y = T(data.w1.y, [batch, 1]);
    const net = new nn.Dense(inF, 1, T(data.w1.w, [1, inF]), T(data.w1.b, [1]));
    const loss = new nn.MSELoss();
    const vg = J(ms.value_and_grad((x, y) => loss(net(x), y), 0, net.trainable_params()));
    return {
      run: () => vg(x, y),
      check: () => vg(x, y)[0].item(),
    };
  });

  /** The MLP as a Cell of Dense layers. Dense keeps (out, in) weights: the peers' (in, out) arrays transposed. */
  const mlp = () => {
    const { batch, inF, hidden, classes } = sz.w2;
    const p = data.w2.params;
    const dense = (i, a, b) => new nn.Dense(a, b, ops.t(T(p[2 * i], [a, b])), T(p[2 * i + 1], [b]));
    class MLP extends nn.Cell {
      constructor() {
        super();
        this.fc1 = dense(0, inF, hidden);
        this.fc2 = dense(1, hidden, hidden);
        this.fc3 = dense(2, hidden, classes);
      }
      construct(x) {
        return this.fc3(ops.relu(this.fc2(ops.relu(this.fc1(x)))));
      }
    }
    const net = new MLP();
    const X = T(data.w2.X, [batch, inF]);
    const Y = labels(data.w2.labels);
    const forward = (x, y) => ops.cross_entropy(net(x), y);
    return { net, X, Y, vg: J(ms.value_and_grad(forward, null, net.trainable_params())) };
  };

  add("W2 mlp value+grad", () => {
    const { X, Y, vg } = mlp();
    return { run: () => vg(X, Y), check: () => vg(X, Y)[0].item() };
  }, F.mlp);

  add("W2 mlp sgd-step", () => {
    const { net, X, Y, vg } = mlp();
    const opt = sgd(net.trainable_params(), 0.01);
    const step = J((x, y) => {
      const [loss, grads] = vg(x, y);
      opt.step(grads);
      return loss;
    });
    return { run: () => step(X, Y), check: () => step(X, Y).item(), note: opt.kind };
  }, F.mlp);

  for (const n of sz.w3) {
    add(`W3 matmul ${n}`, () => {
      const a = T(data.w3[n].a, [n, n]);
      const b = T(data.w3[n].b, [n, n]);
      return {
        run: () => ops.matmul(a, b),
        // the product itself; the harness compares mean squares in float64
        check: () => ops.matmul(a, b).asnumpy().data,
      };
    }, F.matmul(n));
  }

  add("W4 elementwise", () => {
    const n = sz.w4.n;
    const x = T(data.w4.x, [n]);
    const y = T(data.w4.y, [n]);
    const z = T(data.w4.z, [n]);
    const vg = J(ms.value_and_grad((y, z) => ops.sum(ops.mul(ops.mul(x, ops.exp(y)), ops.square(z))), [0, 1]));
    const check = () => {
      const [, [dy, dz]] = vg(y, z);
      return [dy.asnumpy().data, dz.asnumpy().data];
    };
    return { run: () => vg(y, z), check };
  });

  add("W5 cnn value+grad", () => {
    const { batch, c2 } = sz.w5;
    const X = T(data.w5.X, [batch, 1, 28, 28]);
    const Y = labels(data.w5.labels);
    const params = data.w5.params.map((a, i) => T(a, data.w5.shapes[i]));
    const flat = 7 * 7 * c2;
    const block = (h, k, c) => ops.max_pool2d(ops.relu(ops.conv2d(h, k, c, 1, "pad", 1)), 2);
    const loss = (k1, b1, k2, b2, Wd, bd) => {
      const h = block(block(X, k1, b1), k2, b2);
      return ops.cross_entropy(ops.add(ops.matmul(ops.reshape(h, [batch, flat]), Wd), bd), Y);
    };
    const vg = J(ms.value_and_grad(loss, [0, 1, 2, 3, 4, 5]));
    return { run: () => vg(...params), check: () => vg(...params)[0].item() };
  }, F.cnn);

  add("W6 grad-of-grad", () => {
    const x = T(data.w6.x, [sz.w6.n]);
    const g1 = ms.grad((x) => ops.sum(ops.tanh(x)));
    const g2 = J(ms.grad((x) => ops.sum(g1(x))));
    return { run: () => g2(x), check: () => g2(x).asnumpy().data };
  });

  /** For the memory pass: one SGD step of W2 as a plain function. */
  const memStep = () => {
    const { net, X, Y, vg } = mlp();
    const opt = sgd(net.trainable_params(), 0.01);
    const step = J((x, y) => {
      const [loss, grads] = vg(x, y);
      opt.step(grads);
      return loss;
    });
    return () => step(X, Y);
  };

  return { name: `ms-${backend}`, kind: "ms", backend, activate, cases, memStep, info: () => ({ backend, threads: 1, jit: !eager, ...(infoFn?.(backend) ?? {}) }) };
}

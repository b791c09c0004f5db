/**
 * `npm run bench` in smoke mode: tiny sizes, one repetition, every framework it finds (mindspore-ts on
 * the reference and wasm backends always; TensorFlow.js and jax-js when bench/ has its packages
 * installed; PyTorch and NumPy (W3 only) when Debian's python3-torch is there). No timing is asserted: only that every
 * number comes out finite and that all frameworks compute the same losses.
 */
import { describe, it, expect } from "vitest";
import * as ms from "../src/index.js";
import { listBackends } from "../src/backend/registry.js";
import { runBench } from "../bench/lib/bench.mjs";

describe("bench smoke mode", () => {
  it("runs W1-W6 in every framework found, with finite times and agreeing losses", async () => {
    const backends = ["reference", "wasm"].filter((b) => listBackends().some((x) => x.name === b));
    const initial = ms.get_backend();
    let rec;
    try {
      ({ rec } = await runBench({ ms, msBackends: backends, peers: ["tfjs-cpu", "tfjs-wasm", "jaxjs", "torch", "numpy"], mode: "smoke" }));
    } finally {
      ms.set_backend(initial);
    }
    const names = rec.frameworks.map((f) => f.name);
    for (const b of backends) expect(names).toContain(`ms-${b}`);
    expect(rec.ids).toEqual(["W1 dense value+grad", "W2 mlp value+grad", "W2 mlp sgd-step", "W3 matmul 32", "W3 matmul 64", "W4 elementwise", "W5 cnn value+grad", "W6 grad-of-grad"]);
    for (const id of rec.ids) {
      // mindspore-ts never fails, on any backend
      for (const b of backends) {
        expect(rec.errors[id][`ms-${b}`]).toBeUndefined();
        const r = rec.results[id][`ms-${b}`];
        expect(Number.isFinite(r.ms) && r.ms > 0).toBe(true);
        if (r.gflops !== undefined) expect(Number.isFinite(r.gflops)).toBe(true);
      }
      // every framework that computed the check value agrees with the first to 1e-4 (failed checks are errors)
      const values = Object.values(rec.checks[id]);
      expect(values.length).toBeGreaterThanOrEqual(backends.length);
      for (const v of values) expect(Math.abs(v - values[0])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(values[0])));
      for (const e of Object.values(rec.errors[id])) expect(e).not.toMatch(/^check failed/);
    }
    // the smoke sizes' losses, as every framework computes them (from the deterministic data)
    expect(rec.checks["W1 dense value+grad"]["ms-reference"]).toBeCloseTo(6.128796, 5);
    expect(rec.checks["W2 mlp value+grad"]["ms-reference"]).toBeCloseTo(3.301447, 5);
    expect(rec.checks["W5 cnn value+grad"]["ms-reference"]).toBeCloseTo(2.264241, 5);
  }, 180_000);
});

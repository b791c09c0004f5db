/**
 * The wasm thread pool on its own module: slices are claimed dynamically by
 * the main thread and the workers, every slice runs exactly once (also past
 * the slice limit of one job), and a trap in a slice, on a worker or on the
 * main thread, is reported without wedging the pool.
 */
import { describe, it, expect, afterAll } from "vitest";
import { I32, ModuleBuilder, i32 } from "../src/backend/wasm/builder.js";
import { MAX_SLICES, ThreadPool } from "../src/backend/wasm/threads.js";
import { detectFeatures } from "../src/backend/wasm/features.js";

const features = detectFeatures();

/**
 * mark(i, table, spin): spin a little, then table[i] += 1 (a plain add: a slice that ran twice shows as 2).
 * trap_at(i, bad): traps (out-of-bounds load) when i == bad.
 */
function buildModule(): WebAssembly.Module {
  const m = new ModuleBuilder({ initialPages: 2, maximumPages: 16, shared: true });
  m.fn("mark", [i32, i32, i32], [], (f) => {
    const [i, table, spin] = [0, 1, 2];
    const k = f.local(i32);
    f.for(k, () => f.i32c(0), () => f.get(spin), 1, () => {});
    f.get(table).get(i).i32c(2).op(I32.shl).op(I32.add);
    f.get(table).get(i).i32c(2).op(I32.shl).op(I32.add).i32load().i32c(1).op(I32.add);
    f.i32store();
  });
  m.fn("trap_at", [i32, i32], [], (f) => {
    f.get(0).get(1).op(I32.eq).if(() => {
      f.i32c(-16).i32load();
      f.op(0x1a); // drop
    });
  });
  return new WebAssembly.Module(m.encode() as BufferSource);
}

describe.runIf(features.workers === "node")("wasm thread pool", () => {
  const module = buildModule();
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  const pool = ThreadPool.create({ module, memory, fns: ["mark", "trap_at"], threads: 2, kind: "node" }, exports);
  afterAll(() => pool.stop());
  const TABLE = 16384;
  const table = () => new Int32Array(memory.buffer, TABLE, 1024);

  const workersUp = async () => {
    for (let t = 0; t < 200 && pool.readyWorkers < 1; t++) await new Promise((r) => setTimeout(r, 10));
    expect(pool.readyWorkers).toBe(1);
  };

  it("runs every slice exactly once, beyond one job's slice limit too", async () => {
    await workersUp();
    for (const n of [2, 3, 8, MAX_SLICES, MAX_SLICES + 1, 3 * MAX_SLICES + 5]) {
      table().fill(0);
      pool.run("mark", Array.from({ length: n }, (_, i) => [i, TABLE, 2000]));
      expect(Array.from(table().subarray(0, n + 2))).toEqual([...Array(n).fill(1), 0, 0]);
    }
  });

  it("many short jobs back to back (a worker waking late meets the next job) each run once", async () => {
    await workersUp();
    table().fill(0);
    for (let j = 0; j < 300; j++) pool.run("mark", Array.from({ length: 4 }, (_, i) => [(j % 50) * 4 + i, TABLE, j % 7]));
    expect(Array.from(table().subarray(0, 200))).toEqual(Array(200).fill(6));
  });

  it("a trap in any slice is an error, and the pool keeps working", async () => {
    await workersUp();
    for (const bad of [0, 1, 5]) {
      expect(() => pool.run("trap_at", Array.from({ length: 6 }, (_, i) => [i, bad]))).toThrow();
      table().fill(0);
      pool.run("mark", Array.from({ length: 5 }, (_, i) => [i, TABLE, 100]));
      expect(Array.from(table().subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 0]);
    }
  });
});

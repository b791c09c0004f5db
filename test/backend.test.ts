/** Backend selection and the fallback to the reference backend for missing kernels. */
import { describe, it, expect, afterEach } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import * as ms from "../src/index.js";
import { Tensor, ops } from "../src/index.js";
import type { Backend, Storage, View } from "../src/index.js";
import { referenceBackend } from "../src/backend/reference/index.js";
import { nativeBackend } from "../src/backend/native/index.js";
import type { DType, TypedArray } from "../src/core/dtype.js";

/** A backend with its own storage type and a single kernel (add). */
class OnlyAdd implements Backend {
  readonly name = "only-add";
  calls = 0;
  upload(data: TypedArray, dtype: DType): Storage {
    return { backend: this, dtype, length: data.length, data } as Storage;
  }
  readSync(view: View): TypedArray {
    const host = referenceBackend.upload((view.storage as unknown as { data: TypedArray }).data, view.storage.dtype);
    return referenceBackend.readSync({ ...view, storage: host });
  }
  read(view: View) {
    return Promise.resolve(this.readSync(view));
  }
  readonly kernels = {
    add: (inputs: readonly View[], _p: unknown, out: { shape: readonly number[]; dtype: DType }) => {
      this.calls++;
      const [a, b] = inputs.map((v) => this.readSync(v));
      const res = new out.dtype.storage(a.length);
      for (let i = 0; i < a.length; i++) res[i] = a[i] + b[b.length === 1 ? 0 : i];
      return this.upload(res, out.dtype);
    },
  };
}

const startup = ms.get_backend();
afterEach(() => ms.set_backend(startup));

describe("backends", () => {
  it("the default is MINDSPORE_TS_BACKEND, else native where its addon loads, else wasm; any can be chosen by name", () => {
    expect(startup).toBe(process.env.MINDSPORE_TS_BACKEND ?? (nativeBackend ? "native" : "wasm"));
    ms.set_backend("reference");
    expect(ms.get_backend()).toBe("reference");
  });
  it("an unknown name is a ValueError that lists the choices", () => {
    expect(() => ms.set_backend("cuda")).toThrowError(/must be one of \[reference/);
  });
  it("kernels a backend lacks run on the reference backend, never a crash", () => {
    const b = new OnlyAdd();
    ms.register_backend(b);
    ms.set_backend("only-add");
    const x = new Tensor([1, 2, 3], ms.float32);
    const y = ops.add(x, x);
    expect(b.calls).toBe(1);
    expect(y.tolist()).toEqual([2, 4, 6]);
    const z = ops.exp(ops.mul(y, 0.5)); // mul and exp fall back
    expect((z.tolist() as number[]).map((v) => Number(v.toFixed(4)))).toEqual([2.7183, 7.3891, 20.0855]);
    const g = ms.grad((t: Tensor) => ops.sum(ops.add(ops.mul(t, t), t)))(x);
    expect(g.tolist()).toEqual([3, 5, 7]);
  });
  it("without the native addon, Node uses the wasm backend and says why, once", () => {
    const code = 'import("./dist/index.js").then((ms) => { ms.ops.add(ms.ops.ones([2]), 1); console.log(ms.get_backend()); })';
    const env = { ...process.env, MINDSPORE_TS_NATIVE: "0" } as Record<string, string | undefined>;
    delete env.MINDSPORE_TS_BACKEND;
    const r = spawnSync(process.execPath, ["-e", code], { env: env as NodeJS.ProcessEnv, encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe("wasm");
    const said = r.stderr.split("\n").filter((l) => l.includes("the native backend is unavailable"));
    expect(said).toEqual(["mindspore-ts: the native backend is unavailable (disabled by MINDSPORE_TS_NATIVE=0); using the 'wasm' backend."]);
  });
  it("MINDSPORE_TS_BACKEND chooses the backend at start-up", () => {
    const code = 'import("./dist/index.js").then((ms) => console.log(ms.get_backend()))';
    expect(execFileSync(process.execPath, ["-e", code], { env: { ...process.env, MINDSPORE_TS_BACKEND: "reference" }, encoding: "utf8" }).trim()).toBe("reference");
    expect(() => execFileSync(process.execPath, ["-e", code], { env: { ...process.env, MINDSPORE_TS_BACKEND: "nope" }, encoding: "utf8", stdio: "pipe" })).toThrow(/must be one of/);
  });
});

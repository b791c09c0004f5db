/** Batched matrix product with NumPy batch broadcasting; accumulates in float64. */
import type { Kernel } from "../backend.js";
import { sizeOf } from "../../core/shape.js";
import { forEachStrided, hostData } from "./storage.js";
import { finishDtype, type MakeStorage } from "./elementwise.js";

export function matmulKernel(make: MakeStorage): Kernel<"matmul"> {
  return (inputs, _p, out) => {
    const [a, b] = inputs;
    const nd = out.shape.length;
    const m = out.shape[nd - 2];
    const n = out.shape[nd - 1];
    const k = a.shape[a.shape.length - 1];
    const batch = out.shape.slice(0, nd - 2);
    const bStr = (v: typeof a) => {
      const lead = batch.length - (v.shape.length - 2);
      return batch.map((d, i) => (i < lead || v.shape[i - lead] === 1 ? 0 : v.strides[i - lead]));
    };
    const [ars, acs] = a.strides.slice(-2);
    const [brs, bcs] = b.strides.slice(-2);
    const da = hostData(a);
    const db = hostData(b);
    const res = new out.dtype.storage(sizeOf(out.shape));
    const row = new Float64Array(n);
    forEachStrided(batch, [bStr(a), bStr(b)], [a.offset, b.offset], (bi, o) => {
      const base = bi * m * n;
      for (let i = 0; i < m; i++) {
        row.fill(0);
        const aRow = o[0] + i * ars;
        for (let t = 0; t < k; t++) {
          const av = da[aRow + t * acs];
          const bRow = o[1] + t * brs;
          for (let j = 0; j < n; j++) row[j] += av * db[bRow + j * bcs];
        }
        for (let j = 0; j < n; j++) res[base + i * n + j] = row[j];
      }
    });
    finishDtype(out, res, false);
    return make(out, res);
  };
}

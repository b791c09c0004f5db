/**
 * `bind`: the single entry point of every primitive call. It routes the call
 * to the highest live trace among the inputs, or evaluates it on the backend.
 */
import { Tensor } from "../core/tensor.js";
import { contiguousStrides } from "../core/shape.js";
import type { Trace } from "../autodiff/trace.js";
import type { View } from "../backend/backend.js";
import { runKernel } from "../backend/registry.js";
import type { PrimName, PrimParams } from "./params.js";
import { RULES, type Aval } from "./rules.js";

export function bind<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
  let top: Trace | null = null;
  for (const x of inputs) {
    const tr = x._liveTracer();
    if (tr && (!top || tr.trace.level > top.level)) top = tr.trace;
  }
  return top ? top.process(p, inputs, params) : evaluate(p, inputs, params);
}

/** Level 0: check shapes and dtypes, then make a view or run the kernel. */
export function evaluate<P extends PrimName>(p: P, inputs: readonly Tensor[], params: PrimParams[P]): Tensor {
  const rule = RULES[p];
  const out = rule.abstract(inputs.map(avalOf), params);
  let views = inputs.map((x) => x._concreteView());
  if (rule.view) {
    let v = rule.view(views, params, out);
    if (!v) {
      // The strides do not allow a view (e.g. reshape of a transposed tensor): copy, then view.
      views = [contiguous(views[0])];
      v = rule.view(views, params, out);
    }
    if (v) return Tensor._fromView(v, out.dtype);
  }
  const storage = runKernel(p, views, params, out);
  return Tensor._fromView({ storage, shape: out.shape, strides: contiguousStrides(out.shape), offset: 0 }, out.dtype);
}

export function avalOf(x: Tensor): Aval {
  return { shape: x.shape, dtype: x.dtype };
}

function contiguous(v: View): View {
  const dtype = v.storage.dtype;
  const storage = runKernel("cast", [v], { dtype }, { shape: v.shape, dtype });
  return { storage, shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
}

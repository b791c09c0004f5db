/** softmax, log_softmax and dropout. */
import { Tensor } from "../../core/tensor.js";
import { isDType, type DType } from "../../core/dtype.js";
import { normAxis } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import { generatorFor } from "../../core/random.js";
import * as L from "../../primitives/lax.js";
import { checkTensor, optionalArgs } from "../args.js";
import { checkBool, floatConst, floatTensor, stableShift } from "./common.js";

/** Run `f` on a 0-d tensor as if it were 1-D: softmax of a scalar is over its single element. */
function asVector(x: Tensor, f: (v: Tensor, axis: number) => Tensor, axis: number, op: string): Tensor {
  if (x.ndim === 0) {
    normAxis(axis, 0, op);
    return L.reshape(f(L.reshape(x, [1]), 0), []);
  }
  return f(x, normAxis(axis, x.ndim, op));
}

/** `ops.softmax(input, axis=-1, *, dtype=None)`: exp(x - max) / sum, along `axis`. */
export function softmax(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("softmax", rest, { axis: -1 as number, dtype: null as DType | null });
  let x = checkTensor(input, "softmax", "input");
  if (o.dtype !== null) {
    if (!isDType(o.dtype)) throw new TypeError(`For 'softmax', the 'dtype' must be a mindspore dtype, but got ${typeName(o.dtype)}.`);
    x = L.cast(x, o.dtype);
  }
  floatTensor(x, "softmax", "input");
  return asVector(x, (v, ax) => {
    const e = L.exp(L.sub(v, stableShift(v, [ax])));
    return L.div(e, L.sum(e, [ax], true));
  }, o.axis, "softmax");
}

/** `ops.log_softmax(logits, axis=-1)`: x - logsumexp(x), shifted by the max for stability. */
export function log_softmax(logits: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("log_softmax", rest, { axis: -1 as number });
  const x = floatTensor(logits, "log_softmax", "logits");
  return asVector(x, (v, ax) => logSoftmaxAxis(v, ax), o.axis, "log_softmax");
}

/** log_softmax along a normalised axis (shared with the losses). */
export function logSoftmaxAxis(x: Tensor, axis: number): Tensor {
  const shifted = L.sub(x, stableShift(x, [axis]));
  return L.sub(shifted, L.log(L.sum(L.exp(shifted), [axis], true)));
}

/**
 * `ops.dropout(input, p=0.5, training=True, seed=None)`: zero each element
 * with probability p and scale the kept ones by 1/(1-p). The mask is drawn
 * from the global generator, or from its own stream when `seed` is given.
 */
export function dropout(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("dropout", rest, { p: 0.5 as number, training: true as boolean, seed: null as number | null });
  const x = floatTensor(input, "dropout", "input");
  if (typeof o.p !== "number") throw new TypeError(`For 'dropout', the 'p' must be float, but got ${typeName(o.p)}.`);
  if (!(o.p >= 0 && o.p <= 1)) throw new ValueError(`For 'dropout', the 'p' must be in range [0, 1], but got ${o.p}.`);
  checkBool(o.training, "dropout", "training");
  if (!o.training || o.p === 0) return x;
  const g = generatorFor(o.seed);
  const keep = 1 - o.p;
  const scale = o.p === 1 ? 0 : 1 / keep;
  const mask = new Float64Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = g.random() < keep ? scale : 0;
  return L.mul(x, floatConst(mask, x.shape, x.dtype));
}

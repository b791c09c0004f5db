/**
 * layer_norm, batch_norm, group_norm. All normalise with the biased variance
 * mean((x - mean)^2) (computed from the centred values, which is stable);
 * batch_norm's running variance uses the unbiased one, as PyTorch.
 */
import { Tensor } from "../../core/tensor.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { Parameter } from "../../nn/parameter.js";
import { optionalArgs } from "../args.js";
import { checkBool, checkInt, checkNumber, floatTensor, optionalFloat } from "./common.js";

/** (x - mean) / sqrt(var + eps) over `axes`, with the biased variance. */
function normalize(x: Tensor, axes: number[], eps: number): Tensor {
  const count = axes.reduce((acc, a) => acc * x.shape[a], 1);
  const mean = L.div(L.sum(x, axes, true), L.scalar(count, x.dtype));
  const centred = L.sub(x, mean);
  const variance = L.div(L.sum(L.mul(centred, centred), axes, true), L.scalar(count, x.dtype));
  return L.div(centred, L.sqrt(L.addScalar(variance, eps)));
}

function affine(y: Tensor, weight: Tensor | null, bias: Tensor | null, shape: readonly number[]): Tensor {
  let out = y;
  if (weight) out = L.mul(out, L.reshape(weight, shape));
  if (bias) out = L.add(out, L.reshape(bias, shape));
  return out;
}

function checkParamShape(op: string, arg: string, t: Tensor | null, shape: readonly number[]): void {
  if (t && !shapesEqual(t.shape, shape)) throw new ValueError(`For '${op}', the '${arg}' must have shape ${fmtShape(shape)}, but got ${fmtShape(t.shape)}.`);
}

/** `ops.layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)`: over the trailing `normalized_shape` axes. */
export function layer_norm(input: Tensor, normalized_shape: number | number[], ...rest: unknown[]): Tensor {
  const op = "layer_norm";
  const o = optionalArgs(op, rest, { weight: null as Tensor | null, bias: null as Tensor | null, eps: 1e-5 as number });
  const x = floatTensor(input, op, "input");
  const ns = typeof normalized_shape === "number" ? [normalized_shape] : normalized_shape;
  if (!Array.isArray(ns) || !ns.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the 'normalized_shape' must be an int or a tuple of ints, but got ${typeName(normalized_shape)}.`);
  }
  if (ns.length === 0 || ns.length > x.ndim || !shapesEqual(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new ValueError(`For '${op}', the 'normalized_shape' ${fmtShape(ns)} must match the trailing dimensions of the input of shape ${fmtShape(x.shape)}.`);
  }
  const weight = optionalFloat(o.weight, op, "weight", x.dtype);
  const bias = optionalFloat(o.bias, op, "bias", x.dtype);
  checkParamShape(op, "weight", weight, ns);
  checkParamShape(op, "bias", bias, ns);
  const eps = checkNumber(o.eps, op, "eps");
  const axes = ns.map((_, i) => x.ndim - ns.length + i);
  return affine(normalize(x, axes, eps), weight, bias, ns);
}

/** Replace a running statistic in place: Parameter.set_data, or a plain tensor's value swapped. */
function updateInPlace(target: Tensor, value: Tensor): void {
  const v = L.cast(L.stop_gradient(value), target.dtype);
  if (target instanceof Parameter) {
    target.set_data(v);
    return;
  }
  const concrete = v._concrete();
  target._init(concrete._view, null, target.shape, target.dtype);
}

/**
 * `ops.batch_norm(input_x, running_mean, running_var, weight, bias, training=False, momentum=0.1, eps=1e-5)`.
 * Statistics per channel (axis 1) over every other axis. In training the
 * batch mean and biased variance normalise, and the running statistics are
 * updated in place: running = (1 - momentum) * running + momentum * batch
 * (the unbiased variance for running_var). Returns the output only.
 */
export function batch_norm(
  input_x: Tensor,
  running_mean: Tensor,
  running_var: Tensor,
  weight: Tensor,
  bias: Tensor,
  ...rest: unknown[]
): Tensor {
  const op = "batch_norm";
  const o = optionalArgs(op, rest, { training: false as boolean, momentum: 0.1 as number, eps: 1e-5 as number });
  const x = floatTensor(input_x, op, "input_x");
  if (x.ndim < 2) throw new ValueError(`For '${op}', the 'input_x' must be at least 2-D (N, C, ...), but got a ${x.ndim}-D Tensor of shape ${fmtShape(x.shape)}.`);
  const c = x.shape[1];
  const named: [string, Tensor][] = [["running_mean", running_mean], ["running_var", running_var], ["weight", weight], ["bias", bias]];
  for (const [arg, t] of named) {
    floatTensor(t, op, arg);
    checkParamShape(op, arg, t, [c]);
  }
  const training = checkBool(o.training, op, "training");
  const momentum = checkNumber(o.momentum, op, "momentum");
  const eps = checkNumber(o.eps, op, "eps");
  const shape = x.shape.map((d, i) => (i === 1 ? d : 1));
  const w = L.cast(weight, x.dtype);
  const b = L.cast(bias, x.dtype);
  if (!training) {
    const mean = L.reshape(L.cast(running_mean, x.dtype), shape);
    const variance = L.reshape(L.cast(running_var, x.dtype), shape);
    return affine(L.div(L.sub(x, mean), L.sqrt(L.addScalar(variance, eps))), w, b, shape);
  }
  const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const count = x.size / Math.max(c, 1);
  const y = affine(normalize(x, axes, eps), w, b, shape);
  // running statistics, outside any gradient
  const xs = L.stop_gradient(x);
  const mean = L.div(L.sum(xs, axes, false), L.scalar(count, x.dtype));
  const centred = L.sub(xs, L.reshape(mean, shape));
  const unbiased = L.div(L.sum(L.mul(centred, centred), axes, false), L.scalar(count - 1, x.dtype));
  const blend = (run: Tensor, batch: Tensor) => L.add(L.mulScalar(L.cast(L.stop_gradient(run), x.dtype), 1 - momentum), L.mulScalar(batch, momentum));
  updateInPlace(running_mean, blend(running_mean, mean));
  updateInPlace(running_var, blend(running_var, unbiased));
  return y;
}

/** `ops.group_norm(input, num_groups, weight=None, bias=None, eps=1e-5)`: statistics per sample over each group of channels. */
export function group_norm(input: Tensor, num_groups: number, ...rest: unknown[]): Tensor {
  const op = "group_norm";
  const o = optionalArgs(op, rest, { weight: null as Tensor | null, bias: null as Tensor | null, eps: 1e-5 as number });
  const x = floatTensor(input, op, "input");
  if (x.ndim < 2) throw new ValueError(`For '${op}', the 'input' must be at least 2-D (N, C, ...), but got a ${x.ndim}-D Tensor of shape ${fmtShape(x.shape)}.`);
  const g = checkInt(num_groups, op, "num_groups", 1);
  const [n, c] = x.shape;
  if (c % g !== 0) throw new ValueError(`For '${op}', the channels (${c}) must be divisible by 'num_groups' (${g}).`);
  const weight = optionalFloat(o.weight, op, "weight", x.dtype);
  const bias = optionalFloat(o.bias, op, "bias", x.dtype);
  checkParamShape(op, "weight", weight, [c]);
  checkParamShape(op, "bias", bias, [c]);
  const eps = checkNumber(o.eps, op, "eps");
  const grouped = L.reshape(x, [n, g, x.size / Math.max(n * g, 1)]);
  const y = L.reshape(normalize(grouped, [2], eps), x.shape);
  return affine(y, weight, bias, x.shape.map((d, i) => (i === 1 ? d : 1)));
}

/**
 * Loss functions with MindSpore's signatures and defaults. Cross entropy is
 * computed from log_softmax (never log(softmax)), BCE-with-logits from a
 * stable softplus, so large logits give finite losses and gradients.
 */
import { Tensor } from "../../core/tensor.js";
import { bool_, int64, type DType } from "../../core/dtype.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as L from "../../primitives/lax.js";
import { checkTensor, optionalArgs, promoted } from "../args.js";
import {
  checkInt,
  checkNumber,
  checkReduction,
  floatTensor,
  int64Const,
  optionalFloat,
  reduceLoss,
  softplusStable,
  sumAll,
  type Reduction,
} from "./common.js";
import { logSoftmaxAxis } from "./activation.js";

/** The class axis: 0 for a 1-D input (C), else 1 (N, C, d1, ...). */
const classAxis = (x: Tensor) => (x.ndim === 1 ? 0 : 1);

/** Shape that broadcasts a per-class vector along the class axis of `x`. */
const classShape = (x: Tensor) => x.shape.map((d, i) => (i === classAxis(x) ? d : 1));

function checkSmoothing(op: string, v: unknown): number {
  const eps = checkNumber(v, op, "label_smoothing");
  if (!(eps >= 0 && eps <= 1)) throw new ValueError(`For '${op}', the 'label_smoothing' must be in range [0.0, 1.0], but got ${eps}.`);
  return eps;
}

function checkClassWeight(op: string, weight: unknown, c: number, dtype: DType): Tensor | null {
  const w = optionalFloat(weight, op, "weight", dtype);
  if (w && !shapesEqual(w.shape, [c])) throw new ValueError(`For '${op}', the 'weight' must have shape (C,) = (${c},), but got ${fmtShape(w.shape)}.`);
  return w;
}

/**
 * Which targets count (not `ignore_index`) and the class index to pick for
 * each (int64, 0 where ignored). Eagerly the indices are checked on the host,
 * so a bad one raises a ValueError naming it; under `jit` they are staged
 * values, computed with ops (an index out of range then fails in the gather).
 */
function classTargets(op: string, target: Tensor, expected: number[], c: number, ignoreIndex: number): { keptMask: Tensor; safe: Tensor } {
  if (target._liveTracer()) {
    const keptMask = L.binary("not_equal", target, L.scalar(ignoreIndex, target.dtype));
    const safe = L.select(keptMask, L.cast(target, int64), L.broadcast_to(L.scalar(0, int64), expected));
    return { keptMask, safe };
  }
  const raw = target._data();
  const safe = new Float64Array(raw.length);
  const kept = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v === ignoreIndex) continue;
    if (v < 0 || v >= c) {
      throw new ValueError(`For '${op}', the 'target' must contain class indices in range [0, ${c}) or the 'ignore_index' (${ignoreIndex}), but got ${v}.`);
    }
    safe[i] = v;
    kept[i] = 1;
  }
  return { keptMask: L.reshape(new Tensor(kept, bool_), expected), safe: int64Const(safe, expected) };
}

/**
 * Negative log likelihood of class-index targets given log-probabilities,
 * PyTorch's formula (which MindSpore's follows):
 *   l_n = -w[y_n] * logp[n, y_n], 0 where y_n == ignore_index;
 *   'mean' divides by the total weight sum_n w[y_n] of the kept targets.
 * With label smoothing eps over C classes:
 *   l = (1 - eps) * nll + eps / C * smooth,  smooth_n = -sum_c w_c * logp[n, c],
 * and 'mean' divides the smooth part by the same total weight.
 */
function nllFromLogProbs(
  op: string,
  logp: Tensor,
  target: Tensor,
  weightArg: unknown,
  ignoreIndex: number,
  reduction: Reduction,
  eps: number,
): Tensor {
  const ca = classAxis(logp);
  const c = logp.shape[ca];
  const expected = logp.shape.filter((_, i) => i !== ca);
  if (target.dtype.kind !== "int") throw new TypeError(`For '${op}', the 'target' must be a Tensor of int32 or int64 class indices, but got ${target.dtype.name}.`);
  if (!shapesEqual(target.shape, expected)) {
    throw new ValueError(`For '${op}', the 'target' must have shape ${fmtShape(expected)} for an input of shape ${fmtShape(logp.shape)}, but got ${fmtShape(target.shape)}.`);
  }
  const weight = checkClassWeight(op, weightArg, c, logp.dtype);
  const { keptMask, safe } = classTargets(op, target, expected, c, ignoreIndex);
  const zeros = L.broadcast_to(L.scalar(0, logp.dtype), expected);
  const index = L.reshape(safe, logp.shape.map((d, i) => (i === ca ? 1 : d)));
  const picked = L.reshape(L.take_along_axis(logp, index, ca), expected);
  // the weight of each target's class, 0 where the target is ignored
  const wPicked = weight
    ? L.select(keptMask, L.reshape(L.take_along_axis(weight, L.reshape(safe, [safe.size]), 0), expected), zeros)
    : L.cast(keptMask, logp.dtype);
  let loss = L.select(keptMask, L.neg(L.mul(picked, wPicked)), zeros);
  let smooth: Tensor | null = null;
  if (eps > 0) {
    const wl = weight ? L.mul(logp, L.reshape(weight, classShape(logp))) : logp;
    smooth = L.select(keptMask, L.neg(L.sum(wl, [ca], false)), zeros);
  }
  if (reduction === "mean") {
    const total = sumAll(wPicked);
    loss = L.div(sumAll(loss), total);
    if (smooth) smooth = L.div(sumAll(smooth), total);
  } else if (reduction === "sum") {
    loss = sumAll(loss);
    if (smooth) smooth = sumAll(smooth);
  }
  return smooth ? L.add(L.mulScalar(loss, 1 - eps), L.mulScalar(smooth, eps / c)) : loss;
}

/**
 * `ops.cross_entropy(input, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`.
 * `target` holds class indices (int, the input's shape without the class
 * axis) or class probabilities (float, the input's shape). For probabilities
 * l_n = -sum_c w_c * y_nc * log_softmax(x)_nc, with y smoothed to
 * y * (1 - eps) + eps / C, and 'mean' divides by the number of samples.
 */
export function cross_entropy(input: Tensor, target: Tensor, ...rest: unknown[]): Tensor {
  const op = "cross_entropy";
  const o = optionalArgs(op, rest, {
    weight: null as Tensor | null,
    ignore_index: -100 as number,
    reduction: "mean" as string,
    label_smoothing: 0.0 as number,
  });
  const x = floatTensor(input, op, "input");
  const t = checkTensor(target, op, "target");
  if (x.ndim === 0) throw new ValueError(`For '${op}', the 'input' must have at least 1 dimension (the classes), but got a 0-D Tensor.`);
  const reduction = checkReduction(op, o.reduction);
  const eps = checkSmoothing(op, o.label_smoothing);
  const ignoreIndex = checkInt(o.ignore_index, op, "ignore_index");
  const ca = classAxis(x);
  const logp = logSoftmaxAxis(x, ca);
  if (t.dtype.kind !== "float") return nllFromLogProbs(op, logp, t, o.weight, ignoreIndex, reduction, eps);

  if (!shapesEqual(t.shape, x.shape)) {
    throw new ValueError(`For '${op}', class-probability targets must have the input's shape ${fmtShape(x.shape)}, but got ${fmtShape(t.shape)}.`);
  }
  const c = x.shape[ca];
  const weight = checkClassWeight(op, o.weight, c, x.dtype);
  let y = L.cast(t, x.dtype);
  if (eps > 0) y = L.addScalar(L.mulScalar(y, 1 - eps), eps / c);
  let prod = L.mul(logp, y);
  if (weight) prod = L.mul(prod, L.reshape(weight, classShape(x)));
  const perSample = L.neg(L.sum(prod, [ca], false));
  if (reduction === "none") return perSample;
  const total = sumAll(perSample);
  return reduction === "sum" ? total : L.div(total, L.scalar(x.size / c, x.dtype));
}

/** `ops.nll_loss(inputs, target, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`: inputs are log-probabilities. */
export function nll_loss(inputs: Tensor, target: Tensor, ...rest: unknown[]): Tensor {
  const op = "nll_loss";
  const o = optionalArgs(op, rest, {
    weight: null as Tensor | null,
    ignore_index: -100 as number,
    reduction: "mean" as string,
    label_smoothing: 0.0 as number,
  });
  const x = floatTensor(inputs, op, "inputs");
  const t = checkTensor(target, op, "target");
  if (x.ndim === 0) throw new ValueError(`For '${op}', the 'inputs' must have at least 1 dimension (the classes), but got a 0-D Tensor.`);
  const reduction = checkReduction(op, o.reduction);
  const eps = checkSmoothing(op, o.label_smoothing);
  return nllFromLogProbs(op, x, t, o.weight, checkInt(o.ignore_index, op, "ignore_index"), reduction, eps);
}

function checkSameShape(op: string, a: Tensor, b: Tensor, names: [string, string]): void {
  if (!shapesEqual(a.shape, b.shape)) {
    throw new ValueError(`For '${op}', the '${names[0]}' and '${names[1]}' must have the same shape, but got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}.`);
  }
}

/**
 * log(p) for probabilities, clamped at -100 as PyTorch's BCE does, and with
 * no gradient (rather than a NaN one) where p == 0.
 */
function clampedLog(p: Tensor): Tensor {
  const positive = L.greater(p, L.zerosLike(p));
  const lg = L.log(L.select(positive, p, L.onesLike(p)));
  const floor = L.fullLike(p, -100);
  return L.select(positive, L.binary("maximum", lg, floor), floor);
}

/**
 * `ops.binary_cross_entropy(logits, labels, weight=None, reduction='mean')`:
 * `logits` are probabilities in [0, 1] despite the name;
 * l = -w * (y * log(x) + (1 - y) * log(1 - x)), each log clamped at -100.
 */
export function binary_cross_entropy(logits: Tensor, labels: Tensor, ...rest: unknown[]): Tensor {
  const op = "binary_cross_entropy";
  const o = optionalArgs(op, rest, { weight: null as Tensor | null, reduction: "mean" as string });
  const x = floatTensor(logits, op, "logits");
  const y = L.cast(floatTensor(labels, op, "labels"), x.dtype);
  checkSameShape(op, x, y, ["logits", "labels"]);
  const reduction = checkReduction(op, o.reduction);
  const weight = optionalFloat(o.weight, op, "weight", x.dtype);
  const one = L.onesLike(x);
  let loss = L.neg(L.add(L.mul(y, clampedLog(x)), L.mul(L.sub(one, y), clampedLog(L.sub(one, x)))));
  if (weight) loss = L.mul(loss, weight);
  return reduceLoss(loss, reduction);
}

/**
 * `ops.binary_cross_entropy_with_logits(logits, label, weight=None, pos_weight=None, reduction='mean')`:
 * l = w * (pw * y * softplus(-x) + (1 - y) * softplus(x)), which equals
 * -w * (pw * y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x))) without
 * overflow; pos_weight broadcasts along the last (class) axis.
 */
export function binary_cross_entropy_with_logits(logits: Tensor, label: Tensor, ...rest: unknown[]): Tensor {
  const op = "binary_cross_entropy_with_logits";
  const o = optionalArgs(op, rest, { weight: null as Tensor | null, pos_weight: null as Tensor | null, reduction: "mean" as string });
  const x = floatTensor(logits, op, "logits");
  const y = L.cast(floatTensor(label, op, "label"), x.dtype);
  checkSameShape(op, x, y, ["logits", "label"]);
  const reduction = checkReduction(op, o.reduction);
  const weight = optionalFloat(o.weight, op, "weight", x.dtype);
  const posWeight = optionalFloat(o.pos_weight, op, "pos_weight", x.dtype);
  const positive = L.mul(y, softplusStable(L.neg(x)));
  let loss = L.add(posWeight ? L.mul(posWeight, positive) : positive, L.mul(L.sub(L.onesLike(y), y), softplusStable(x)));
  if (weight) loss = L.mul(loss, weight);
  return reduceLoss(loss, reduction);
}

/** Both operands promoted to a common float dtype (MindSpore's loss kernels are float-only). */
function floatPair(op: string, input: unknown, target: unknown): [Tensor, Tensor] {
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  const [a, b] = promoted(op, input, target, ["input", "target"]);
  if (a.dtype.kind !== "float") throw new TypeError(`For '${op}', the 'input' must be a Tensor of float16, float32 or float64, but got ${a.dtype.name}.`);
  return [a, b];
}

/** `ops.mse_loss(input, target, reduction='mean')`: (x - y)^2, broadcast. */
export function mse_loss(input: Tensor, target: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("mse_loss", rest, { reduction: "mean" as string });
  const [a, b] = floatPair("mse_loss", input, target);
  const reduction = checkReduction("mse_loss", o.reduction);
  const d = L.sub(a, b);
  return reduceLoss(L.mul(d, d), reduction);
}

/** `ops.l1_loss(input, target, reduction='mean')`: |x - y|, broadcast. */
export function l1_loss(input: Tensor, target: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("l1_loss", rest, { reduction: "mean" as string });
  const [a, b] = floatPair("l1_loss", input, target);
  const reduction = checkReduction("l1_loss", o.reduction);
  return reduceLoss(L.unary("abs", L.sub(a, b)), reduction);
}

/**
 * `ops.smooth_l1_loss(input, target, beta=1.0, reduction='none')` (note the
 * default reduction): 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta.
 */
export function smooth_l1_loss(input: Tensor, target: Tensor, ...rest: unknown[]): Tensor {
  const op = "smooth_l1_loss";
  const o = optionalArgs(op, rest, { beta: 1.0 as number, reduction: "none" as string });
  const x = floatTensor(input, op, "input");
  const y = L.cast(floatTensor(target, op, "target"), x.dtype);
  checkSameShape(op, x, y, ["input", "target"]);
  if (typeof o.beta !== "number") throw new TypeError(`For '${op}', the 'beta' must be float, but got ${typeName(o.beta)}.`);
  if (!(o.beta > 0)) throw new ValueError(`For '${op}', the 'beta' must be > 0, but got ${o.beta}.`);
  const reduction = checkReduction(op, o.reduction);
  const d = L.sub(x, y);
  const ad = L.unary("abs", d);
  // the quadratic branch uses d*d (not |d|^2) so it stays smooth through 0
  const quad = L.mulScalar(L.mul(d, d), 0.5 / o.beta);
  const lin = L.addScalar(ad, -0.5 * o.beta);
  return reduceLoss(L.select(L.binary("less", ad, L.fullLike(ad, o.beta)), quad, lin), reduction);
}

/** Loss Cells. Reductions follow MindSpore's LossBase: 'mean' | 'sum' | 'none'. */
import { Tensor } from "../core/tensor.js";
import { ValueError, TypeError, typeName } from "../core/errors.js";
import * as ops from "../ops/index.js";
import { optionalArgs } from "../ops/args.js";
import { Cell } from "./cell.js";

export type Reduction = "mean" | "sum" | "none";

export class LossBase extends Cell {
  readonly reduction: Reduction;
  constructor(reduction: Reduction = "mean") {
    super();
    if (!["mean", "sum", "none"].includes(reduction)) {
      throw new ValueError(`For '${new.target.name}', the 'reduction' must be str and must be in '['mean', 'sum', 'none']', but got '${String(reduction)}'.`);
    }
    this.reduction = reduction;
  }
  /** Apply the reduction to elementwise losses. */
  get_loss(x: Tensor): Tensor {
    if (this.reduction === "mean") return ops.mean(x);
    if (this.reduction === "sum") return ops.sum(x);
    return x;
  }
}

function checkPair(op: string, logits: unknown, labels: unknown): void {
  if (!(logits instanceof Tensor)) throw new TypeError(`For '${op}', the 'logits' must be a Tensor, but got ${typeName(logits)}.`);
  if (!(labels instanceof Tensor)) throw new TypeError(`For '${op}', the 'labels' must be a Tensor, but got ${typeName(labels)}.`);
}

/** `nn.MSELoss(reduction='mean')`: (x - y)², broadcast. */
export class MSELoss extends LossBase {
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("MSELoss", logits, labels);
    return this.get_loss(ops.square(ops.sub(logits, labels)));
  }
}

/** `nn.L1Loss(reduction='mean')`: |x - y|. */
export class L1Loss extends LossBase {
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("L1Loss", logits, labels);
    return this.get_loss(ops.abs(ops.sub(logits, labels)));
  }
}

function checkWeightTensor(op: string, arg: string, v: unknown): Tensor | null {
  if (v === null || v === undefined) return null;
  if (!(v instanceof Tensor)) throw new TypeError(`For '${op}', the '${arg}' must be a Tensor or None, but got ${typeName(v)}.`);
  return v;
}

function checkIgnoreIndex(op: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the 'ignore_index' must be int, but got ${typeName(v)}.`);
  return v;
}

/**
 * `nn.CrossEntropyLoss(weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0)`:
 * logits (N, C) or (N, C, d1, ...) (or (C,)), labels class indices (int) or class probabilities (float).
 */
export class CrossEntropyLoss extends LossBase {
  readonly weight: Tensor | null;
  readonly ignore_index: number;
  readonly label_smoothing: number;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("CrossEntropyLoss", rest, { weight: null as Tensor | null, ignore_index: -100 as number, reduction: "mean" as Reduction, label_smoothing: 0.0 as number });
    super(o.reduction);
    this.weight = checkWeightTensor("CrossEntropyLoss", "weight", o.weight);
    this.ignore_index = checkIgnoreIndex("CrossEntropyLoss", o.ignore_index);
    if (typeof o.label_smoothing !== "number") throw new TypeError(`For 'CrossEntropyLoss', the 'label_smoothing' must be float, but got ${typeName(o.label_smoothing)}.`);
    if (!(o.label_smoothing >= 0 && o.label_smoothing <= 1)) throw new ValueError(`For 'CrossEntropyLoss', the 'label_smoothing' must be in range [0.0, 1.0], but got ${o.label_smoothing}.`);
    this.label_smoothing = o.label_smoothing;
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("CrossEntropyLoss", logits, labels);
    return ops.cross_entropy(logits, labels, this.weight, this.ignore_index, this.reduction, this.label_smoothing);
  }
}

/** `nn.NLLLoss(weight=None, ignore_index=-100, reduction='mean')`: logits are log-probabilities (N, C) or (N, C, d1, ...), labels int class indices. */
export class NLLLoss extends LossBase {
  readonly weight: Tensor | null;
  readonly ignore_index: number;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("NLLLoss", rest, { weight: null as Tensor | null, ignore_index: -100 as number, reduction: "mean" as Reduction });
    super(o.reduction);
    this.weight = checkWeightTensor("NLLLoss", "weight", o.weight);
    this.ignore_index = checkIgnoreIndex("NLLLoss", o.ignore_index);
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("NLLLoss", logits, labels);
    return ops.nll_loss(logits, labels, this.weight, this.ignore_index, this.reduction);
  }
}

/** `nn.SmoothL1Loss(beta=1.0, reduction='none')` (note the default reduction): 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta. */
export class SmoothL1Loss extends LossBase {
  readonly beta: number;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("SmoothL1Loss", rest, { beta: 1.0 as number, reduction: "none" as Reduction });
    super(o.reduction);
    if (typeof o.beta !== "number") throw new TypeError(`For 'SmoothL1Loss', the 'beta' must be float, but got ${typeName(o.beta)}.`);
    if (!(o.beta > 0)) throw new ValueError(`For 'SmoothL1Loss', the 'beta' must be greater than 0, but got ${o.beta}.`);
    this.beta = o.beta;
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("SmoothL1Loss", logits, labels);
    return ops.smooth_l1_loss(logits, labels, this.beta, this.reduction);
  }
}

/**
 * `nn.SoftmaxCrossEntropyWithLogits(sparse=False, reduction='none')`: logits
 * (N, C); labels one-hot/probabilities (N, C), or int class indices (N,) with
 * sparse=True. Per sample -sum_c labels * log_softmax(logits), then reduced.
 */
export class SoftmaxCrossEntropyWithLogits extends LossBase {
  readonly sparse: boolean;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("SoftmaxCrossEntropyWithLogits", rest, { sparse: false as boolean, reduction: "none" as Reduction });
    super(o.reduction);
    if (typeof o.sparse !== "boolean") throw new TypeError(`For 'SoftmaxCrossEntropyWithLogits', the 'sparse' must be bool, but got ${typeName(o.sparse)}.`);
    this.sparse = o.sparse;
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    const op = "SoftmaxCrossEntropyWithLogits";
    checkPair(op, logits, labels);
    if (logits.ndim !== 2) throw new ValueError(`For '${op}', the 'logits' must be a 2-D Tensor (N, C), but got shape (${logits.shape.join(", ")}).`);
    if (logits.dtype.kind !== "float") throw new TypeError(`For '${op}', the 'logits' must be a float Tensor, but got ${logits.dtype.name}.`);
    let y = labels;
    if (this.sparse) {
      if (labels.dtype.kind !== "int") throw new TypeError(`For '${op}', with sparse=True the 'labels' must be an int Tensor of class indices, but got ${labels.dtype.name}.`);
      if (labels.ndim !== 1 || labels.shape[0] !== logits.shape[0]) {
        throw new ValueError(`For '${op}', with sparse=True the 'labels' must have shape (${logits.shape[0]},), but got (${labels.shape.join(", ")}).`);
      }
      y = ops.one_hot(labels, logits.shape[1], new Tensor(1, logits.dtype), new Tensor(0, logits.dtype));
    } else if (labels.shape.join() !== logits.shape.join()) {
      throw new ValueError(`For '${op}', the 'labels' must have the shape of 'logits' (${logits.shape.join(", ")}), but got (${labels.shape.join(", ")}).`);
    }
    const perSample = ops.neg(ops.sum(ops.mul(ops.log_softmax(logits, -1), ops.cast(y, logits.dtype)), -1));
    return this.get_loss(perSample);
  }
}

/** `nn.BCELoss(weight=None, reduction='mean')`: logits are probabilities in [0, 1]; each log clamped at -100. */
export class BCELoss extends LossBase {
  readonly weight: Tensor | null;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("BCELoss", rest, { weight: null as Tensor | null, reduction: "mean" as Reduction });
    super(o.reduction);
    this.weight = checkWeightTensor("BCELoss", "weight", o.weight);
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("BCELoss", logits, labels);
    return ops.binary_cross_entropy(logits, labels, this.weight, this.reduction);
  }
}

/** `nn.BCEWithLogitsLoss(reduction='mean', weight=None, pos_weight=None)` (reduction comes first in MindSpore). */
export class BCEWithLogitsLoss extends LossBase {
  readonly weight: Tensor | null;
  readonly pos_weight: Tensor | null;
  constructor(...rest: unknown[]) {
    const o = optionalArgs("BCEWithLogitsLoss", rest, { reduction: "mean" as Reduction, weight: null as Tensor | null, pos_weight: null as Tensor | null });
    super(o.reduction);
    this.weight = checkWeightTensor("BCEWithLogitsLoss", "weight", o.weight);
    this.pos_weight = checkWeightTensor("BCEWithLogitsLoss", "pos_weight", o.pos_weight);
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("BCEWithLogitsLoss", logits, labels);
    return ops.binary_cross_entropy_with_logits(logits, labels, this.weight, this.pos_weight, this.reduction);
  }
}

/**
 * `nn.KLDivLoss(reduction='mean')`: l = labels * (log(labels) - logits), 0
 * where labels == 0; `logits` are log-probabilities. reduction 'mean' (over
 * every element, MindSpore's default), 'batchmean' (sum / batch size), 'sum'
 * or 'none'.
 */
export class KLDivLoss extends Cell {
  readonly reduction: "mean" | "batchmean" | "sum" | "none";
  constructor(reduction: "mean" | "batchmean" | "sum" | "none" = "mean") {
    super();
    if (!["mean", "batchmean", "sum", "none"].includes(reduction)) {
      throw new ValueError(`For 'KLDivLoss', the 'reduction' must be one of ['none', 'mean', 'batchmean', 'sum'], but got '${String(reduction)}'.`);
    }
    this.reduction = reduction;
  }
  override construct(logits: Tensor, labels: Tensor): Tensor {
    checkPair("KLDivLoss", logits, labels);
    if (logits.dtype.kind !== "float") throw new TypeError(`For 'KLDivLoss', the 'logits' must be a float Tensor, but got ${logits.dtype.name}.`);
    const y = ops.cast(labels, logits.dtype);
    const positive = ops.gt(y, 0);
    // y * log(y) with 0 * log(0) = 0 and no NaN gradient where y == 0
    const ylogy = ops.where(positive, ops.mul(y, ops.log(ops.where(positive, y, ops.ones_like(y)))), ops.zeros_like(y));
    const loss = ops.sub(ylogy, ops.mul(y, logits));
    if (this.reduction === "none") return loss;
    if (this.reduction === "sum") return ops.sum(loss);
    if (this.reduction === "mean") return ops.mean(loss);
    return ops.div(ops.sum(loss), logits.ndim === 0 ? 1 : logits.shape[0]);
  }
}

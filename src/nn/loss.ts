/** Loss Cells. Reductions follow MindSpore's LossBase: 'mean' | 'sum' | 'none'. */
import { Tensor } from "../core/tensor.js";
import { ValueError, TypeError, typeName } from "../core/errors.js";
import * as ops from "../ops/index.js";
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

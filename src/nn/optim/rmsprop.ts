/** nn.RMSProp: MindSpore's RMSProp optimizer (nn/optim/rmsprop.py with ApplyRMSProp / ApplyCenteredRMSProp). */
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Parameter, ParameterTuple } from "../parameter.js";
import { Optimizer, type LearningRate, type Params, type WeightDecay } from "./optimizer.js";
import { checkBoolType, checkFloat, checkFloatType } from "./_checks.js";

export interface RMSPropOptions {
  learning_rate?: LearningRate;
  decay?: number;
  momentum?: number;
  epsilon?: number;
  use_locking?: boolean;
  centered?: boolean;
  loss_scale?: number;
  weight_decay?: WeightDecay;
}

/**
 * `nn.RMSProp(params, learning_rate=0.1, decay=0.9, momentum=0.0,
 * epsilon=1e-10, use_locking=False, centered=False, loss_scale=1.0,
 * weight_decay=0.0)`.
 *
 * With g = (grad + weight_decay·p where the decay applies) / loss_scale:
 *   s += (g² − s)(1 − decay)                      (`mean_square.*` starts at ONE, not 0)
 *   mom = momentum·mom + lr·g/√(s + epsilon)      (epsilon inside the root)
 *   p −= mom
 * centered (`mean_grad.*` from 0):  mg += (g − mg)(1 − decay) and the root is
 * √(s − mg² + epsilon); where that radicand is not positive nothing moves.
 * MindSpore's construct also advances `global_step` once more per call than
 * the other optimizers (an extra AssignAdd), so a dynamic rate is read at
 * steps 0, 2, 4, ... ; this is kept.
 */
export class RMSProp extends Optimizer {
  declare decay: number;
  declare momentum: number;
  declare epsilon: number;
  declare centered: boolean;
  declare use_locking: boolean;
  declare mg: ParameterTuple;
  declare ms: ParameterTuple;
  declare moment: ParameterTuple;

  constructor(params: Params, options?: RMSPropOptions);
  constructor(
    params: Params,
    learning_rate?: LearningRate,
    decay?: number,
    momentum?: number,
    epsilon?: number,
    use_locking?: boolean,
    centered?: boolean,
    loss_scale?: number,
    weight_decay?: WeightDecay,
    options?: RMSPropOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("RMSProp", rest, {
      learning_rate: 0.1 as unknown,
      decay: 0.9 as unknown,
      momentum: 0.0 as unknown,
      epsilon: 1e-10 as unknown,
      use_locking: false as unknown,
      centered: false as unknown,
      loss_scale: 1.0 as unknown,
      weight_decay: 0.0 as unknown,
    });
    super(o.learning_rate, params, o.weight_decay, o.loss_scale);
    const op = "RMSProp";
    this.decay = checkFloat(checkFloatType(o.decay, "decay", op), ">=", 0, "decay", op);
    this.momentum = checkFloat(checkFloatType(o.momentum, "momentum", op), ">=", 0, "momentum", op);
    this.epsilon = checkFloat(checkFloatType(o.epsilon, "epsilon", op), ">", 0, "epsilon", op);
    this.use_locking = checkBoolType(o.use_locking, "use_locking", op);
    this.centered = checkBoolType(o.centered, "centered", op);
    if (this.centered) this.mg = this._clone_state("mean_grad", 0);
    this.ms = this._clone_state("mean_square", 1);
    this.moment = this._clone_state("moment", 0);
  }

  override construct(gradients: readonly Tensor[]): boolean {
    const grads = this._preprocessed(gradients);
    const lrs = this._current_lrs();
    const updates: [Parameter, Tensor][] = [];
    const keep = 1 - this.decay;
    this.parameters.forEach((param, i) => {
      const p = param.value();
      const g = grads[i];
      const lr = ops.cast(lrs[i], p.dtype);
      const s = ops.add(this.ms[i].value(), ops.mul(ops.sub(ops.square(g), this.ms[i].value()), keep));
      updates.push([this.ms[i], s]);
      const mom0 = this.moment[i].value();
      if (!this.centered) {
        const mom = ops.add(ops.mul(mom0, this.momentum), ops.div(ops.mul(g, lr), ops.sqrt(ops.add(s, this.epsilon))));
        updates.push([this.moment[i], mom], [param, ops.sub(p, mom)]);
        return;
      }
      const mg = ops.add(this.mg[i].value(), ops.mul(ops.sub(g, this.mg[i].value()), keep));
      const radicand = ops.add(ops.sub(s, ops.square(mg)), this.epsilon);
      const ok = ops.gt(radicand, 0);
      const mom = ops.where(ok, ops.add(ops.mul(mom0, this.momentum), ops.div(ops.mul(g, lr), ops.sqrt(ops.where(ok, radicand, 1)))), mom0);
      updates.push([this.mg[i], mg], [this.moment[i], mom], [param, ops.where(ok, ops.sub(p, mom), p)]);
    });
    this._commit(updates, 1);
    return true;
  }
}

/** nn.Adagrad: MindSpore's Adagrad optimizer (nn/optim/ada_grad.py with ApplyAdagrad). */
import { Tensor } from "../../core/tensor.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Parameter, ParameterTuple } from "../parameter.js";
import { Optimizer, type LearningRate, type Params, type WeightDecay } from "./optimizer.js";
import { checkBoolType, checkFloat, checkFloatType } from "./_checks.js";

export interface AdagradOptions {
  accum?: number;
  learning_rate?: LearningRate;
  update_slots?: boolean;
  loss_scale?: number;
  weight_decay?: WeightDecay;
}

/** The 1e-6 MindSpore's CPU ApplyAdagrad kernel adds under the root so a zero accumulator cannot divide by 0. */
const KERNEL_EPS = 1e-6;

/**
 * `nn.Adagrad(params, accum=0.1, learning_rate=0.001, update_slots=True,
 * loss_scale=1.0, weight_decay=0.0)` (note: `accum` comes before the rate).
 *
 * With g = (grad + weight_decay·p where the decay applies) / loss_scale and
 * `accum.*` starting at `accum`:
 *   if update_slots: h += g²
 *   p −= lr·g/√(h + 1e-6)
 * (the documented formula is lr·g/√h; the 1e-6 is the CPU kernel's, whose
 * behaviour this follows; PyTorch's Adagrad puts its eps outside the root.)
 */
export class Adagrad extends Optimizer {
  declare accum: ParameterTuple;
  declare update_slots: boolean;

  constructor(params: Params, options?: AdagradOptions);
  constructor(
    params: Params,
    accum?: number,
    learning_rate?: LearningRate,
    update_slots?: boolean,
    loss_scale?: number,
    weight_decay?: WeightDecay,
    options?: AdagradOptions,
  );
  constructor(params: Params, ...rest: unknown[]) {
    const o = optionalArgs("Adagrad", rest, {
      accum: 0.1 as unknown,
      learning_rate: 0.001 as unknown,
      update_slots: true as unknown,
      loss_scale: 1.0 as unknown,
      weight_decay: 0.0 as unknown,
    });
    super(o.learning_rate, params, o.weight_decay, o.loss_scale);
    const accum = checkFloatType(o.accum, "accum", "Adagrad");
    this.update_slots = checkBoolType(o.update_slots, "update_slots", "Adagrad");
    checkFloat(accum, ">=", 0, "accum", "Adagrad");
    this.accum = this._clone_state("accum", accum);
  }

  override construct(grads: readonly Tensor[]): boolean {
    const g = this._preprocessed(grads);
    const lrs = this._current_lrs();
    const updates: [Parameter, Tensor][] = [];
    this.parameters.forEach((param, i) => {
      const p = param.value();
      let h = this.accum[i].value();
      if (this.update_slots) {
        h = ops.add(h, ops.square(g[i]));
        updates.push([this.accum[i], h]);
      }
      const step = ops.div(ops.mul(ops.cast(lrs[i], p.dtype), g[i]), ops.sqrt(ops.add(h, KERNEL_EPS)));
      updates.push([param, ops.sub(p, step)]);
    });
    this._commit(updates);
    return true;
  }
}

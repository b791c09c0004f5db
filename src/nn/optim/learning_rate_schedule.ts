/**
 * Learning-rate schedules (MindSpore's nn/learning_rate_schedule.py): Cells
 * called with the optimizer's `global_step` that return the rate of that step.
 * The formulas follow MindSpore's `construct` methods, which differ in places
 * from their docstrings (noted below); they are evaluated in float64 and
 * returned as a Float32 Tensor of the step's shape (0-d for a JS number).
 */
import { Tensor } from "../../core/tensor.js";
import { float32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import { reshape } from "../../ops/array.js";
import { Cell } from "../cell.js";
import { checkBoolType, checkFloat, checkInt, pyFloat } from "./_checks.js";

/** Internal: the step(s) of a `global_step` argument as JS numbers, plus the shape to give the result. */
export function stepValues(global_step: unknown, op: string): { values: number[]; shape: number[] } {
  if (typeof global_step === "number" && Number.isFinite(global_step)) return { values: [global_step], shape: [] };
  if (!(global_step instanceof Tensor)) {
    throw new TypeError(`For '${op}', the 'global_step' must be a Tensor, but got ${typeName(global_step)}.`);
  }
  const t = new Tensor(global_step); // concrete: schedules are never differentiated
  return { values: Array.from(t._data(), Number), shape: t.shape };
}

/** Base class: subclasses implement `construct(global_step)` returning a scalar Tensor. */
export class LearningRateSchedule extends Cell {
  /** Evaluate `f` on each step and pack the result like MindSpore's float32 output. */
  protected _evaluate(global_step: unknown, f: (step: number) => number): Tensor {
    const { values, shape } = stepValues(global_step, this.constructor.name);
    return reshape(new Tensor(Float32Array.from(values, f), float32), shape);
  }
}

/** MindSpore's _check_inputs of the decay schedules. */
function checkDecayInputs(learning_rate: unknown, decay_rate: unknown, decay_steps: unknown, is_stair: unknown, op: string): void {
  checkInt(decay_steps, ">", 0, "decay_steps", op);
  checkFloat(learning_rate, ">", 0, "learning_rate", op);
  checkFloat(decay_rate, ">", 0, "decay_rate", op);
  checkBoolType(is_stair, "is_stair", op);
}

/**
 * The three decay schedules share their arguments and checks; each only says
 * how the rate at a step is computed.
 */
abstract class DecayLR extends LearningRateSchedule {
  declare learning_rate: number;
  declare decay_rate: number;
  declare decay_steps: number;
  declare is_stair: boolean;
  constructor(learning_rate: number, decay_rate: number, decay_steps: number, is_stair = false) {
    super();
    checkDecayInputs(learning_rate, decay_rate, decay_steps, is_stair, new.target.name);
    Object.assign(this, { learning_rate, decay_rate, decay_steps, is_stair });
  }
  /** The learning rate at step `s`. */
  protected abstract rateAt(s: number): number;
  override construct(global_step: Tensor | number): Tensor {
    return this._evaluate(global_step, (s) => this.rateAt(s));
  }
}

/** `nn.ExponentialDecayLR(learning_rate, decay_rate, decay_steps, is_stair=False)`: lr·rate^(step/decay_steps). */
export class ExponentialDecayLR extends DecayLR {
  protected rateAt(s: number): number {
    let p = s / this.decay_steps;
    if (this.is_stair) p = Math.floor(p);
    return this.learning_rate * this.decay_rate ** p;
  }
}

/**
 * `nn.NaturalExpDecayLR(learning_rate, decay_rate, decay_steps, is_stair=False)`.
 * MindSpore's construct computes lr·e^(−rate·p) with p = step (not step/decay_steps,
 * whatever the docstring says), and with is_stair p = floor(step/decay_steps)·decay_steps.
 */
export class NaturalExpDecayLR extends DecayLR {
  protected rateAt(s: number): number {
    const p = this.is_stair ? Math.floor(s / this.decay_steps) * this.decay_steps : s;
    return this.learning_rate * Math.exp(-this.decay_rate * p);
  }
}

/** `nn.InverseDecayLR(learning_rate, decay_rate, decay_steps, is_stair=False)`: lr / (1 + rate·step/decay_steps). */
export class InverseDecayLR extends DecayLR {
  protected rateAt(s: number): number {
    let p = s / this.decay_steps;
    if (this.is_stair) p = Math.floor(p);
    return this.learning_rate / (1 + this.decay_rate * p);
  }
}

/** `nn.CosineDecayLR(min_lr, max_lr, decay_steps)`: min + ½(max−min)(1 + cos(π·min(step, decay_steps)/decay_steps)). */
export class CosineDecayLR extends LearningRateSchedule {
  declare min_lr: number;
  declare max_lr: number;
  declare decay_steps: number;
  constructor(min_lr: number, max_lr: number, decay_steps: number) {
    super();
    const op = "CosineDecayLR";
    if (typeof min_lr !== "number") throw new TypeError(`For 'CosineDecayLR', the argument 'min_lr' must be type of float, but got 'min_lr' type: ${typeName(min_lr)}.`);
    checkFloat(min_lr, ">=", 0, "min_lr", op);
    checkFloat(max_lr, ">", 0, "max_lr", op);
    checkInt(decay_steps, ">", 0, "decay_steps", op);
    if (min_lr >= max_lr) {
      throw new ValueError(
        `For 'CosineDecayLR', the 'max_lr' must be greater than the 'min_lr', but got 'max_lr' value: ${pyFloat(max_lr)}, 'min_lr' value: ${pyFloat(min_lr)}.`,
      );
    }
    Object.assign(this, { min_lr, max_lr, decay_steps });
  }
  override construct(global_step: Tensor | number): Tensor {
    const delta = 0.5 * (this.max_lr - this.min_lr);
    return this._evaluate(global_step, (s) => this.min_lr + delta * (1 + Math.cos((Math.PI * Math.min(s, this.decay_steps)) / this.decay_steps)));
  }
}

/**
 * `nn.PolynomialDecayLR(learning_rate, end_learning_rate, decay_steps, power, update_decay_steps=False)`:
 * (lr − end)(1 − step/decay)^power + end, with step clamped to decay_steps; with
 * update_decay_steps the horizon grows instead: decay = decay_steps·max(ceil(step/decay_steps), 1).
 */
export class PolynomialDecayLR extends LearningRateSchedule {
  declare learning_rate: number;
  declare end_learning_rate: number;
  declare decay_steps: number;
  declare power: number;
  declare update_decay_steps: boolean;
  constructor(learning_rate: number, end_learning_rate: number, decay_steps: number, power: number, update_decay_steps = false) {
    super();
    const op = "PolynomialDecayLR";
    checkFloat(learning_rate, ">", 0, "learning_rate");
    if (typeof end_learning_rate !== "number") {
      throw new TypeError(`For 'PolynomialDecayLR', the argument 'end_learning_rate' must be type of float, but got 'end_learning_rate' type: ${typeName(end_learning_rate)}.`);
    }
    checkFloat(end_learning_rate, ">=", 0, "end_learning_rate", op);
    checkInt(decay_steps, ">", 0, "decay_steps", op);
    checkBoolType(update_decay_steps, "update_decay_steps", op);
    checkFloat(power, ">", 0, "power", op);
    Object.assign(this, { learning_rate, end_learning_rate, decay_steps, power, update_decay_steps });
  }
  override construct(global_step: Tensor | number): Tensor {
    return this._evaluate(global_step, (s) => {
      let step = s;
      let decay = this.decay_steps;
      if (this.update_decay_steps) decay *= Math.max(Math.ceil(step / decay), 1);
      else step = Math.min(step, decay);
      return (this.learning_rate - this.end_learning_rate) * (1 - step / decay) ** this.power + this.end_learning_rate;
    });
  }
}

/** `nn.WarmUpLR(learning_rate, warmup_steps)`: lr·min(step, warmup_steps)/warmup_steps. */
export class WarmUpLR extends LearningRateSchedule {
  declare learning_rate: number;
  declare warmup_steps: number;
  constructor(learning_rate: number, warmup_steps: number) {
    super();
    if (typeof learning_rate !== "number") {
      throw new TypeError(`For 'WarmUpLR', the argument 'learning_rate' must be type of float, but got 'learning_rate' type: ${typeName(learning_rate)}.`);
    }
    checkFloat(learning_rate, ">=", 0, "learning_rate", "WarmUpLR");
    checkInt(warmup_steps, ">", 0, "warmup_steps", "WarmUpLR");
    Object.assign(this, { learning_rate, warmup_steps });
  }
  override construct(global_step: Tensor | number): Tensor {
    return this._evaluate(global_step, (s) => (this.learning_rate * Math.min(s, this.warmup_steps)) / this.warmup_steps);
  }
}

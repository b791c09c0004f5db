/**
 * Dynamic learning-rate lists (MindSpore's nn/dynamic_lr.py): each builder
 * returns one rate per step, `total_step` long, to pass as an optimizer's
 * `learning_rate`. Plain float64 arithmetic, as in Python.
 */
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import { checkBoolType, checkFloat, checkInt, pyFloat } from "./_checks.js";

/**
 * `nn.piecewise_constant_lr(milestone, learning_rates)`: learning_rates[t] for
 * steps in [milestone[t-1], milestone[t]).
 */
export function piecewise_constant_lr(milestone: readonly number[], learning_rates: readonly number[]): number[] {
  if (!Array.isArray(milestone)) throw new TypeError(`The type of 'milestone' should be one of '['tuple', 'list']', but got type '${typeName(milestone)}'.`);
  if (!Array.isArray(learning_rates)) {
    throw new TypeError(`The type of 'learning_rates' should be one of '['tuple', 'list']', but got type '${typeName(learning_rates)}'.`);
  }
  if (milestone.length !== learning_rates.length) {
    throw new ValueError(
      `For 'piecewise_constant_lr', the size of 'milestone' must be same with the size of 'learning_rates', but got 'milestone' size: ${milestone.length}, 'learning_rates' size: ${learning_rates.length}.`,
    );
  }
  const lr: number[] = [];
  let last = 0;
  milestone.forEach((item, i) => {
    checkInt(item, ">", 0, `milestone[${i}]`);
    const rate = learning_rates[i];
    if (typeof rate !== "number" || !Number.isFinite(rate)) throw new TypeError(`The type of 'learning_rates[${i}]' must be float, but got '${typeName(rate)}'`);
    if (item < last) {
      throw new ValueError(
        `For 'piecewise_constant_lr', the value of milestone[${i}] must be greater than milestone[${i - 1}], but got milestone[${i}]: ${item}, milestone[${i - 1}]: ${milestone[i - 1]}.`,
      );
    }
    for (let k = last; k < item; k++) lr.push(rate);
    last = item;
  });
  return lr;
}

function checkInputs(learning_rate: unknown, decay_rate: unknown, total_step: unknown, step_per_epoch: unknown, decay_epoch: unknown, is_stair: unknown): void {
  checkInt(total_step, ">", 0, "total_step");
  checkInt(step_per_epoch, ">", 0, "step_per_epoch");
  checkInt(decay_epoch, ">", 0, "decay_epoch");
  checkFloat(learning_rate, ">", 0, "learning_rate");
  checkFloat(decay_rate, ">", 0, "decay_rate");
  checkBoolType(is_stair, "is_stair");
}

/** One value per step from the epoch index floor(i / step_per_epoch). */
const perStep = (total_step: number, step_per_epoch: number, f: (epoch: number) => number): number[] =>
  Array.from({ length: total_step }, (_, i) => f(Math.floor(i / step_per_epoch)));

/** `nn.exponential_decay_lr(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair=False)`. */
export function exponential_decay_lr(
  learning_rate: number,
  decay_rate: number,
  total_step: number,
  step_per_epoch: number,
  decay_epoch: number,
  is_stair = false,
): number[] {
  checkInputs(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair);
  return perStep(total_step, step_per_epoch, (e) => learning_rate * decay_rate ** (is_stair ? Math.floor(e / decay_epoch) : e / decay_epoch));
}

/**
 * `nn.natural_exp_decay_lr(...)`: lr·e^(−rate·epoch), and with is_stair the
 * epoch is rounded down to a multiple of decay_epoch (MindSpore's code).
 */
export function natural_exp_decay_lr(
  learning_rate: number,
  decay_rate: number,
  total_step: number,
  step_per_epoch: number,
  decay_epoch: number,
  is_stair = false,
): number[] {
  checkInputs(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair);
  return perStep(total_step, step_per_epoch, (e) => learning_rate * Math.E ** (-decay_rate * (is_stair ? Math.floor(e / decay_epoch) * decay_epoch : e)));
}

/** `nn.inverse_decay_lr(...)`: lr / (1 + rate·epoch/decay_epoch). */
export function inverse_decay_lr(
  learning_rate: number,
  decay_rate: number,
  total_step: number,
  step_per_epoch: number,
  decay_epoch: number,
  is_stair = false,
): number[] {
  checkInputs(learning_rate, decay_rate, total_step, step_per_epoch, decay_epoch, is_stair);
  return perStep(total_step, step_per_epoch, (e) =>
    is_stair ? learning_rate / (1 + decay_rate * Math.floor(e / decay_epoch)) : learning_rate / (1 + (decay_rate * e) / decay_epoch),
  );
}

/** `nn.cosine_decay_lr(min_lr, max_lr, total_step, step_per_epoch, decay_epoch)`. */
export function cosine_decay_lr(min_lr: number, max_lr: number, total_step: number, step_per_epoch: number, decay_epoch: number): number[] {
  if (typeof min_lr !== "number") throw new TypeError(`For 'cosine_decay_lr', the argument 'min_lr' must be type of float, but got 'min_lr' type: ${typeName(min_lr)}.`);
  checkFloat(min_lr, ">=", 0, "min_lr");
  checkFloat(max_lr, ">", 0, "max_lr");
  checkInt(total_step, ">", 0, "total_step");
  checkInt(step_per_epoch, ">", 0, "step_per_epoch");
  checkInt(decay_epoch, ">", 0, "decay_epoch");
  if (min_lr >= max_lr) {
    throw new ValueError(`For 'cosine_decay_lr', the 'max_lr' should be greater than the 'min_lr', but got 'max_lr' value: ${pyFloat(max_lr)}, 'min_lr' value: ${pyFloat(min_lr)}.`);
  }
  const delta = 0.5 * (max_lr - min_lr);
  return perStep(total_step, step_per_epoch, (e) => min_lr + delta * (1 + Math.cos((Math.PI * Math.min(e, decay_epoch)) / decay_epoch)));
}

/**
 * `nn.polynomial_decay_lr(learning_rate, end_learning_rate, total_step, step_per_epoch, decay_epoch, power, update_decay_epoch=False)`.
 */
export function polynomial_decay_lr(
  learning_rate: number,
  end_learning_rate: number,
  total_step: number,
  step_per_epoch: number,
  decay_epoch: number,
  power: number,
  update_decay_epoch = false,
): number[] {
  checkFloat(learning_rate, ">", 0, "learning_rate");
  if (typeof end_learning_rate !== "number") {
    throw new TypeError(`For 'polynomial_decay_lr', the argument 'end_learning_rate' must be type of float, but got 'end_learning_rate' type: ${typeName(end_learning_rate)}.`);
  }
  checkFloat(end_learning_rate, ">=", 0, "end_learning_rate");
  checkFloat(power, ">", 0, "power");
  checkInt(total_step, ">", 0, "total_step");
  checkInt(step_per_epoch, ">", 0, "step_per_epoch");
  checkInt(decay_epoch, ">", 0, "decay_epoch");
  checkBoolType(update_decay_epoch, "update_decay_epoch");
  const delta = learning_rate - end_learning_rate;
  return perStep(total_step, step_per_epoch, (e) => {
    // MindSpore's update_decay_epoch stretches the horizon to the next multiple of decay_epoch
    const horizon = update_decay_epoch ? decay_epoch * Math.max(Math.ceil(e / decay_epoch), 1) : decay_epoch;
    const t = update_decay_epoch ? e : Math.min(e, decay_epoch);
    return delta * (1 - t / horizon) ** power + end_learning_rate;
  });
}

/** `nn.warmup_lr(learning_rate, total_step, step_per_epoch, warmup_epoch)`: lr·min(epoch, warmup)/warmup. */
export function warmup_lr(learning_rate: number, total_step: number, step_per_epoch: number, warmup_epoch: number): number[] {
  if (typeof learning_rate !== "number") {
    throw new TypeError(`For 'warmup_lr', the argument 'learning_rate' must be type of float, but got 'learning_rate' type: ${typeName(learning_rate)}.`);
  }
  checkFloat(learning_rate, ">=", 0, "learning_rate");
  checkInt(warmup_epoch, ">", 0, "warmup_epoch");
  checkInt(total_step, ">", 0, "total_step");
  checkInt(step_per_epoch, ">", 0, "step_per_epoch");
  return perStep(total_step, step_per_epoch, (e) => (learning_rate * Math.min(e, warmup_epoch)) / warmup_epoch);
}

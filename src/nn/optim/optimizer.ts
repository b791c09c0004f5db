/**
 * nn.Optimizer: MindSpore's optimizer base (nn/optim/optimizer.py).
 *
 * An optimizer is a Cell: `optimizer(grads)` runs `construct(gradients)`,
 * which updates the Parameters in place with `set_data`. The update is
 * computed on concrete tensors (never traced by autodiff) and committed only
 * after everything has been computed, so a call that throws changes nothing.
 *
 * Parameter handling follows MindSpore 2.3:
 * - `parameters` is a list of Parameters or a list of groups
 *   `{params, lr, weight_decay, grad_centralization}` (+ `{order_params}`).
 * - weight decay is stored multiplied by `loss_scale`; gradients are divided
 *   by `loss_scale` after the decay is added, so the net effect is g/ls + wd·w.
 * - without groups, weight decay skips parameters whose name contains 'beta'
 *   or 'gamma'; with groups it applies wherever the group's value is > 0.
 * - the learning rate is a Parameter named 'learning_rate' (fixed) or a
 *   LearningRateSchedule (dynamic: a Tensor/list per step, or a schedule
 *   Cell). `global_step` (Int32, shape [1]) advances once per call when the
 *   learning rate or the weight decay is dynamic.
 * - state (moments, accumulators) are Parameters named `<prefix>.<param name>`
 *   and, like the ParameterTuples MindSpore assigns to a Cell, they are
 *   registered under those names so a checkpoint of the optimizer holds them.
 */
import { Tensor } from "../../core/tensor.js";
import { float32, int32, type DType } from "../../core/dtype.js";
import { RuntimeError, TypeError, ValueError, typeName } from "../../core/errors.js";
import { fmtShape, shapesEqual } from "../../core/shape.js";
import * as ops from "../../ops/index.js";
import { isPlainObject } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { AUTO_NAME, Parameter, ParameterTuple } from "../parameter.js";
import { LearningRateSchedule, stepValues } from "./learning_rate_schedule.js";
import { KeyError, checkFloat, pyClass } from "./_checks.js";

export type LearningRate = number | Tensor | Iterable<number> | LearningRateSchedule;
export type WeightDecay = number | Cell;

/** A parameter group, as MindSpore's group dicts. */
export interface ParamGroup {
  params?: Iterable<Parameter>;
  lr?: LearningRate;
  weight_decay?: WeightDecay;
  grad_centralization?: boolean;
  order_params?: Iterable<Parameter>;
}
export type Params = Iterable<Parameter> | Iterable<ParamGroup>;

/** Python's NotImplementedError, raised by `Optimizer.construct` itself. */
export class NotImplementedError extends Error {
  override name = "NotImplementedError";
}

const GROUP_KEYS = ["params", "lr", "weight_decay", "order_params", "grad_centralization"];
const pyList = (xs: readonly string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;
const isIterable = (v: unknown): v is Iterable<unknown> =>
  v !== null && v !== undefined && typeof v !== "string" && typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
const isGroup = (v: unknown): v is ParamGroup => isPlainObject(v);

/** A fixed rate seen as a schedule (MindSpore's _ConvertToCell), used when groups mix fixed and dynamic rates. */
export class _ConvertToCell extends LearningRateSchedule {
  declare learning_rate: Parameter;
  constructor(learning_rate: Parameter) {
    super();
    if (!(learning_rate instanceof Parameter)) throw new TypeError(`For 'Optimizer', the argument 'learning_rate' must be Parameter, but got ${pyClass(learning_rate)}.`);
    this.learning_rate = learning_rate;
  }
  override construct(_global_step: Tensor): Tensor {
    return this.learning_rate.value();
  }
}

/**
 * A per-step rate table (MindSpore's _IteratorLearningRate): step i reads
 * entry i. Past the end MindSpore's CPU Gather kernel yields 0, so the rate
 * becomes 0 there too (the parameters stop moving).
 */
export class _IteratorLearningRate extends LearningRateSchedule {
  declare learning_rate: Parameter;
  constructor(learning_rate: Tensor, name: string) {
    super();
    if (!(learning_rate instanceof Tensor)) throw new TypeError(`For 'Optimizer', the argument 'learning_rate' must be Tensor, but got ${pyClass(learning_rate)}.`);
    if (learning_rate.ndim !== 1) {
      throw new ValueError(`For 'Optimizer', the dimension of the argument 'learning_rate' should be 1, but got ${learning_rate.ndim}.`);
    }
    this.learning_rate = new Parameter(learning_rate, name);
  }
  override construct(global_step: Tensor): Tensor {
    const { values, shape } = stepValues(global_step, "Optimizer");
    const table = this.learning_rate._data();
    const pick = (s: number) => (Number.isInteger(s) && s >= 0 && s < table.length ? table[s] : 0);
    return ops.reshape(new Tensor(Float32Array.from(values, pick), float32), shape);
  }
}

/** A dynamic weight decay times the loss scale (MindSpore's _WrappedWeightDecay). */
export class _WrappedWeightDecay extends Cell {
  declare weight_decay: Cell;
  declare loss_scale: number;
  constructor(weight_decay: Cell, loss_scale = 1.0) {
    super();
    this.weight_decay = weight_decay;
    this.loss_scale = loss_scale;
  }
  override construct(global_step: Tensor): Tensor {
    const wd = this.weight_decay(global_step);
    if (!(wd instanceof Tensor)) throw new TypeError(`For 'Optimizer', a dynamic 'weight_decay' Cell must return a Tensor, but got ${typeName(wd)}.`);
    return ops.mul(ops.cast(wd, float32), this.loss_scale);
  }
}

type LrEntry = Parameter | LearningRateSchedule;

export class Optimizer extends Cell {
  /** Fixed: Parameter 'learning_rate'. Dynamic: a schedule. Grouped: one entry per parameter. */
  declare learning_rate: LrEntry | ParameterTuple | LrEntry[];
  /** The parameters, in update order: pass them as `weights` to value_and_grad. */
  declare parameters: ParameterTuple;
  declare global_step: Parameter;
  declare loss_scale: number;
  /** Non-grouped: the decay (already times loss_scale). Grouped: one per parameter. */
  declare weight_decay: number | Cell | (number | Cell)[];
  declare decay_flags: boolean[];
  declare dynamic_decay_flags: boolean | boolean[];
  declare exec_weight_decay: boolean;
  declare dynamic_lr: boolean;
  declare dynamic_weight_decay: boolean;
  declare is_group: boolean;
  declare is_group_lr: boolean;
  declare is_group_params_ordered: boolean;
  declare grad_centralization: boolean;
  declare grad_centralization_flags: boolean[];
  declare need_scale: boolean;
  declare reciprocal_scale: number;
  declare group_params: Parameter[];
  declare group_lr: LrEntry[];
  declare group_weight_decay: (number | Cell)[];
  declare group_grad_centralization: boolean[];
  declare _next_auto_id: number;

  constructor(learning_rate: unknown, parameters: unknown, weight_decay: unknown = 0.0, loss_scale: unknown = 1.0) {
    super(false);
    this._next_auto_id = 1;
    const list = this._parameters_base_check(parameters, "parameters");
    if (!list.every((x) => x instanceof Parameter) && !list.every(isGroup)) {
      throw new TypeError("For 'Optimizer', all elements of the argument 'parameters' must be 'Parameter' or 'dict', please check the 'parameters'.");
    }
    if (typeof loss_scale !== "number") throw new TypeError(`For '${this.cls_name}', the type of 'loss_scale' should be 'float', but got type '${typeName(loss_scale)}'.`);
    this.loss_scale = checkFloat(loss_scale, ">", 0, "loss_scale", this.cls_name);
    this.dynamic_weight_decay = false;
    this.grad_centralization = false;
    this.dynamic_lr = false;
    this.global_step = new Parameter(ops.zeros([1], int32), "global_step");
    this.is_group = false;
    this.is_group_lr = false;
    this.is_group_params_ordered = false;
    const lr = this._preprocess_single_lr(learning_rate);
    if (isGroup(list[0])) {
      this.is_group = true;
      this.group_params = [];
      this.group_lr = [];
      this.group_weight_decay = [];
      this.group_grad_centralization = [];
      this._init_group_params(list as ParamGroup[], lr, weight_decay, this.grad_centralization);
    }
    this._init_opt_attrs(lr, list as Parameter[], weight_decay);
  }

  /** The class name MindSpore puts in its messages. */
  get cls_name(): string {
    return this.constructor.name;
  }

  // ------------------------------------------------------------------ construction

  _parameters_base_check(parameters: unknown, param_info: string): unknown[] {
    if (parameters === null || parameters === undefined) throw new ValueError(`For 'Optimizer', the argument ${param_info} can not be None.`);
    if (!isIterable(parameters)) throw new TypeError(`For 'Optimizer', the argument ${param_info} must be Iterable type, but got ${pyClass(parameters)}.`);
    const list = [...parameters];
    if (list.length === 0) throw new ValueError(`For 'Optimizer', the argument ${param_info} must not be empty.`);
    return list;
  }

  _preprocess_weight_decay(weight_decay: unknown): number | Cell {
    if (typeof weight_decay === "number") return checkFloat(weight_decay, ">=", 0, "weight_decay", this.cls_name) * this.loss_scale;
    if (weight_decay instanceof Cell) {
      this.dynamic_weight_decay = true;
      return new _WrappedWeightDecay(weight_decay, this.loss_scale);
    }
    throw new TypeError(`For 'Optimizer', the argument 'Weight_decay' must be int, float or Cell.but got ${pyClass(weight_decay)}`);
  }

  _preprocess_grad_centralization(grad_centralization: unknown): boolean {
    if (typeof grad_centralization !== "boolean") {
      throw new TypeError(`For 'Optimizer', the 'gradients_centralization' must be bool type, but got ${pyClass(grad_centralization)}.`);
    }
    return grad_centralization;
  }

  /** A number, a Float32 Tensor (0-d fixed, 1-d per step) or a schedule; flags dynamic rates. */
  _preprocess_single_lr(learning_rate: unknown): number | Tensor | LearningRateSchedule {
    if (typeof learning_rate === "number") return checkFloat(learning_rate, ">=", 0, "learning rate", this.cls_name);
    if (learning_rate instanceof Tensor && learning_rate.ndim === 0) return ops.cast(new Tensor(learning_rate), float32);
    if (learning_rate instanceof LearningRateSchedule) {
      this.dynamic_lr = true;
      return learning_rate;
    }
    if (learning_rate instanceof Tensor) {
      this.dynamic_lr = true;
      if (learning_rate.ndim > 1) {
        throw new ValueError(`For 'Optimizer', if 'learning_rate' is Tensor type, then the dimension of it should be 0 or 1, but got ${learning_rate.ndim}.`);
      }
      return ops.cast(new Tensor(learning_rate), float32);
    }
    if (isIterable(learning_rate) && !(learning_rate instanceof Cell)) {
      const values = [...learning_rate];
      values.forEach((v, i) => {
        if (typeof v !== "number") throw new TypeError(`For 'Optimizer', every element of an Iterable 'learning_rate' must be a number, but element ${i} is ${typeName(v)}.`);
      });
      this.dynamic_lr = true;
      return new Tensor(Float32Array.from(values as number[]), float32);
    }
    throw new TypeError(`For 'Optimizer', the argument 'learning_rate' must be int, float, Tensor, Iterable or LearningRateSchedule, but got ${pyClass(learning_rate)}.`);
  }

  /** A Parameter for a fixed rate, a table schedule for a 1-d one (MindSpore's _build_single_lr). */
  _build_single_lr(learning_rate: number | Tensor | LearningRateSchedule, name: string): LrEntry {
    if (typeof learning_rate === "number" || (learning_rate instanceof Tensor && learning_rate.ndim === 0)) {
      const p = new Parameter(typeof learning_rate === "number" ? new Tensor(learning_rate, float32) : learning_rate, name);
      return this.is_group_lr && this.dynamic_lr ? new _ConvertToCell(p) : p;
    }
    if (learning_rate instanceof Tensor) return new _IteratorLearningRate(learning_rate, name);
    return learning_rate;
  }

  _check_group_params(groups: ParamGroup[]): void {
    for (const group of groups) {
      const keys = Object.keys(group);
      const invalid = keys.filter((k) => !GROUP_KEYS.includes(k));
      if (invalid.length > 0) throw new KeyError(`For 'Optimizer', the key in group params must be one of in ${pyList(GROUP_KEYS)}, but got ${pyList(invalid)}.`);
      if ("order_params" in group) {
        if (keys.length > 1) {
          throw new ValueError(`For 'Optimizer', the order params dict in group parameters should only include the 'order_params' key, but got dict_keys(${pyList(keys)}).`);
        }
        if (!isIterable(group.order_params)) {
          throw new TypeError(`For 'Optimizer', the value of 'order_params' in group parameters should be Iterable type, but got ${pyClass(group.order_params)}.`);
        }
        continue;
      }
      this._parameters_base_check(group.params, "group `params`").forEach((p, index) => {
        if (!(p instanceof Parameter)) throw new TypeError(`For 'Optimizer', the element in group parameters must be Parameter type, but got ${pyClass(p)} at index ${index}.`);
      });
    }
  }

  _parse_group_params(groups: ParamGroup[], learning_rate: number | Tensor | LearningRateSchedule): void {
    this._check_group_params(groups);
    let tableLength = learning_rate instanceof Tensor && learning_rate.ndim === 1 ? learning_rate.size : 0;
    for (const group of groups) {
      if ("order_params" in group) {
        this.is_group_params_ordered = true;
        continue;
      }
      if ("lr" in group) {
        this.is_group_lr = true;
        const lr = this._preprocess_single_lr(group.lr);
        if (lr instanceof Tensor && lr.ndim === 1) {
          if (tableLength === 0) tableLength = lr.size;
          else if (lr.size !== tableLength) {
            throw new ValueError("For 'Optimizer', the Tensor type dynamic learning rate in group must be the same size as the argument 'learning_rate'.");
          }
        }
      }
    }
  }

  _init_group_params(groups: ParamGroup[], learning_rate: number | Tensor | LearningRateSchedule, weight_decay: unknown, grad_centralization: boolean): void {
    this._parse_group_params(groups, learning_rate);
    const default_lr = this._build_single_lr(learning_rate, "learning_rate");
    const names = new Set<string>();
    let ordered: Parameter[] | null = null;
    groups.forEach((group, group_num) => {
      if ("order_params" in group) {
        ordered = [...(group.order_params as Iterable<Parameter>)];
        return;
      }
      const params = [...(group.params as Iterable<Parameter>)];
      const lr = "lr" in group ? this._build_single_lr(this._preprocess_single_lr(group.lr), `learning_rate_group_${group_num}`) : default_lr;
      const wd = this._preprocess_weight_decay("weight_decay" in group ? group.weight_decay : weight_decay);
      const gc = "grad_centralization" in group ? (this.grad_centralization = this._preprocess_grad_centralization(group.grad_centralization)) : grad_centralization;
      for (const p of params) {
        if (names.has(p.name)) {
          throw new RuntimeError(
            `For 'Optimizer', the ${p.name} parameter already exists, it does not support repeated setting. Please check whether the optimizer parameter has been set multiple times.`,
          );
        }
        names.add(p.name);
        this.group_params.push(p);
        this.group_lr.push(lr);
        this.group_weight_decay.push(wd);
        this.group_grad_centralization.push(gc);
      }
    });
    if (this.is_group_params_ordered && ordered) this._order_and_adjust_group_params(ordered);
  }

  _order_and_adjust_group_params(ordered_parameters: Parameter[]): void {
    const n = this.group_params.length;
    if (ordered_parameters.length !== n) {
      throw new ValueError(
        `For 'Optimizer',the length of order parameters must be the same as the length of group parameters, but got order parameters' length ${ordered_parameters.length}, group parameters' length ${n}.`,
      );
    }
    const names = ordered_parameters.map((p) => p.name);
    const at = this.group_params.map((p) => {
      const i = names.indexOf(p.name);
      if (i < 0) throw new ValueError(`'${p.name}' is not in list`);
      return i;
    });
    const place = <T>(xs: T[]): T[] => {
      const out = new Array<T>(n);
      xs.forEach((x, k) => (out[at[k]] = x));
      return out;
    };
    this.group_params = place(this.group_params);
    this.group_lr = place(this.group_lr);
    this.group_weight_decay = place(this.group_weight_decay);
    this.group_grad_centralization = place(this.group_grad_centralization);
  }

  _init_opt_attrs(learning_rate: number | Tensor | LearningRateSchedule, parameters: Parameter[], weight_decay: unknown): void {
    const wd = this._preprocess_weight_decay(weight_decay);
    if (this.is_group_lr) {
      if (this.dynamic_lr) {
        this.learning_rate = [...this.group_lr];
        // MindSpore keeps them in a CellList; their Parameters belong to the optimizer's checkpoint
        for (const cell of new Set(this.group_lr as LearningRateSchedule[])) this._insert_parameters(cell.get_parameters());
      } else {
        this.learning_rate = new ParameterTuple(this.group_lr as Parameter[]);
      }
    } else {
      this.learning_rate = this._build_single_lr(learning_rate, "learning_rate");
    }
    if (this.is_group) {
      this.parameters = new ParameterTuple(this.group_params);
      this.decay_flags = this.group_weight_decay.map((x) => x instanceof Cell || x > 0);
      this.dynamic_decay_flags = this.group_weight_decay.map((x) => x instanceof Cell);
      this.weight_decay = [...this.group_weight_decay];
      this.exec_weight_decay = this.decay_flags.some(Boolean);
      this.grad_centralization_flags = [...this.group_grad_centralization];
    } else {
      this.parameters = new ParameterTuple(parameters);
      this.decay_flags = this.parameters.map((p) => !p.name.includes("beta") && !p.name.includes("gamma"));
      this.dynamic_decay_flags = wd instanceof Cell;
      this.exec_weight_decay = wd instanceof Cell || wd > 0;
      this.weight_decay = wd;
      this.grad_centralization_flags = this.parameters.map(() => false);
    }
    this.reciprocal_scale = 1.0 / this.loss_scale;
    this.need_scale = this.loss_scale !== 1.0;
  }

  /**
   * Attribute bookkeeping: a ParameterTuple assigned to the optimizer has its
   * Parameters registered under their own names (MindSpore's
   * _set_attr_for_parameter_tuple), so they are saved with the optimizer.
   */
  override _register(key: string, value: unknown): void {
    if (value instanceof ParameterTuple) {
      super._register(key, undefined);
      this._insert_parameters(value);
      return;
    }
    super._register(key, value);
  }

  _insert_parameters(params: Iterable<Parameter>): void {
    const seen = new Set<Parameter>();
    const names = new Set<string>();
    for (const p of params) {
      if (seen.has(p)) continue;
      seen.add(p);
      // MindSpore names an unnamed Parameter 'Parameter$<id>' here
      if (p.name === AUTO_NAME) p.name = `${AUTO_NAME}$${this._next_auto_id++}`;
      if (names.has(p.name)) throw new ValueError(`For '${this.cls_name}', the name '${p.name}' is used by two different Parameters. Please set a unique name for each Parameter.`);
      names.add(p.name);
      this._params.set(p.name, p);
    }
  }

  /** `ParameterTuple.clone(prefix, init)`: zeros/ones/constant state named `<prefix>.<name>`. */
  _clone_state(prefix: string, init: number): ParameterTuple {
    return new ParameterTuple(this.parameters.map((p) => new Parameter(ops.full(p.shape, init, { dtype: p.dtype }), `${prefix}.${p.name}`, p.requires_grad)));
  }

  // ------------------------------------------------------------------ per-step values

  /** Whether the learning rate or the weight decay changes with the step. */
  _is_dynamic_lr_or_weight_decay(): boolean {
    return this.dynamic_lr || this.dynamic_weight_decay;
  }

  /** The learning rate of the current step, one 0-d Float32 Tensor per parameter; no side effect. */
  _current_lrs(): Tensor[] {
    const step = this.global_step.value();
    const cache = new Map<LrEntry, Tensor>();
    const value = (lr: LrEntry): Tensor => {
      let v = cache.get(lr);
      if (!v) {
        if (lr instanceof Parameter) v = lr.value();
        else {
          const out = lr(step);
          if (!(out instanceof Tensor) || out.size !== 1) {
            throw new TypeError(`For '${this.cls_name}', a LearningRateSchedule must return a Tensor with one element, but got ${out instanceof Tensor ? `shape ${fmtShape(out.shape)}` : typeName(out)}.`);
          }
          v = ops.reshape(ops.cast(new Tensor(out), float32), []);
        }
        cache.set(lr, v);
      }
      return v;
    };
    if (this.is_group_lr) return [...(this.learning_rate as LrEntry[])].map(value);
    const v = value(this.learning_rate as LrEntry);
    return this.parameters.map(() => v);
  }

  /** The weight decay of the current step, per parameter (0 where it does not apply); no side effect. */
  _current_weight_decays(): (number | Tensor)[] {
    const step = this.global_step.value();
    const value = (wd: number | Cell): number | Tensor => (wd instanceof Cell ? (wd(step) as Tensor) : wd);
    if (Array.isArray(this.weight_decay)) return this.weight_decay.map((wd, i) => (this.decay_flags[i] ? value(wd) : 0));
    const wd = value(this.weight_decay as number | Cell);
    return this.decay_flags.map((f) => (f ? wd : 0));
  }

  /** Put the new values in place, then advance `global_step` (by one when dynamic, plus `extra`). */
  _commit(updates: readonly [Parameter, Tensor][], extra = 0): void {
    for (const [p, v] of updates) p.set_data(v);
    const inc = (this._is_dynamic_lr_or_weight_decay() ? 1 : 0) + extra;
    if (inc > 0) this.global_step.set_data(ops.add(this.global_step.value(), inc));
  }

  // ------------------------------------------------------------------ MindSpore's public helpers

  /**
   * The learning rate for the current step (a Parameter for a fixed rate, a
   * 0-d Tensor for a dynamic one, a tuple with groups); advances `global_step`
   * when the rate or the weight decay is dynamic, as MindSpore's get_lr does.
   */
  get_lr(): Tensor | Tensor[] {
    let lr: Tensor | Tensor[];
    if (!this.dynamic_lr) lr = this.is_group_lr ? [...(this.learning_rate as ParameterTuple)] : (this.learning_rate as Parameter);
    else {
      const lrs = this._current_lrs();
      lr = this.is_group_lr ? lrs : lrs[0];
    }
    this._commit([]);
    return lr;
  }

  /** The weight decay for the current step (a number, a Tensor for a dynamic one, a tuple with groups). */
  get_weight_decay(): number | Tensor | (number | Tensor)[] {
    const step = this.global_step.value();
    const value = (wd: number | Cell): number | Tensor => (wd instanceof Cell ? (wd(step) as Tensor) : wd);
    return Array.isArray(this.weight_decay) ? this.weight_decay.map(value) : value(this.weight_decay as number | Cell);
  }

  /** The learning-rate Parameter (or schedule) of a parameter or of a list of them. */
  get_lr_parameter(param: Parameter | Parameter[]): unknown {
    const list = param instanceof Parameter ? [param] : Array.isArray(param) ? param : null;
    if (!list) throw new TypeError(`For 'get_lr_parameter', the 'param' must be 'Parameter' or 'list' type, but got ${pyClass(param)}.`);
    const unwrap = (lr: LrEntry) => (lr instanceof _ConvertToCell || lr instanceof _IteratorLearningRate ? lr.learning_rate : lr);
    const out = list.map((p) => {
      if (!(p instanceof Parameter)) throw new TypeError(`For '${this.cls_name}', the type of 'parameter' should be 'Parameter', but got type '${typeName(p)}'.`);
      const i = this.parameters.indexOf(p);
      if (i < 0) throw new ValueError(`For 'get_lr_parameter', the parameter ${p.name} is not in optimizer, please check whether the argument 'param' is correct.`);
      return unwrap(this.is_group_lr ? (this.learning_rate as LrEntry[])[i] : (this.learning_rate as LrEntry));
    });
    return param instanceof Parameter ? out[0] : out;
  }

  /** Gradients plus weight_decay·weight where the decay applies (MindSpore's decay_weight). */
  decay_weight(gradients: readonly Tensor[]): Tensor[] {
    if (!this.exec_weight_decay) return [...gradients];
    const wds = this._current_weight_decays();
    return gradients.map((g, i) => (this.decay_flags[i] ? ops.add(ops.mul(this.parameters[i].value(), castLike(wds[i], g.dtype)), g) : g));
  }

  /** Subtract the per-sample mean of conv-like gradients in groups with grad_centralization (MindSpore's Centralization). */
  gradients_centralization(gradients: readonly Tensor[]): Tensor[] {
    if (!this.is_group) return [...gradients];
    return gradients.map((g, i) => {
      if (!this.grad_centralization_flags[i] || g.ndim < 2 || g.shape[1] % 16 !== 0) return g;
      const axes = Array.from({ length: g.ndim - 1 }, (_, k) => k + 1);
      return ops.sub(g, ops.mean(g, axes, true));
    });
  }

  /** Gradients divided by loss_scale (MindSpore's scale_grad). */
  scale_grad(gradients: readonly Tensor[]): Tensor[] {
    if (!this.need_scale) return [...gradients];
    return gradients.map((g) => ops.mul(g, this.reciprocal_scale));
  }

  /** Contiguous-memory parameters are not used here: the gradients come back unchanged. */
  flatten_gradients(gradients: readonly Tensor[]): Tensor[] {
    return [...gradients];
  }

  /**
   * The checked, concrete gradients: an array aligned with `parameters`, one
   * floating Tensor of the parameter's shape each (cast to its dtype).
   */
  _check_gradients(gradients: unknown): Tensor[] {
    const op = this.cls_name;
    if (!Array.isArray(gradients)) {
      throw new TypeError(`For '${op}', the 'gradients' must be a tuple or list of Tensors aligned with 'optimizer.parameters', but got ${typeName(gradients)}.`);
    }
    if (gradients.length !== this.parameters.length) {
      throw new ValueError(`For '${op}', the number of 'gradients' must equal the number of parameters (${this.parameters.length}), but got ${gradients.length}.`);
    }
    return gradients.map((g: unknown, i) => {
      const p = this.parameters[i];
      if (!(g instanceof Tensor)) throw new TypeError(`For '${op}', gradients[${i}] (of parameter '${p.name}') must be a Tensor, but got ${typeName(g)}.`);
      if (!shapesEqual(g.shape, p.shape)) {
        throw new ValueError(`For '${op}', the shape of gradients[${i}] must be the shape ${fmtShape(p.shape)} of parameter '${p.name}', but got ${fmtShape(g.shape)}.`);
      }
      if (!g.dtype.is_floating_point) throw new TypeError(`For '${op}', gradients[${i}] (of parameter '${p.name}') must be a floating Tensor, but got ${g.dtype.name}.`);
      return ops.cast(new Tensor(g), p.dtype);
    });
  }

  /** The usual preprocessing: check, decay, centralize, unscale (the order of Momentum/Adam/RMSProp/Adagrad). */
  _preprocessed(gradients: unknown): Tensor[] {
    const g = this.flatten_gradients(this._check_gradients(gradients));
    return this.scale_grad(this.gradients_centralization(this.decay_weight(g)));
  }

  override construct(..._gradients: unknown[]): unknown {
    throw new NotImplementedError(`For '${this.cls_name}', the method 'construct' is not implemented: Optimizer is a base class.`);
  }

  override extend_repr(): string {
    return "";
  }
}

/** A weight decay (number or Tensor) in a gradient's dtype. */
function castLike(wd: number | Tensor, dtype: DType): number | Tensor {
  return wd instanceof Tensor ? ops.cast(wd, dtype) : wd;
}


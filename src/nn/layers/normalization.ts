/**
 * nn.BatchNorm1d / BatchNorm2d, nn.LayerNorm, nn.GroupNorm (MindSpore 2.3).
 *
 * BatchNorm keeps MindSpore's momentum convention, moving = momentum * moving
 * + (1 - momentum) * batch (momentum=0.9 is PyTorch's 0.1), and updates the
 * moving statistics in place (outside autodiff) in training; the moving
 * variance takes the unbiased batch variance, as MindSpore's CPU/GPU kernels.
 * The Parameters are registered in MindSpore's order: moving_mean,
 * moving_variance, gamma, beta.
 */
import { Tensor } from "../../core/tensor.js";
import { DType, float32 } from "../../core/dtype.js";
import { TypeError, ValueError, typeName } from "../../core/errors.js";
import * as ops from "../../ops/index.js";
import { optionalArgs } from "../../ops/args.js";
import { Cell } from "../cell.js";
import { Parameter } from "../parameter.js";
import { checkBool, checkDtype, checkFloat, checkInput, checkPositiveInt, makeParam, pyFloat, pyFmt, type Init } from "./common.js";

abstract class BatchNormBase extends Cell {
  readonly num_features: number;
  readonly eps: number;
  /** MindSpore's momentum (weight of the old moving value) */
  readonly momentum: number;
  readonly affine: boolean;
  readonly use_batch_statistics: boolean | null;
  readonly data_format: string = "NCHW";
  declare moving_mean: Parameter;
  declare moving_variance: Parameter;
  declare gamma: Parameter;
  declare beta: Parameter;

  constructor(op: string, num_features: number, rest: unknown[]) {
    super();
    const o = optionalArgs(op, rest, {
      eps: 1e-5 as number,
      momentum: 0.9 as number,
      affine: true as boolean,
      gamma_init: "ones" as Init,
      beta_init: "zeros" as Init,
      moving_mean_init: "zeros" as Init,
      moving_var_init: "ones" as Init,
      use_batch_statistics: null as boolean | null,
      data_format: "NCHW" as string,
      dtype: float32 as DType,
    });
    if (typeof num_features !== "number" || !Number.isInteger(num_features)) throw new TypeError(`For '${op}', the 'num_features' must be int, but got ${typeName(num_features)}.`);
    if (num_features < 1) throw new ValueError(`For '${op}', the 'num_features' must be at least 1, but got ${num_features}.`);
    this.num_features = num_features;
    this.eps = checkFloat(o.eps, op, "eps");
    const momentum = checkFloat(o.momentum, op, "momentum");
    if (momentum < 0 || momentum > 1) throw new ValueError(`For '${op}', the 'momentum' must be a number in range [0, 1], but got ${momentum}.`);
    this.momentum = momentum;
    this.affine = checkBool(o.affine, op, "affine");
    if (o.use_batch_statistics !== null && typeof o.use_batch_statistics !== "boolean") {
      throw new ValueError(`For '${op}', the 'use_batch_statistics' must be a boolean value or None, but got ${String(o.use_batch_statistics)}.`);
    }
    this.use_batch_statistics = o.use_batch_statistics;
    if (o.data_format !== "NCHW") throw new ValueError(`For '${op}', the 'data_format' must be 'NCHW' (NHWC is GPU-only in MindSpore), but got '${String(o.data_format)}'.`);
    const dtype = checkDtype(o.dtype, op);
    const shape = [num_features];
    this.moving_mean = makeParam(o.moving_mean_init ?? "zeros", shape, dtype, "moving_mean", op, "moving_mean_init", false);
    this.moving_variance = makeParam(o.moving_var_init ?? "ones", shape, dtype, "moving_variance", op, "moving_var_init", false);
    this.gamma = makeParam(o.gamma_init ?? "ones", shape, dtype, "gamma", op, "gamma_init", this.affine);
    this.beta = makeParam(o.beta_init ?? "zeros", shape, dtype, "beta", op, "beta_init", this.affine);
  }

  protected abstract checkRank(x: Tensor): void;

  override construct(x: Tensor): Tensor {
    this.checkRank(x);
    if (x.shape[1] !== this.num_features) {
      throw new ValueError(`For '${this.constructor.name}', the input channels (x.shape[1]) must equal num_features (${this.num_features}), but got x of shape (${x.shape.join(", ")}).`);
    }
    const useBatch = this.use_batch_statistics ?? this.training;
    // ops.batch_norm's momentum is PyTorch's: the weight of the new batch statistic
    return ops.batch_norm(x, this.moving_mean, this.moving_variance, this.gamma, this.beta, useBatch, 1 - this.momentum, this.eps);
  }

  override extend_repr(): string {
    return `num_features=${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(1 - (1 - this.momentum))}, gamma=${String(this.gamma)}, beta=${String(this.beta)}, moving_mean=${String(this.moving_mean)}, moving_variance=${String(this.moving_variance)}`;
  }
}

/**
 * `nn.BatchNorm1d(num_features, eps=1e-5, momentum=0.9, affine=True, gamma_init='ones', beta_init='zeros',
 * moving_mean_init='zeros', moving_var_init='ones', use_batch_statistics=None, data_format='NCHW', dtype=float32)`:
 * input (N, C) or (N, C, L).
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(num_features: number, ...rest: unknown[]) {
    super("BatchNorm1d", num_features, rest);
  }
  protected checkRank(x: Tensor): void {
    checkInput(x, "BatchNorm1d", [2, 3]);
  }
}

/** `nn.BatchNorm2d(num_features, ...)` (same arguments as BatchNorm1d): input (N, C, H, W). */
export class BatchNorm2d extends BatchNormBase {
  constructor(num_features: number, ...rest: unknown[]) {
    super("BatchNorm2d", num_features, rest);
  }
  protected checkRank(x: Tensor): void {
    checkInput(x, "BatchNorm2d", [4]);
  }
}

/**
 * `nn.LayerNorm(normalized_shape, begin_norm_axis=-1, begin_params_axis=-1, gamma_init='ones',
 * beta_init='zeros', epsilon=1e-7, dtype=float32)`: normalise over the axes
 * begin_norm_axis.. (biased variance); gamma and beta (shape
 * normalized_shape) scale the axes begin_params_axis.. . Note MindSpore's
 * default epsilon 1e-7 (PyTorch: 1e-5).
 */
export class LayerNorm extends Cell {
  readonly normalized_shape: number[];
  readonly begin_norm_axis: number;
  readonly begin_params_axis: number;
  readonly epsilon: number;
  declare gamma: Parameter;
  declare beta: Parameter;
  constructor(normalized_shape: number[], ...rest: unknown[]) {
    super();
    const op = "LayerNorm";
    const o = optionalArgs(op, rest, {
      begin_norm_axis: -1 as number,
      begin_params_axis: -1 as number,
      gamma_init: "ones" as Init,
      beta_init: "zeros" as Init,
      epsilon: 1e-7 as number,
      dtype: float32 as DType,
    });
    if (!Array.isArray(normalized_shape)) {
      throw new TypeError(`For '${op}', the type of 'normalized_shape' must be tuple[int] or list[int], but got ${pyFmt(normalized_shape)} and the type is ${typeName(normalized_shape)}.`);
    }
    normalized_shape.forEach((d) => checkPositiveInt(d, op, "normalized_shape"));
    for (const k of ["begin_norm_axis", "begin_params_axis"] as const) {
      if (typeof o[k] !== "number" || !Number.isInteger(o[k])) throw new TypeError(`For '${op}', the '${k}' must be int, but got ${typeName(o[k])}.`);
    }
    this.normalized_shape = [...normalized_shape];
    this.begin_norm_axis = o.begin_norm_axis;
    this.begin_params_axis = o.begin_params_axis;
    this.epsilon = checkFloat(o.epsilon, op, "epsilon");
    const dtype = checkDtype(o.dtype, op);
    this.gamma = makeParam(o.gamma_init ?? "ones", normalized_shape, dtype, "gamma", op, "gamma_init");
    this.beta = makeParam(o.beta_init ?? "zeros", normalized_shape, dtype, "beta", op, "beta_init");
  }

  override construct(input_x: Tensor): Tensor {
    const op = "LayerNorm";
    const x = checkInput(input_x, op, null, "input_x");
    const r = x.ndim;
    const norm = this.begin_norm_axis < 0 ? this.begin_norm_axis + r : this.begin_norm_axis;
    const params = this.begin_params_axis < 0 ? this.begin_params_axis + r : this.begin_params_axis;
    if (norm < 0 || norm >= r) throw new ValueError(`For '${op}', the 'begin_norm_axis' must be in range [${-r}, ${r}), but got ${this.begin_norm_axis}.`);
    if (params < 0 || params >= r) throw new ValueError(`For '${op}', the 'begin_params_axis' must be in range [${-r}, ${r}), but got ${this.begin_params_axis}.`);
    const paramShape = x.shape.slice(params);
    if (paramShape.join() !== this.normalized_shape.join()) {
      throw new ValueError(`For '${op}', the shape of gamma and beta (${this.normalized_shape.join(", ")}) must equal the input shape from begin_params_axis (${paramShape.join(", ")}); input shape (${x.shape.join(", ")}).`);
    }
    const y = ops.layer_norm(x, x.shape.slice(norm), null, null, this.epsilon);
    const gamma = ops.cast(this.gamma, x.dtype);
    const beta = ops.cast(this.beta, x.dtype);
    return ops.add(ops.mul(y, gamma), beta);
  }

  override extend_repr(): string {
    // MindSpore's format string has no '=' after gamma
    return `normalized_shape=${pyFmt(this.normalized_shape)}, begin_norm_axis=${this.begin_norm_axis}, begin_params_axis=${this.begin_params_axis}, gamma${String(this.gamma)}, beta=${String(this.beta)}`;
  }
}

/**
 * `nn.GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, gamma_init='ones', beta_init='zeros', dtype=float32)`:
 * statistics per sample over each group of channels; input (N, C, ...).
 */
export class GroupNorm extends Cell {
  readonly num_groups: number;
  readonly num_channels: number;
  readonly eps: number;
  readonly affine: boolean;
  declare gamma: Parameter;
  declare beta: Parameter;
  constructor(num_groups: number, num_channels: number, ...rest: unknown[]) {
    super();
    const op = "GroupNorm";
    const o = optionalArgs(op, rest, {
      eps: 1e-5 as number,
      affine: true as boolean,
      gamma_init: "ones" as Init,
      beta_init: "zeros" as Init,
      dtype: float32 as DType,
    });
    this.num_groups = checkPositiveInt(num_groups, op, "num_groups");
    this.num_channels = checkPositiveInt(num_channels, op, "num_channels");
    if (num_channels % num_groups !== 0) {
      throw new ValueError(`For '${op}', the 'num_channels' must be divided by 'num_groups', but got 'num_channels': ${num_channels}, 'num_groups': ${num_groups}.`);
    }
    this.eps = checkFloat(o.eps, op, "eps");
    this.affine = checkBool(o.affine, op, "affine");
    const dtype = checkDtype(o.dtype, op);
    this.gamma = makeParam(o.gamma_init ?? "ones", [num_channels], dtype, "gamma", op, "gamma_init", this.affine);
    this.beta = makeParam(o.beta_init ?? "zeros", [num_channels], dtype, "beta", op, "beta_init", this.affine);
  }
  override construct(x: Tensor): Tensor {
    checkInput(x, "GroupNorm", null);
    if (x.ndim < 2 || x.shape[1] !== this.num_channels) {
      throw new ValueError(`For 'GroupNorm', the input must be (N, C, ...) with C == num_channels (${this.num_channels}), but got shape (${x.shape.join(", ")}).`);
    }
    return ops.group_norm(x, this.num_groups, this.gamma, this.beta, this.eps);
  }
  override extend_repr(): string {
    return `num_groups=${this.num_groups}, num_channels=${this.num_channels}`;
  }
}

/**
 * mindspore-ts: MindSpore's programming model in TypeScript.
 *
 *   import * as ms from "mindspore-ts";
 *   const grad_fn = ms.value_and_grad(fn, 0);
 */
export { Tensor, type NDArray, type NestedArray, type TensorLike } from "./core/tensor.js";
import "./ops/tensor_methods.js";
export {
  DType,
  float16,
  float32,
  float64,
  int8,
  int16,
  int32,
  int64,
  uint8,
  bool_,
  promoteTypes as promote_types,
} from "./core/dtype.js";
export { ValueError, TypeError, RuntimeError, IndexError, KeyError, AttributeError } from "./core/errors.js";
export { set_seed, get_seed } from "./core/random.js";
export { print, str, repr } from "./core/pyprint.js";
export { Parameter, ParameterTuple } from "./nn/parameter.js";
export { grad, value_and_grad, get_grad, stop_gradient } from "./autodiff/grad.js";
export { jvp, vjp, jacfwd, jacrev } from "./autodiff/functional.js";
export { save_checkpoint, load_checkpoint, load_param_into_net, save_checkpoint_to_bytes, load_checkpoint_from_bytes, type ParamDict } from "./io/index.js";
export { set_backend, get_backend, register_backend } from "./backend/registry.js";
export type { Backend, Storage, View, Kernel, KernelTable } from "./backend/backend.js";
export * as ops from "./ops/index.js";
export { slice_ } from "./ops/indexing.js";
export * as nn from "./nn/index.js";
export * as common from "./common.js";

import { initBackendFromEnv } from "./backend/registry.js";
initBackendFromEnv();
export { jit, type JitOptions } from "./jit/jit.js";

/** Shape manipulation, joining and tensor creation, with MindSpore's signatures. */
import { Tensor } from "../core/tensor.js";
import { DType, float32, int64, isDType } from "../core/dtype.js";
import { checkShapeArg, fmtShape, normAxes, normAxis, sizeOf } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { checkTensor, optionalArgs, promoted, resultType } from "./args.js";

/** Resolve a -1 in a target shape. */
function inferShape(shape: number[], size: number, op: string): number[] {
  const neg = shape.filter((d) => d === -1).length;
  if (neg > 1) throw new ValueError(`For '${op}', only one dimension of 'shape' can be -1, but got ${fmtShape(shape)}.`);
  if (shape.some((d) => d < -1)) throw new ValueError(`For '${op}', each dimension of 'shape' must be >= -1, but got ${fmtShape(shape)}.`);
  if (neg === 0) return shape;
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (known === 0 || size % known !== 0) {
    throw new ValueError(`For '${op}', the size ${size} of the input cannot be reshaped to ${fmtShape(shape)}.`);
  }
  return shape.map((d) => (d === -1 ? size / known : d));
}

/** `ops.reshape(input, shape)`; one dimension may be -1. */
export function reshape(input: Tensor, shape: readonly number[] | number): Tensor {
  const x = checkTensor(input, "reshape", "input");
  const s = inferShape(checkShapeArg(shape, "reshape"), x.size, "reshape");
  if (sizeOf(s) !== x.size) {
    throw new ValueError(`For 'reshape', the product of 'shape' ${fmtShape(s)} must equal the size ${x.size} of the input of shape ${fmtShape(x.shape)}.`);
  }
  return L.reshape(x, s);
}

/** `ops.transpose(input, input_perm)`; null reverses the axes. */
export function transpose(input: Tensor, input_perm: readonly number[] | null): Tensor {
  const x = checkTensor(input, "transpose", "input");
  const perm = input_perm === null ? x.shape.map((_, i) => x.ndim - 1 - i) : checkShapeArg(input_perm, "transpose", "input_perm");
  if (perm.length !== x.ndim) {
    throw new ValueError(`For 'transpose', the length of 'input_perm' (${perm.length}) must equal the rank of the input (${x.ndim}).`);
  }
  return L.transpose(x, perm.map((a) => normAxis(a, x.ndim, "transpose", "input_perm")));
}
export const permute = (input: Tensor, axis: readonly number[]) => transpose(input, axis);

/** `ops.t(input)`: transpose of a 1-D or 2-D tensor. */
export function t(input: Tensor): Tensor {
  const x = checkTensor(input, "t", "input");
  if (x.ndim > 2) throw new ValueError(`For 't', the input must be 1-D or 2-D, but got ${x.ndim}-D.`);
  return x.ndim < 2 ? x : L.transpose(x, [1, 0]);
}

/** `ops.expand_dims(input_x, axis)`. */
export function expand_dims(input_x: Tensor, axis: number): Tensor {
  const x = checkTensor(input_x, "expand_dims", "input_x");
  const a = normAxis(axis, x.ndim + 1, "expand_dims");
  const s = x.shape;
  s.splice(a, 0, 1);
  return L.reshape(x, s);
}
/** `ops.unsqueeze(input, dim)`. */
export const unsqueeze = (input: Tensor, dim: number) => expand_dims(input, dim);

/** `ops.squeeze(input, axis=None)`: drop size-1 axes (those named, or all). */
export function squeeze(input: Tensor, axis: number | readonly number[] | null = null): Tensor {
  const x = checkTensor(input, "squeeze", "input");
  const axes = axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes(axis, x.ndim, "squeeze");
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ValueError(`For 'squeeze', the dimension ${a} to squeeze must have size 1, but has size ${x.shape[a]}.`);
  }
  return L.reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** `ops.broadcast_to(input, shape)`; -1 keeps the input's size on that axis. */
export function broadcast_to(input: Tensor, shape: readonly number[]): Tensor {
  const x = checkTensor(input, "broadcast_to", "input");
  const s = checkShapeArg(shape, "broadcast_to");
  const lead = s.length - x.ndim;
  if (lead < 0) {
    throw new ValueError(`For 'broadcast_to', the 'shape' ${fmtShape(s)} must have at least the rank of the input shape ${fmtShape(x.shape)}.`);
  }
  s.forEach((d, i) => {
    if (d === -1 && i < lead) throw new ValueError(`For 'broadcast_to', -1 in 'shape' ${fmtShape(s)} is only allowed where the input has an axis, but it is at new leading axis ${i}.`);
    if (d < -1) throw new ValueError(`For 'broadcast_to', each dimension of 'shape' must be >= -1, but got ${fmtShape(s)}.`);
  });
  return L.broadcast_to(x, s.map((d, i) => (d === -1 ? x.shape[i - lead] : d)));
}

/** `ops.flatten(input, order='C', *, start_dim=1, end_dim=-1)`: MindSpore keeps the batch axis by default. */
export function flatten(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("flatten", rest, { order: "C" as string, start_dim: 1 as number, end_dim: -1 as number });
  const x = checkTensor(input, "flatten", "input");
  if (o.order !== "C" && o.order !== "F") throw new ValueError(`For 'flatten', the 'order' must be 'C' or 'F', but got '${o.order}'.`);
  if (x.ndim === 0) return L.reshape(x, [1]);
  const s = normAxis(o.start_dim, x.ndim, "flatten", "start_dim");
  const e = normAxis(o.end_dim, x.ndim, "flatten", "end_dim");
  if (s > e) throw new ValueError(`For 'flatten', 'start_dim' (${o.start_dim}) must not come after 'end_dim' (${o.end_dim}).`);
  const src = o.order === "F" ? L.transpose(x, x.shape.map((_, i) => x.ndim - 1 - i)) : x;
  const shape = src.shape;
  return L.reshape(src, [...shape.slice(0, s), sizeOf(shape.slice(s, e + 1)), ...shape.slice(e + 1)]);
}

function checkTensorList(tensors: unknown, op: string): Tensor[] {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(`For '${op}', the 'tensors' must be a non-empty tuple or list of Tensors, but got ${typeName(tensors)}${Array.isArray(tensors) ? " of length 0" : ""}.`);
  }
  tensors.forEach((v, i) => {
    if (!(v instanceof Tensor)) throw new TypeError(`For '${op}', element ${i} of 'tensors' must be a Tensor, but got ${typeName(v)}.`);
  });
  const dt = (tensors as Tensor[]).reduce((acc: DType, t) => resultType(new Tensor(0, acc), t), (tensors as Tensor[])[0].dtype);
  return (tensors as Tensor[]).map((t) => L.cast(t, dt));
}

/** `ops.concat(tensors, axis=0)`. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const ts = checkTensorList(tensors, "concat");
  ts.forEach((t, i) => {
    if (t.ndim === 0) throw new ValueError(`For 'concat', the tensors must have rank >= 1, but tensor ${i} is 0-D.`);
  });
  return L.concat(ts, normAxis(axis, ts[0].ndim, "concat"));
}
export const cat = concat;

/** `ops.stack(tensors, axis=0)`: join along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const ts = checkTensorList(tensors, "stack");
  const a = normAxis(axis, ts[0].ndim + 1, "stack");
  ts.forEach((t, i) => {
    if (t.shape.join() !== ts[0].shape.join()) {
      throw new ValueError(`For 'stack', all tensors must have the same shape, but tensor ${i} has ${fmtShape(t.shape)} and tensor 0 has ${fmtShape(ts[0].shape)}.`);
    }
  });
  return L.concat(ts.map((t) => expand_dims(t, a)), a);
}

/** A contiguous copy. */
export function copy(input: Tensor): Tensor {
  const x = checkTensor(input, "copy", "input");
  return L.add(x, L.zerosLike(x));
}

/** `ops.matmul(input, other)`: NumPy semantics, 1-D operands included, batch broadcasting. */
export function matmul(input: Tensor, other: Tensor): Tensor {
  checkTensor(input, "matmul", "input");
  checkTensor(other, "matmul", "other");
  const [a, b] = promoted("matmul", input, other);
  if (a.ndim === 0 || b.ndim === 0) throw new ValueError("For 'matmul', the inputs must not be scalars.");
  const a2 = a.ndim === 1 ? L.reshape(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? L.reshape(b, [b.shape[0], 1]) : b;
  const out = L.matmul(a2, b2);
  const s = out.shape;
  if (a.ndim === 1) s.splice(s.length - 2, 1);
  if (b.ndim === 1) s.splice(s.length - 1, 1);
  return L.reshape(out, s);
}

// ------------------------------------------------------------------ creation

function checkDtype(dtype: unknown, op: string): DType | null {
  if (dtype === null || dtype === undefined) return null;
  if (!isDType(dtype)) throw new TypeError(`For '${op}', the 'dtype' must be a mindspore dtype, but got ${typeName(dtype)}.`);
  return dtype;
}

function sizeArg(size: unknown, op: string): number[] {
  const s = checkShapeArg(size, op, "size");
  if (s.some((d) => d < 0)) throw new ValueError(`For '${op}', every dimension of 'size' must be >= 0, but got ${fmtShape(s)}.`);
  return s;
}

/** `ops.full(size, fill_value, *, dtype=None)`. */
export function full(size: readonly number[] | number, fill_value: number | boolean, ...rest: unknown[]): Tensor {
  const o = optionalArgs("full", rest, { dtype: null as DType | null });
  const dt = checkDtype(o.dtype, "full") ?? new Tensor(fill_value).dtype;
  // a stride-0 view of one element: storage is immutable, so this is safe and costs no memory
  return L.broadcast_to(new Tensor(fill_value, dt), sizeArg(size, "full"));
}
/** `ops.zeros(size, dtype=None)`: Float32 by default. */
export const zeros = (size: readonly number[] | number, dtype: DType | null = null) => full(size, 0, { dtype: checkDtype(dtype, "zeros") ?? float32 });
/** `ops.ones(shape, dtype=None)`: Float32 by default. */
export const ones = (shape: readonly number[] | number, dtype: DType | null = null) => full(shape, 1, { dtype: checkDtype(dtype, "ones") ?? float32 });
/** `ops.fill(type, shape, value)` (MindSpore's older spelling). */
export const fill = (type: DType, shape: readonly number[], value: number) => full(shape, value, { dtype: type });
/** `ops.zeros_like(input, *, dtype=None)`. */
export function zeros_like(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("zeros_like", rest, { dtype: null as DType | null });
  const x = checkTensor(input, "zeros_like", "input");
  return full(x.shape, 0, { dtype: checkDtype(o.dtype, "zeros_like") ?? x.dtype });
}
/** `ops.ones_like(input, *, dtype=None)`. */
export function ones_like(input: Tensor, ...rest: unknown[]): Tensor {
  const o = optionalArgs("ones_like", rest, { dtype: null as DType | null });
  const x = checkTensor(input, "ones_like", "input");
  return full(x.shape, 1, { dtype: checkDtype(o.dtype, "ones_like") ?? x.dtype });
}

/** `ops.arange(start=0, end=None, step=1, *, dtype=None)`: Int64 for int arguments, Float32 otherwise. */
export function arange(start: number = 0, ...rest: unknown[]): Tensor {
  const o = optionalArgs("arange", rest, { end: null as number | null, step: 1 as number, dtype: null as DType | null });
  let [lo, hi] = [start, o.end];
  if (hi === null) [lo, hi] = [0, start];
  for (const [n, v] of [["start", lo], ["end", hi], ["step", o.step]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new TypeError(`For 'arange', the '${n}' must be a finite number, but got ${typeName(v)}.`);
  }
  if (o.step === 0) throw new ValueError("For 'arange', the 'step' must not be 0.");
  if ((hi - lo) / o.step < 0) throw new ValueError(`For 'arange', 'end' (${hi}) must be reachable from 'start' (${lo}) with 'step' (${o.step}).`);
  const n = Math.max(0, Math.ceil((hi - lo) / o.step));
  const allInt = [lo, hi, o.step].every(Number.isInteger);
  const dt = checkDtype(o.dtype, "arange") ?? (allInt ? int64 : float32);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + i * o.step;
  return L.cast(new Tensor(data), dt);
}

/** `ops.linspace(start, end, steps)`: Float32, both ends included. */
export function linspace(start: number, end: number, steps: number): Tensor {
  if (!Number.isInteger(steps) || steps < 0) throw new ValueError(`For 'linspace', the 'steps' must be a non-negative int, but got ${steps}.`);
  const data = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) data[i] = i === steps - 1 && steps > 1 ? end : start + i * step;
  return L.cast(new Tensor(data), float32);
}

/** `ops.eye(n, m=None, dtype=float32)`. */
export function eye(n: number, m: number | null = null, dtype: DType = float32): Tensor {
  const cols = m ?? n;
  if (!Number.isInteger(n) || !Number.isInteger(cols) || n < 0 || cols < 0) {
    throw new ValueError(`For 'eye', 'n' and 'm' must be non-negative ints, but got ${n} and ${String(m)}.`);
  }
  const data = new Float64Array(n * cols);
  for (let i = 0; i < Math.min(n, cols); i++) data[i * cols + i] = 1;
  return L.cast(L.reshape(new Tensor(data), [n, cols]), checkDtype(dtype, "eye") ?? float32);
}


/** Shape manipulation, joining and tensor creation, with MindSpore's signatures. */
import { Tensor } from "../core/tensor.js";
import { DType, float32, int64, isDType } from "../core/dtype.js";
import { checkShapeArg, fmtShape, normAxes, normAxis, sizeOf } from "../core/shape.js";
import { TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { checkTensor, optionalArgs, promoted, resultType } from "./args.js";

/**
 * MindSpore's arguments after the tensors: positional in order, or a
 * trailing options object with the same names (required ones included).
 */
function params<T extends Record<string, unknown>>(op: string, given: readonly unknown[], spec: T, required: readonly (keyof T)[] = []): T {
  const o = optionalArgs<T>(op, given, spec);
  for (const k of required) if (o[k] === undefined) throw new TypeError(`For '${op}', the required argument '${String(k)}' is missing.`);
  return o;
}

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
export function reshape(input: Tensor, ...rest: unknown[]): Tensor {
  const { shape } = params("reshape", rest, { shape: undefined as unknown as readonly number[] | number }, ["shape"]);
  const x = checkTensor(input, "reshape", "input");
  const s = inferShape(checkShapeArg(shape, "reshape"), x.size, "reshape");
  if (sizeOf(s) !== x.size) {
    throw new ValueError(`For 'reshape', the product of 'shape' ${fmtShape(s)} must equal the size ${x.size} of the input of shape ${fmtShape(x.shape)}.`);
  }
  return L.reshape(x, s);
}

/** `ops.transpose(input, input_perm)`; null reverses the axes. */
export function transpose(input: Tensor, ...rest: unknown[]): Tensor {
  const { input_perm } = params("transpose", rest, { input_perm: undefined as unknown as readonly number[] | null }, ["input_perm"]);
  const x = checkTensor(input, "transpose", "input");
  const perm = input_perm === null ? x.shape.map((_, i) => x.ndim - 1 - i) : checkShapeArg(input_perm, "transpose", "input_perm");
  if (perm.length !== x.ndim) {
    throw new ValueError(`For 'transpose', the length of 'input_perm' (${perm.length}) must equal the rank of the input (${x.ndim}).`);
  }
  return L.transpose(x, perm.map((a) => normAxis(a, x.ndim, "transpose", "input_perm")));
}
export function permute(input: Tensor, ...rest: unknown[]): Tensor {
  const { axis } = params("permute", rest, { axis: undefined as unknown as readonly number[] }, ["axis"]);
  return transpose(input, axis);
}

/** `ops.t(input)`: transpose of a 1-D or 2-D tensor. */
export function t(input: Tensor): Tensor {
  const x = checkTensor(input, "t", "input");
  if (x.ndim > 2) throw new ValueError(`For 't', the input must be 1-D or 2-D, but got ${x.ndim}-D.`);
  return x.ndim < 2 ? x : L.transpose(x, [1, 0]);
}

/** `ops.expand_dims(input_x, axis)`. */
export function expand_dims(input_x: Tensor, ...rest: unknown[]): Tensor {
  const { axis } = params("expand_dims", rest, { axis: undefined as unknown as number }, ["axis"]);
  const x = checkTensor(input_x, "expand_dims", "input_x");
  const a = normAxis(axis, x.ndim + 1, "expand_dims");
  const s = x.shape;
  s.splice(a, 0, 1);
  return L.reshape(x, s);
}
/** `ops.unsqueeze(input, dim)`. */
export function unsqueeze(input: Tensor, ...rest: unknown[]): Tensor {
  const { dim } = params("unsqueeze", rest, { dim: undefined as unknown as number }, ["dim"]);
  return expand_dims(input, dim);
}

/** `ops.squeeze(input, axis=None)`: drop size-1 axes (those named, or all). */
export function squeeze(input: Tensor, ...rest: unknown[]): Tensor {
  const { axis } = params("squeeze", rest, { axis: null as number | readonly number[] | null });
  const x = checkTensor(input, "squeeze", "input");
  const axes = axis === null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes(axis, x.ndim, "squeeze");
  for (const a of axes) {
    if (x.shape[a] !== 1) throw new ValueError(`For 'squeeze', the dimension ${a} to squeeze must have size 1, but has size ${x.shape[a]}.`);
  }
  return L.reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/** `ops.broadcast_to(input, shape)`; -1 keeps the input's size on that axis. */
export function broadcast_to(input: Tensor, ...rest: unknown[]): Tensor {
  const { shape } = params("broadcast_to", rest, { shape: undefined as unknown as readonly number[] }, ["shape"]);
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
export function concat(tensors: readonly Tensor[], ...rest: unknown[]): Tensor {
  const { axis } = params("concat", rest, { axis: 0 as number });
  const ts = checkTensorList(tensors, "concat");
  ts.forEach((t, i) => {
    if (t.ndim === 0) throw new ValueError(`For 'concat', the tensors must have rank >= 1, but tensor ${i} is 0-D.`);
  });
  return L.concat(ts, normAxis(axis, ts[0].ndim, "concat"));
}
export const cat = concat;

/** `ops.stack(tensors, axis=0)`: join along a new axis. */
export function stack(tensors: readonly Tensor[], ...rest: unknown[]): Tensor {
  const { axis } = params("stack", rest, { axis: 0 as number });
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


// ------------------------------------------------- slicing, tiling, padding

/** A strided view along one axis: `len` elements from `start`, every `step`. */
function sliceAxis(x: Tensor, axis: number, start: number, len: number, step = 1): Tensor {
  const starts = x.shape.map((_, i) => (i === axis ? start : 0));
  const steps = x.shape.map((_, i) => (i === axis ? step : 1));
  const shape = x.shape.map((d, i) => (i === axis ? len : d));
  return L.slice(x, starts, steps, shape);
}

function checkInt(v: unknown, op: string, arg: string): number {
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(v)}.`);
  return v;
}

function intList(v: unknown, op: string, arg: string): number[] {
  const list = typeof v === "number" ? [v] : v;
  if (!Array.isArray(list) || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the '${arg}' must be an int or a tuple/list of ints, but got ${typeName(v)}.`);
  }
  return [...list];
}

/**
 * `ops.split(tensor, split_size_or_sections, axis=0)`: an int gives chunks of
 * that size (the last may be smaller); a list gives the section sizes, which
 * must add up to the axis' size. Returns an array of views.
 */
export function split(tensor: Tensor, ...rest: unknown[]): Tensor[] {
  const o = params("split", rest, { split_size_or_sections: undefined as unknown as number | readonly number[], axis: 0 as number }, ["split_size_or_sections"]);
  const split_size_or_sections = o.split_size_or_sections;
  const x = checkTensor(tensor, "split", "tensor");
  if (x.ndim === 0) throw new ValueError("For 'split', the 'tensor' must have rank >= 1, but got a 0-D tensor.");
  const axis = normAxis(o.axis, x.ndim, "split");
  const n = x.shape[axis];
  let sizes: number[];
  if (typeof split_size_or_sections === "number") {
    const s = checkInt(split_size_or_sections, "split", "split_size_or_sections");
    if (s <= 0) throw new ValueError(`For 'split', an int 'split_size_or_sections' must be > 0, but got ${s}.`);
    const count = Math.max(1, Math.ceil(n / s));
    sizes = Array.from({ length: count }, (_, i) => Math.min(s, n - i * s));
  } else if (Array.isArray(split_size_or_sections)) {
    sizes = intList(split_size_or_sections, "split", "split_size_or_sections");
    if (sizes.some((d) => d < 0)) throw new ValueError(`For 'split', the sections must be >= 0, but got [${sizes.join(", ")}].`);
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new ValueError(`For 'split', the sections [${sizes.join(", ")}] must add up to the size ${n} of axis ${axis}, but add up to ${total}.`);
    }
  } else {
    throw new TypeError(`For 'split', the 'split_size_or_sections' must be an int or a tuple/list of ints, but got ${typeName(split_size_or_sections)}.`);
  }
  let at = 0;
  return sizes.map((len) => {
    const part = sliceAxis(x, axis, at, len);
    at += len;
    return part;
  });
}

/**
 * `ops.tile(input, dims)`: repeat along each axis (dims and shape aligned
 * from the right, the shorter padded with 1). Built as a broadcast of an
 * interleaved reshape, so the gradient is the broadcast's sum.
 */
export function tile(input: Tensor, ...rest: unknown[]): Tensor {
  const { dims } = params("tile", rest, { dims: undefined as unknown as readonly number[] }, ["dims"]);
  const x = checkTensor(input, "tile", "input");
  if (!Array.isArray(dims)) throw new TypeError(`For 'tile', the 'dims' must be a tuple of ints, but got ${typeName(dims)}.`);
  const reps = intList(dims, "tile", "dims");
  if (reps.some((d) => d < 0)) throw new ValueError(`For 'tile', every element of 'dims' must be >= 0, but got [${reps.join(", ")}].`);
  const n = Math.max(x.ndim, reps.length);
  const xs = [...Array<number>(n - x.ndim).fill(1), ...x.shape];
  const rs = [...Array<number>(n - reps.length).fill(1), ...reps];
  const interleaved = L.reshape(x, xs.flatMap((d) => [1, d]));
  const wide = L.broadcast_to(interleaved, xs.flatMap((d, i) => [rs[i], d]));
  return L.reshape(wide, xs.map((d, i) => d * rs[i]));
}

/** `ops.narrow(input, axis, start, length)`: `length` elements of `axis` from `start` (a view). */
export function narrow(input: Tensor, ...rest: unknown[]): Tensor {
  const { axis, start, length } = params("narrow", rest, { axis: undefined as unknown as number, start: undefined as unknown as number, length: undefined as unknown as number }, ["axis", "start", "length"]);
  const x = checkTensor(input, "narrow", "input");
  if (x.ndim === 0) throw new ValueError("For 'narrow', the 'input' must have rank >= 1, but got a 0-D tensor.");
  const a = normAxis(axis, x.ndim, "narrow");
  const n = x.shape[a];
  const s = checkInt(start, "narrow", "start");
  const len = checkInt(length, "narrow", "length");
  if (s < -n || s >= n) {
    if (!(s === n && len === 0)) throw new ValueError(`For 'narrow', the 'start' must be in range [${-n}, ${n}), but got ${s}.`);
  }
  const s0 = s < 0 ? s + n : s;
  if (len < 0 || len > n - s0) throw new ValueError(`For 'narrow', the 'length' must be in range [0, ${n - s0}], but got ${len}.`);
  return sliceAxis(x, a, s0, len);
}

/** `ops.slice(input_x, begin, size)`: a block of `size` from `begin`; size -1 runs to the end of its axis. */
export function slice(input_x: Tensor, ...rest: unknown[]): Tensor {
  const { begin, size } = params("slice", rest, { begin: undefined as unknown as readonly number[], size: undefined as unknown as readonly number[] }, ["begin", "size"]);
  const x = checkTensor(input_x, "slice", "input_x");
  const b = intList(begin, "slice", "begin");
  const s = intList(size, "slice", "size");
  if (b.length !== x.ndim || s.length !== x.ndim) {
    throw new ValueError(`For 'slice', the length of 'begin' (${b.length}) and 'size' (${s.length}) must equal the rank of 'input_x' (${x.ndim}).`);
  }
  const shape = x.shape.map((d, i) => {
    if (b[i] < 0 || b[i] > d) throw new ValueError(`For 'slice', 'begin[${i}]' must be in range [0, ${d}], but got ${b[i]}.`);
    const len = s[i] === -1 ? d - b[i] : s[i];
    if (len < 0 || b[i] + len > d) {
      throw new ValueError(`For 'slice', 'size[${i}]' must be -1 or in range [0, ${d - b[i]}] (begin ${b[i]}, axis size ${d}), but got ${s[i]}.`);
    }
    return len;
  });
  return L.slice(x, b, x.shape.map(() => 1), shape);
}

/** One axis of a non-constant pad: the pieces to put before and after `x` along `axis`. */
function padPieces(x: Tensor, axis: number, before: number, after: number, mode: string): [Tensor | null, Tensor | null] {
  const n = x.shape[axis];
  const limit = mode === "reflect" ? n - 1 : n;
  for (const [side, p] of [["before", before], ["after", after]] as const) {
    if (p < 0) throw new ValueError(`For 'pad', negative padding is only supported in 'constant' mode, but got ${p} (${side} axis ${axis}) in '${mode}' mode.`);
    if (p > 0 && p > limit) {
      throw new ValueError(`For 'pad', in '${mode}' mode the padding on axis ${axis} must be ${mode === "reflect" ? "less than" : "at most"} the axis size ${n}, but got ${p}.`);
    }
  }
  const piece = (p: number, left: boolean): Tensor | null => {
    if (p === 0) return null;
    if (mode === "reflect") return left ? sliceAxis(x, axis, p, p, -1) : sliceAxis(x, axis, n - 2, p, -1);
    if (mode === "replicate") {
      const edge = sliceAxis(x, axis, left ? 0 : n - 1, 1);
      return L.broadcast_to(edge, edge.shape.map((d, i) => (i === axis ? p : d)));
    }
    return left ? sliceAxis(x, axis, n - p, p) : sliceAxis(x, axis, 0, p); // circular
  };
  return [piece(before, true), piece(after, false)];
}

/**
 * `ops.pad(input_x, padding, mode='constant', value=None)`: `padding` pairs
 * (before, after) start from the LAST axis, as in PyTorch. Constant mode
 * takes negative amounts (cropping); 'reflect', 'replicate' and 'circular'
 * are built from slices and concatenation.
 */
export function pad(input_x: Tensor, ...rest: unknown[]): Tensor {
  const o = params("pad", rest, { padding: undefined as unknown as readonly number[], mode: "constant" as string, value: null as number | boolean | null }, ["padding"]);
  const padding = o.padding;
  const x = checkTensor(input_x, "pad", "input_x");
  if (!Array.isArray(padding)) throw new TypeError(`For 'pad', the 'padding' must be a tuple or list of ints, but got ${typeName(padding)}.`);
  const pads = intList(padding, "pad", "padding");
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ValueError(`For 'pad', the length of 'padding' must be even and at most 2 * rank (${2 * x.ndim}), but got ${pads.length}.`);
  }
  if (!["constant", "reflect", "replicate", "circular"].includes(o.mode)) {
    throw new ValueError(`For 'pad', the 'mode' must be 'constant', 'reflect', 'replicate' or 'circular', but got '${String(o.mode)}'.`);
  }
  if (o.value !== null && typeof o.value !== "number" && typeof o.value !== "boolean") {
    throw new TypeError(`For 'pad', the 'value' must be a number or None, but got ${typeName(o.value)}.`);
  }
  if (o.mode !== "constant" && o.value !== null && o.value !== 0) {
    throw new ValueError(`For 'pad', the 'value' is only used in 'constant' mode, but got value=${o.value} with mode '${o.mode}'.`);
  }
  const before = x.shape.map(() => 0);
  const after = x.shape.map(() => 0);
  for (let k = 0; k < pads.length / 2; k++) {
    before[x.ndim - 1 - k] = pads[2 * k];
    after[x.ndim - 1 - k] = pads[2 * k + 1];
  }
  if (o.mode === "constant") {
    // crop the negative amounts first, then pad the rest
    const starts = before.map((b) => Math.max(0, -b));
    const shape = x.shape.map((d, i) => d - starts[i] - Math.max(0, -after[i]));
    if (shape.some((d) => d < 0)) throw new ValueError(`For 'pad', the negative padding [${pads.join(", ")}] crops more than the input shape ${fmtShape(x.shape)}.`);
    const cropped = starts.some((v) => v > 0) || after.some((v) => v < 0) ? L.slice(x, starts, x.shape.map(() => 1), shape) : x;
    return L.pad(cropped, before.map((b) => Math.max(0, b)), after.map((a) => Math.max(0, a)), Number(o.value ?? 0));
  }
  let out = x;
  for (let axis = 0; axis < x.ndim; axis++) {
    if (before[axis] === 0 && after[axis] === 0) continue;
    const [l, r] = padPieces(out, axis, before[axis], after[axis], o.mode);
    out = L.concat([l, out, r].filter((t): t is Tensor => t !== null), axis);
  }
  return out;
}

/** `ops.flip(input, dims)`: reverse the order along `dims` (a view with negative strides). */
export function flip(input: Tensor, ...rest: unknown[]): Tensor {
  const { dims } = params("flip", rest, { dims: undefined as unknown as number | readonly number[] }, ["dims"]);
  const x = checkTensor(input, "flip", "input");
  const axes = normAxes(intList(dims, "flip", "dims"), x.ndim, "flip", "dims");
  if (axes.length === 0) return x;
  return L.slice(
    x,
    x.shape.map((d, i) => (axes.includes(i) && d > 0 ? d - 1 : 0)),
    x.shape.map((_, i) => (axes.includes(i) ? -1 : 1)),
    x.shape,
  );
}

/**
 * `ops.roll(input, shifts, dims=None)`: shift elements cyclically along
 * `dims` (element i moves to i + shift); dims=None rolls the flattened
 * tensor and restores the shape.
 */
export function roll(input: Tensor, ...rest: unknown[]): Tensor {
  const { shifts, dims } = params("roll", rest, { shifts: undefined as unknown as number | readonly number[], dims: null as number | readonly number[] | null }, ["shifts"]);
  const x = checkTensor(input, "roll", "input");
  const sh = intList(shifts, "roll", "shifts");
  if (dims === null) {
    if (sh.length !== 1) throw new ValueError(`For 'roll', 'shifts' must be a single int when 'dims' is None, but got [${sh.join(", ")}].`);
    return L.reshape(roll(L.reshape(x, [x.size]), sh[0], 0), x.shape);
  }
  if (x.ndim === 0) throw new ValueError("For 'roll', a 0-D 'input' can only be rolled with dims=None.");
  const ds = intList(dims, "roll", "dims");
  if (ds.length !== sh.length) {
    throw new ValueError(`For 'roll', 'shifts' and 'dims' must have the same length, but got ${sh.length} and ${ds.length}.`);
  }
  let out = x;
  ds.forEach((d, k) => {
    const axis = normAxis(d, x.ndim, "roll", "dims");
    const n = x.shape[axis];
    const s = n === 0 ? 0 : ((sh[k] % n) + n) % n;
    if (s === 0) return;
    out = L.concat([sliceAxis(out, axis, n - s, s), sliceAxis(out, axis, 0, n - s)], axis);
  });
  return out;
}

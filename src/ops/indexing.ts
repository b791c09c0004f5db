/**
 * Gathers, scatters and Tensor indexing.
 *
 * Everything here is a composition of `slice`, `reshape`, `transpose`,
 * `broadcast_to`, `take_along_axis` and the two scatter primitives, so the
 * gradients (of any order) come from their rules. Integer index tensors are
 * never differentiated: their values are read once, checked (IndexError
 * naming the op) and, where several combine, folded into one linear index.
 * Negative indices count from the end, as in NumPy.
 */
import { Tensor, type NestedArray } from "../core/tensor.js";
import { bool_, int64, type DType } from "../core/dtype.js";
import { broadcastShapes, contiguousStrides, fmtShape, normAxis, sizeOf, type Shape } from "../core/shape.js";
import { IndexError, TypeError, ValueError, typeName } from "../core/errors.js";
import * as L from "../primitives/lax.js";
import { checkTensor, optionalArgs } from "./args.js";

/**
 * MindSpore's arguments after the tensors: positional in order, or a
 * trailing options object with the same names (required ones included).
 */
function params<T extends Record<string, unknown>>(op: string, given: readonly unknown[], spec: T, required: readonly (keyof T)[] = []): T {
  const o = optionalArgs<T>(op, given, spec);
  for (const k of required) if (o[k] === undefined) throw new TypeError(`For '${op}', the required argument '${String(k)}' is missing.`);
  return o;
}

// ------------------------------------------------------------- helpers

function checkIndexTensor(v: unknown, op: string, arg: string): Tensor {
  const t = checkTensor(v, op, arg);
  if (t.dtype.kind !== "int") throw new TypeError(`For '${op}', the '${arg}' must be an integer tensor (Int32 or Int64), but got ${t.dtype.name}.`);
  return t;
}

/** The values of an int tensor, wrapped into [0, n) after checking they lie in [-n, n). */
function wrappedIndices(t: Tensor, n: number, op: string, arg: string, axisNote = ""): Float64Array {
  const raw = t._data();
  const out = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const v = raw[i];
    if (v < -n || v >= n) {
      throw new IndexError(`For '${op}', the '${arg}' value ${v} is out of bounds for ${axisNote || "an axis"} of size ${n} (valid range [${-n}, ${n})).`);
    }
    out[i] = v < 0 ? v + n : v;
  }
  return out;
}

const intTensor = (values: Float64Array | number[], shape: Shape) => L.reshape(new Tensor(Float64Array.from(values), int64), shape);

function sameDtype(op: string, x: Tensor, t: Tensor, names: [string, string]): void {
  if (t.dtype !== x.dtype) {
    throw new TypeError(`For '${op}', the '${names[1]}' must have the same dtype as '${names[0]}' (${x.dtype.name}), but got ${t.dtype.name}.`);
  }
}

// ------------------------------------------------------------- gathers

/**
 * `ops.gather(input_params, input_indices, axis, batch_dims=0)`: NumPy's
 * take along `axis`; the result has shape
 * params.shape[:axis] + indices.shape[batch_dims:] + params.shape[axis+1:].
 * The first `batch_dims` axes of params and indices are paired, not crossed.
 */
export function gather(input_params: Tensor, input_indices: Tensor, ...rest: unknown[]): Tensor {
  const o = params("gather", rest, { axis: undefined as unknown as number, batch_dims: 0 as number }, ["axis"]);
  const axis = o.axis;
  const x = checkTensor(input_params, "gather", "input_params");
  const idx = checkIndexTensor(input_indices, "gather", "input_indices");
  if (x.ndim === 0) throw new ValueError("For 'gather', the 'input_params' must have rank >= 1, but got a 0-D tensor.");
  const ax = normAxis(axis, x.ndim, "gather");
  if (typeof o.batch_dims !== "number" || !Number.isInteger(o.batch_dims)) {
    throw new TypeError(`For 'gather', the 'batch_dims' must be int, but got ${typeName(o.batch_dims)}.`);
  }
  const b = o.batch_dims < 0 ? o.batch_dims + idx.ndim : o.batch_dims;
  if (b < 0 || b > idx.ndim || b > ax) {
    throw new ValueError(`For 'gather', the 'batch_dims' must be in range [0, min(rank of indices ${idx.ndim}, axis ${ax})], but got ${o.batch_dims}.`);
  }
  for (let i = 0; i < b; i++) {
    if (x.shape[i] !== idx.shape[i]) {
      throw new ValueError(`For 'gather', the first ${b} (batch) dimensions of 'input_params' ${fmtShape(x.shape)} and 'input_indices' ${fmtShape(idx.shape)} must be equal.`);
    }
  }
  const values = wrappedIndices(idx, x.shape[ax], "gather", "input_indices", `axis ${ax}`);
  const batch = x.shape.slice(0, b);
  const pre = x.shape.slice(b, ax);
  const post = x.shape.slice(ax + 1);
  const ishape = idx.shape.slice(b);
  const m = sizeOf(ishape);
  const index = L.broadcast_to(
    intTensor(values, [...batch, ...pre.map(() => 1), m, ...post.map(() => 1)]),
    [...batch, ...pre, m, ...post],
  );
  return L.reshape(L.take_along_axis(x, index, ax), [...batch, ...pre, ...ishape, ...post]);
}

/** Checks shared by gather_d and the element-wise scatters: same rank, index no larger than x off `axis`. */
function checkElementwiseIndex(op: string, x: Tensor, axis: number, index: Tensor, names: [string, string]): void {
  if (index.ndim !== x.ndim) {
    throw new ValueError(`For '${op}', the '${names[1]}' must have the same rank as '${names[0]}' (${x.ndim}), but got rank ${index.ndim}.`);
  }
  index.shape.forEach((d, i) => {
    if (i !== axis && d > x.shape[i]) {
      throw new ValueError(`For '${op}', the '${names[1]}' shape ${fmtShape(index.shape)} must not exceed the '${names[0]}' shape ${fmtShape(x.shape)} on axis ${i} (any axis but ${axis}).`);
    }
  });
}

/** `ops.gather_d(x, dim, index)`: out[i][j] = x[index[i][j]][j] for dim 0 (PyTorch's gather). */
export function gather_d(x: Tensor, dim: number, index: Tensor): Tensor {
  const t = checkTensor(x, "gather_d", "x");
  const idx = checkIndexTensor(index, "gather_d", "index");
  const axis = normAxis(dim, t.ndim, "gather_d", "dim");
  if (t.ndim === 0) return t;
  checkElementwiseIndex("gather_d", t, axis, idx, ["x", "index"]);
  const values = wrappedIndices(idx, t.shape[axis], "gather_d", "index", `dim ${axis}`);
  return L.take_along_axis(t, intTensor(values, idx.shape), axis);
}
/** `ops.gather_elements(input, dim, index)`: the same as gather_d. */
export const gather_elements = (input: Tensor, dim: number, index: Tensor) => gather_d(input, dim, index);

/** `ops.index_select(input, axis, index)`: the entries of `axis` listed by the 1-D `index`. */
export function index_select(input: Tensor, axis: number, index: Tensor): Tensor {
  const x = checkTensor(input, "index_select", "input");
  const idx = checkIndexTensor(index, "index_select", "index");
  if (idx.ndim > 1) throw new ValueError(`For 'index_select', the 'index' must be 1-D, but got shape ${fmtShape(idx.shape)}.`);
  if (x.ndim === 0) throw new ValueError("For 'index_select', the 'input' must have rank >= 1, but got a 0-D tensor.");
  return gather(x, L.reshape(idx, [idx.size]), normAxis(axis, x.ndim, "index_select"));
}

// ------------------------------------------------------------- scatters

/** Validated element-wise scatter operands, `src` cut down to the index's shape. */
function scatterOperands(op: string, input: Tensor, axis: number, index: Tensor, src: Tensor, names: [string, string, string]) {
  const x = checkTensor(input, op, names[0]);
  const idx = checkIndexTensor(index, op, names[1]);
  const s = checkTensor(src, op, names[2]);
  sameDtype(op, x, s, [names[0], names[2]]);
  const ax = normAxis(axis, x.ndim, op, "axis");
  checkElementwiseIndex(op, x, ax, idx, [names[0], names[1]]);
  if (s.ndim !== idx.ndim || s.shape.some((d, i) => d < idx.shape[i])) {
    throw new ValueError(`For '${op}', the '${names[2]}' shape ${fmtShape(s.shape)} must have the rank of '${names[1]}' and be at least its shape ${fmtShape(idx.shape)}.`);
  }
  const values = wrappedIndices(idx, x.shape[ax], op, names[1], `axis ${ax}`);
  // only the part of src that the index addresses takes part (and gets a gradient)
  const part = s.shape.every((d, i) => d === idx.shape[i]) ? s : L.slice(s, s.shape.map(() => 0), s.shape.map(() => 1), idx.shape);
  return { x, ax, index: intTensor(values, idx.shape), src: part };
}

/** `ops.scatter(input, axis, index, src)`: out = input with out[..index..] = src along `axis` (replace). */
export function scatter(input: Tensor, axis: number, index: Tensor, src: Tensor): Tensor {
  const o = scatterOperands("scatter", input, axis, index, src, ["input", "index", "src"]);
  return L.scatter_along_axis(o.x, o.index, o.src, o.ax);
}

/**
 * `ops.tensor_scatter_elements(input_x, indices, updates, axis=0, reduction='none')`:
 * element-wise scatter along `axis`, replacing ('none') or accumulating
 * ('add', duplicates add up).
 */
export function tensor_scatter_elements(input_x: Tensor, indices: Tensor, updates: Tensor, ...rest: unknown[]): Tensor {
  const opts = optionalArgs("tensor_scatter_elements", rest, { axis: 0 as number, reduction: "none" as string });
  if (opts.reduction !== "none" && opts.reduction !== "add") {
    throw new ValueError(`For 'tensor_scatter_elements', the 'reduction' must be 'none' or 'add', but got '${String(opts.reduction)}'.`);
  }
  const o = scatterOperands("tensor_scatter_elements", input_x, opts.axis, indices, updates, ["input_x", "indices", "updates"]);
  if (opts.reduction === "none") return L.scatter_along_axis(o.x, o.index, o.src, o.ax);
  return L.add(o.x, L.scatter_add_along_axis(o.src, o.index, o.ax, o.x.shape));
}

/**
 * N-D scatter (TensorFlow's scatter_nd): the last axis of `indices` (size K)
 * addresses the first K axes of `input_x`; `updates` has shape
 * indices.shape[:-1] + input_x.shape[K:]. The K axes are folded into one so a
 * single scatter along axis 0 does the work.
 */
function scatterNd(op: string, input_x: Tensor, indices: Tensor, updates: Tensor, mode: "add" | "update"): Tensor {
  const x = checkTensor(input_x, op, "input_x");
  const idx = checkIndexTensor(indices, op, "indices");
  const u = checkTensor(updates, op, "updates");
  sameDtype(op, x, u, ["input_x", "updates"]);
  if (idx.ndim < 1) throw new ValueError(`For '${op}', the 'indices' must have rank >= 1, but got a 0-D tensor.`);
  const k = idx.shape[idx.ndim - 1];
  if (k > x.ndim) throw new ValueError(`For '${op}', the last dimension of 'indices' (${k}) must not exceed the rank of 'input_x' (${x.ndim}).`);
  const lead = idx.shape.slice(0, -1);
  const rest = x.shape.slice(k);
  const want = [...lead, ...rest];
  if (u.shape.join() !== want.join()) {
    throw new ValueError(`For '${op}', the 'updates' must have shape indices.shape[:-1] + input_x.shape[${k}:] = ${fmtShape(want)}, but got ${fmtShape(u.shape)}.`);
  }
  const raw = idx._data();
  const count = sizeOf(lead);
  const strides = contiguousStrides(x.shape.slice(0, k));
  const lin = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < k; j++) {
      const v = raw[r * k + j];
      const n = x.shape[j];
      if (v < -n || v >= n) throw new IndexError(`For '${op}', the 'indices' value ${v} (component ${j} of index ${r}) is out of bounds for axis ${j} of size ${n}.`);
      lin[r] += (v < 0 ? v + n : v) * strides[j];
    }
  }
  const p = sizeOf(x.shape.slice(0, k));
  const x2 = L.reshape(x, [p, ...rest]);
  const u2 = L.reshape(u, [count, ...rest]);
  const index = L.broadcast_to(intTensor(lin, [count, ...rest.map(() => 1)]), [count, ...rest]);
  const out = mode === "add" ? L.add(x2, L.scatter_add_along_axis(u2, index, 0, x2.shape)) : L.scatter_along_axis(x2, index, u2, 0);
  return L.reshape(out, x.shape);
}

/** `ops.tensor_scatter_add(input_x, indices, updates)`: N-D scatter-add; duplicates accumulate. */
export const tensor_scatter_add = (input_x: Tensor, indices: Tensor, updates: Tensor) => scatterNd("tensor_scatter_add", input_x, indices, updates, "add");
/** `ops.tensor_scatter_update(input_x, indices, updates)`: N-D scatter that replaces. */
export const tensor_scatter_update = (input_x: Tensor, indices: Tensor, updates: Tensor) =>
  scatterNd("tensor_scatter_update", input_x, indices, updates, "update");

// ----------------------------------------------------- one_hot, masked_fill

type Fill = number | boolean | Tensor;

/**
 * `ops.one_hot(indices, depth, on_value=1, off_value=0, axis=-1)`: the
 * result's dtype is on_value's (Python int -> Int64, float -> Float32, a
 * Tensor keeps its own); indices outside [0, depth) give an all-off row.
 */
export function one_hot(indices: Tensor, ...rest: unknown[]): Tensor {
  const o = params("one_hot", rest, { depth: undefined as unknown as number, on_value: 1 as Fill, off_value: 0 as Fill, axis: -1 as number }, ["depth"]);
  const depth = o.depth;
  const idx = checkIndexTensor(indices, "one_hot", "indices");
  if (typeof depth !== "number" || !Number.isInteger(depth)) throw new TypeError(`For 'one_hot', the 'depth' must be int, but got ${typeName(depth)}.`);
  if (depth < 0) throw new ValueError(`For 'one_hot', the 'depth' must be >= 0, but got ${depth}.`);
  if (typeof o.axis !== "number" || !Number.isInteger(o.axis)) throw new TypeError(`For 'one_hot', the 'axis' must be int, but got ${typeName(o.axis)}.`);
  if (o.axis < -1 || o.axis > idx.ndim) throw new ValueError(`For 'one_hot', the 'axis' must be in range [-1, ${idx.ndim}], but got ${o.axis}.`);
  const fill = (v: Fill, name: string, dtype: DType | null): Tensor => {
    if (v instanceof Tensor) {
      if (v.ndim !== 0) throw new ValueError(`For 'one_hot', the '${name}' must be a 0-D tensor or a number, but got shape ${fmtShape(v.shape)}.`);
      if (dtype && v.dtype !== dtype) throw new TypeError(`For 'one_hot', the 'on_value' and 'off_value' must have the same dtype, but got ${dtype.name} and ${v.dtype.name}.`);
      return v;
    }
    if (typeof v !== "number" && typeof v !== "boolean") throw new TypeError(`For 'one_hot', the '${name}' must be a number or a Tensor, but got ${typeName(v)}.`);
    return new Tensor(v, dtype);
  };
  const on = fill(o.on_value, "on_value", null);
  const off = fill(o.off_value, "off_value", on.dtype);
  const ax = o.axis === -1 ? idx.ndim : o.axis;
  const shape = idx.shape;
  shape.splice(ax, 0, depth);
  const expanded = L.reshape(L.cast(idx, int64), shape.map((d, i) => (i === ax ? 1 : d)));
  const range = intTensor(Array.from({ length: depth }, (_, i) => i), shape.map((_, i) => (i === ax ? depth : 1)));
  const hit = L.equal(L.broadcast_to(expanded, shape), L.broadcast_to(range, shape));
  return L.select(hit, L.broadcast_to(on, shape), L.broadcast_to(off, shape));
}

/** `ops.masked_fill(input_x, mask, value)`: `value` where the Bool mask is True (mask and input broadcast). */
export function masked_fill(input_x: Tensor, mask: Tensor, ...rest: unknown[]): Tensor {
  const { value } = params("masked_fill", rest, { value: undefined as unknown as number | boolean | Tensor }, ["value"]);
  const x = checkTensor(input_x, "masked_fill", "input_x");
  const m = checkTensor(mask, "masked_fill", "mask");
  if (m.dtype !== bool_) throw new TypeError(`For 'masked_fill', the 'mask' must be a Bool tensor, but got ${m.dtype.name}.`);
  let v: Tensor;
  if (value instanceof Tensor) {
    sameDtype("masked_fill", x, value, ["input_x", "value"]);
    v = value;
  } else if (typeof value === "number" || typeof value === "boolean") {
    v = new Tensor(value, x.dtype);
  } else {
    throw new TypeError(`For 'masked_fill', the 'value' must be a number, bool or Tensor, but got ${typeName(value)}.`);
  }
  return L.select(m, v, x);
}

// ------------------------------------------------------- Tensor indexing

/** A Python slice `start:stop:step`; null parts take their defaults. */
export class Slice {
  constructor(
    readonly start: number | null,
    readonly stop: number | null,
    readonly step: number | null,
  ) {
    for (const [k, v] of [["start", start], ["stop", stop], ["step", step]] as const) {
      if (v !== null && (typeof v !== "number" || !Number.isInteger(v))) {
        throw new TypeError(`For 'slice_', the '${k}' must be an int or None, but got ${typeName(v)}.`);
      }
    }
    if (step === 0) throw new ValueError("For 'slice_', the slice step cannot be zero.");
  }
  toString(): string {
    const f = (v: number | null) => (v === null ? "" : String(v));
    return `${f(this.start)}:${f(this.stop)}${this.step === null ? "" : `:${this.step}`}`;
  }
}

/**
 * Python's `slice(...)`: `slice_(stop)`, `slice_(start, stop)` or
 * `slice_(start, stop, step)`, each part possibly null. Strings work too:
 * "1:3", "::2", ":", "-1::-1".
 */
export function slice_(startOrStop: number | null = null, ...rest: (number | null)[]): Slice {
  if (rest.length === 0) return new Slice(null, startOrStop, null);
  return new Slice(startOrStop, rest[0] ?? null, rest[1] ?? null);
}

/** One entry of an index: see `getitem`. */
export type IndexItem = number | boolean | null | string | Slice | Tensor | readonly NestedArray[];

type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; s: Slice }
  | { kind: "newaxis"; size: 0 | 1 }
  | { kind: "ellipsis" }
  | { kind: "array"; t: Tensor }
  | { kind: "mask"; t: Tensor };

const SLICE_RE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function describe(v: unknown): string {
  if (typeof v === "string") return `'${v}'`;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return typeName(v);
}

function parseItem(v: unknown, op: string): Item {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new TypeError(`For '${op}', an index must be an integer, but got ${v} (float); use an int, a slice or an int tensor.`);
    return { kind: "int", value: v };
  }
  if (typeof v === "boolean") return { kind: "newaxis", size: v ? 1 : 0 };
  if (v === null) return { kind: "newaxis", size: 1 };
  if (v instanceof Slice) return { kind: "slice", s: v };
  if (typeof v === "string") {
    if (v.trim() === "...") return { kind: "ellipsis" };
    const m = SLICE_RE.exec(v);
    if (m) {
      const num = (g: string | undefined) => (g === undefined ? null : Number(g));
      return { kind: "slice", s: new Slice(num(m[1]), num(m[2]), num(m[3])) };
    }
    throw new IndexError(`For '${op}', the string index ${describe(v)} is neither '...' nor a slice like '1:3', '::2' or ':'.`);
  }
  let t: Tensor | null = null;
  if (v instanceof Tensor) t = v;
  else if (Array.isArray(v)) t = new Tensor(v as NestedArray);
  if (t) {
    if (t.dtype === bool_) return t.ndim === 0 ? { kind: "newaxis", size: t.item() ? 1 : 0 } : { kind: "mask", t };
    if (t.dtype.kind !== "int") throw new IndexError(`For '${op}', tensors used as indices must be integer or Bool, but got ${t.dtype.name}.`);
    return { kind: "array", t };
  }
  throw new IndexError(
    `For '${op}', an index must be an int, a slice (slice_() or a string like '1:3'), '...', null (new axis), a bool, or an int/Bool Tensor or array, but got ${describe(v)}.`,
  );
}

/** Python's slice.indices(n): the first index, the step and the length. */
function sliceRange(s: Slice, n: number): { start: number; step: number; len: number } {
  const step = s.step ?? 1;
  const clampIdx = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + n : v, lo), hi);
  if (step > 0) {
    const start = s.start === null ? 0 : clampIdx(s.start, 0, n);
    const stop = s.stop === null ? n : clampIdx(s.stop, 0, n);
    return { start, step, len: Math.max(0, Math.ceil((stop - start) / step)) };
  }
  const start = s.start === null ? n - 1 : clampIdx(s.start, -1, n - 1);
  const stop = s.stop === null ? -1 : clampIdx(s.stop, -1, n - 1);
  return { start, step, len: Math.max(0, Math.ceil((start - stop) / -step)) };
}

/** One advanced (array) index over one axis of the basic result. */
interface Advanced {
  values: Float64Array;
  shape: number[];
}

/** The row-major positions of `shape`'s elements in a tensor of `shape` broadcast to `target`. */
function broadcastPositions(shape: readonly number[], target: readonly number[]): Int32Array {
  const n = sizeOf(target);
  const out = new Int32Array(n);
  const lead = target.length - shape.length;
  const cs = contiguousStrides(shape);
  const strides = target.map((d, i) => (i < lead || shape[i - lead] === 1 ? 0 : cs[i - lead]));
  const idx = new Array<number>(target.length).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    out[k] = off;
    for (let d = target.length - 1; d >= 0; d--) {
      idx[d]++;
      off += strides[d];
      if (idx[d] < target[d]) break;
      off -= strides[d] * idx[d];
      idx[d] = 0;
    }
  }
  return out;
}

/**
 * Internal (the engine of Tensor.getitem; not a MindSpore op).
 * NumPy indexing of `x` by a tuple of entries:
 * ints, slices, new axes and the ellipsis become one strided view and a
 * reshape; integer arrays and Bool masks then gather, with NumPy's rule for
 * where the broadcast index axes go (in place when the array indices are
 * adjacent, else first).
 */
export function _getitem(x: Tensor, index: readonly unknown[], op = "Tensor.getitem"): Tensor {
  const items = index.map((v) => parseItem(v, op));
  if (items.filter((it) => it.kind === "ellipsis").length > 1) throw new IndexError(`For '${op}', an index can only have a single ellipsis ('...').`);
  const consumes = (it: Item) => (it.kind === "int" || it.kind === "slice" || it.kind === "array" ? 1 : it.kind === "mask" ? it.t.ndim : 0);
  const used = items.reduce((acc, it) => acc + consumes(it), 0);
  if (used > x.ndim) throw new IndexError(`For '${op}', too many indices for a tensor of dimension ${x.ndim}: the index addresses ${used} dimensions.`);
  const full: Item = { kind: "slice", s: new Slice(null, null, null) };
  const fill = Array.from({ length: x.ndim - used }, () => full);
  const at = items.findIndex((it) => it.kind === "ellipsis");
  const expanded = at >= 0 ? [...items.slice(0, at), ...fill, ...items.slice(at + 1)] : [...items, ...fill];
  const hasAdvanced = expanded.some((it) => it.kind === "array" || it.kind === "mask");

  // basic pass: one strided slice over x's axes, then a reshape to the kept and new axes
  const starts: number[] = [];
  const steps: number[] = [];
  const sliced: number[] = [];
  const yShape: number[] = [];
  const empties: number[] = [];
  const adv: { pos: number; a: Advanced }[] = [];
  let d = 0;
  for (const it of expanded) {
    if (it.kind === "newaxis") {
      if (it.size === 0) empties.push(yShape.length);
      yShape.push(1);
      continue;
    }
    if (it.kind === "mask") {
      const k = it.t.ndim;
      const dims = x.shape.slice(d, d + k);
      if (it.t.shape.join() !== dims.join()) {
        throw new IndexError(`For '${op}', the Bool mask of shape ${fmtShape(it.t.shape)} does not match the indexed dimensions ${fmtShape(dims)} of the tensor of shape ${fmtShape(x.shape)}.`);
      }
      // the mask's True positions, one coordinate array per masked axis
      const m = it.t._data();
      const hits: number[] = [];
      for (let i = 0; i < m.length; i++) if (m[i]) hits.push(i);
      const cs = contiguousStrides(dims);
      dims.forEach((n, j) => {
        adv.push({ pos: yShape.length, a: { values: Float64Array.from(hits, (h) => Math.floor(h / cs[j]) % n), shape: [hits.length] } });
        starts.push(0);
        steps.push(1);
        sliced.push(n);
        yShape.push(n);
      });
      d += k;
      continue;
    }
    const n = x.shape[d];
    if (it.kind === "int") {
      if (it.value < -n || it.value >= n) throw new IndexError(`For '${op}', index ${it.value} is out of bounds for dimension ${d} with size ${n}.`);
      const v = it.value < 0 ? it.value + n : it.value;
      if (hasAdvanced) {
        // next to an array index, an int is a 0-d array index (NumPy's rule)
        adv.push({ pos: yShape.length, a: { values: Float64Array.of(v), shape: [] } });
        starts.push(0);
        steps.push(1);
        sliced.push(n);
        yShape.push(n);
      } else {
        starts.push(v);
        steps.push(1);
        sliced.push(1);
      }
    } else if (it.kind === "slice") {
      const r = sliceRange(it.s, n);
      starts.push(r.len > 0 ? r.start : 0);
      steps.push(r.step);
      sliced.push(r.len);
      yShape.push(r.len);
    } else if (it.kind === "array") {
      adv.push({ pos: yShape.length, a: { values: wrappedIndices(it.t, n, op, "index", `dimension ${d}`), shape: it.t.shape } });
      starts.push(0);
      steps.push(1);
      sliced.push(n);
      yShape.push(n);
    }
    d++;
  }
  const identity = starts.every((s) => s === 0) && steps.every((s) => s === 1) && sliced.every((m, i) => m === x.shape[i]);
  let y = identity ? x : L.slice(x, starts, steps, sliced);
  y = L.reshape(y, yShape);
  if (empties.length > 0) y = L.slice(y, yShape.map(() => 0), yShape.map(() => 1), yShape.map((s, i) => (empties.includes(i) ? 0 : s)));
  if (adv.length === 0) return y;

  // advanced pass: fold the index arrays into one linear index over the advanced axes, then gather
  let bshape: number[] = [];
  try {
    bshape = adv.reduce((acc: number[], e) => broadcastShapes(acc, e.a.shape, op), []);
  } catch {
    throw new IndexError(`For '${op}', shape mismatch: the index arrays could not be broadcast together with shapes ${adv.map((e) => fmtShape(e.a.shape)).join(", ")}.`);
  }
  const ys = y.shape;
  const advDims = adv.map((e) => e.pos);
  const advSizes = advDims.map((p) => ys[p]);
  const advStrides = contiguousStrides(advSizes);
  const count = sizeOf(bshape);
  const lin = new Float64Array(count);
  adv.forEach((e, j) => {
    const pos = broadcastPositions(e.a.shape, bshape);
    for (let k = 0; k < count; k++) lin[k] += e.a.values[pos[k]] * advStrides[j];
  });
  const others = ys.map((_, i) => i).filter((i) => !advDims.includes(i));
  const otherShape = others.map((i) => ys[i]);
  const flat = L.reshape(L.transpose(y, [...advDims, ...others]), [sizeOf(advSizes), ...otherShape]);
  const idx = L.broadcast_to(intTensor(lin, [count, ...otherShape.map(() => 1)]), [count, ...otherShape]);
  const got = L.reshape(L.take_along_axis(flat, idx, 0), [...bshape, ...otherShape]);
  const adjacent = advDims.every((p, j) => p === advDims[0] + j);
  if (!adjacent || advDims[0] === 0) return got;
  const nb = bshape.length;
  const first = advDims[0];
  const perm = [
    ...Array.from({ length: first }, (_, i) => nb + i),
    ...Array.from({ length: nb }, (_, i) => i),
    ...Array.from({ length: otherShape.length - first }, (_, i) => nb + first + i),
  ];
  return L.transpose(got, perm);
}

/**
 * Internal (the engine of Tensor.setitem; not a MindSpore op).
 * Python's `x[index] = value` as a function: the updated tensor, computed
 * functionally. The positions written are found by indexing an arange of x's
 * flat positions with the same index, then one scatter writes `value`
 * (broadcast to the indexed shape, cast to x's dtype); where positions
 * repeat, the last write wins.
 */
export function _setitem(x: Tensor, index: readonly unknown[], value: unknown, op = "Tensor.setitem"): Tensor {
  let v: Tensor;
  if (value instanceof Tensor) v = L.cast(value, x.dtype);
  else if (typeof value === "number" || typeof value === "boolean" || Array.isArray(value)) v = new Tensor(value as NestedArray, x.dtype);
  else throw new ValueError(`For '${op}', the value must be a number, bool, Tensor or nested list, but got ${typeName(value)}.`);
  const n = x.size;
  const flatPos = L.reshape(new Tensor(Float64Array.from({ length: n }, (_, i) => i), int64), x.shape);
  const pos = _getitem(flatPos, index, op);
  const target = pos.shape;
  let vs = v.shape;
  while (vs.length > target.length && vs[0] === 1) vs = vs.slice(1);
  const fits = vs.length <= target.length && vs.every((dim, i) => dim === 1 || dim === target[target.length - vs.length + i]);
  if (!fits) throw new ValueError(`For '${op}', the value of shape ${fmtShape(v.shape)} cannot be broadcast to the indexed shape ${fmtShape(target)}.`);
  const m = pos.size;
  if (m === 0) return x;
  const values = L.reshape(L.broadcast_to(L.reshape(v, vs), target), [m]);
  const out = L.scatter_along_axis(L.reshape(x, [n]), L.reshape(pos, [m]), values, 0);
  return L.reshape(out, x.shape);
}

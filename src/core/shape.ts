/** Shape arithmetic shared by the primitive rules and the kernels. */
import { ValueError, TypeError, typeName } from "./errors.js";

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function fmtShape(s: Shape): string {
  return `(${s.join(", ")}${s.length === 1 ? "," : ""})`;
}

/** NumPy broadcasting of two shapes; `op` names the caller in the error. */
export function broadcastShapes(a: Shape, b: Shape, op = "broadcast"): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ValueError(
        `For '${op}', x.shape and y.shape need to broadcast. The value of x.shape[${i - (n - a.length)}] or y.shape[${i - (n - b.length)}] must be 1 or -1 when they are not the same, but got x.shape = ${fmtShape(a)} and y.shape = ${fmtShape(b)}.`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalise an axis (negative counts from the end) or throw MindSpore's error. */
export function normAxis(axis: number, ndim: number, op: string, arg = "axis"): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(`For '${op}', the '${arg}' must be int, but got ${typeName(axis)}.`);
  }
  const rank = Math.max(ndim, 1);
  if (axis < -rank || axis >= rank) {
    throw new ValueError(`For '${op}', the '${arg}' must be in range [${-rank}, ${rank}), but got ${axis}.`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Normalise `axis` given as null (all), an int or a list of ints; sorted, unique. */
export function normAxes(axis: number | readonly number[] | null | undefined, ndim: number, op: string, arg = "axis"): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof axis === "number" ? [axis] : Array.isArray(axis) ? axis : null;
  if (list === null) {
    throw new TypeError(`For '${op}', the '${arg}' must be int, tuple, list or None, but got ${typeName(axis)}.`);
  }
  const out = list.map((a) => (ndim === 0 && (a === 0 || a === -1) ? 0 : normAxis(a, ndim, op, arg)));
  const uniq = [...new Set(out)].sort((x, y) => x - y);
  if (uniq.length !== out.length) throw new ValueError(`For '${op}', the '${arg}' has duplicate elements: [${list.join(", ")}].`);
  return ndim === 0 ? [] : uniq;
}

/** Axes of `from` that were broadcast to reach `to`: what a gradient must sum over. */
export function broadcastReduceAxes(from: Shape, to: Shape): { axes: number[]; lead: number } {
  const lead = to.length - from.length;
  const axes: number[] = [];
  for (let i = 0; i < to.length; i++) {
    if (i < lead) axes.push(i);
    else if (from[i - lead] === 1 && to[i] !== 1) axes.push(i);
  }
  return { axes, lead };
}

export function checkShapeArg(shape: unknown, op: string, arg = "shape"): number[] {
  const list = typeof shape === "number" ? [shape] : shape;
  if (!Array.isArray(list) || !list.every((d) => typeof d === "number" && Number.isInteger(d))) {
    throw new TypeError(`For '${op}', the '${arg}' must be a tuple of int, but got ${typeName(shape)}.`);
  }
  return [...list];
}

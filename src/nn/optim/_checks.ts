/**
 * Argument checks for the optimizers and learning-rate schedules, worded as
 * MindSpore's `_checkparam.Validator` words them so ported code sees the same
 * messages. JS has one number type: where MindSpore insists on a Python
 * `float`, any finite JS number is accepted (an int there is only a Python
 * typing detail), and where it insists on an `int`, the number must be integral.
 */
import { TypeError, ValueError, typeName } from "../../core/errors.js";

export { KeyError } from "../../core/errors.js";

/** Python's `repr(float)`: 1.0, 0.1, 1e-05, 1e+16. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [m, e] = v.toExponential().split("e");
    const sign = e.startsWith("-") ? "-" : "+";
    return `${m}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
  }
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

/** Python's `type(x)` as `str.format` prints it: `<class 'str'>`. */
export const pyClass = (v: unknown): string => `<class '${typeName(v)}'>`;

const prefix = (arg: string, prim: string | null) => (prim ? `For '${prim}', the '${arg}'` : `The '${arg}'`);

type Rel = ">" | ">=";
const holds = (v: number, rel: Rel, bound: number) => (rel === ">" ? v > bound : v >= bound);

/** MindSpore's check_number for float arguments (check_positive_float / check_non_negative_float). */
export function checkFloat(v: unknown, rel: Rel, bound: number, arg: string, prim: string | null = null): number {
  const info = prefix(arg, prim);
  if (typeof v !== "number") throw new TypeError(`${info} must be float, but got '${typeName(v)}'`);
  if (!Number.isFinite(v)) throw new ValueError(`${info} must be a legal value, but got '${pyFloat(v)}'.`);
  if (!holds(v, rel, bound)) throw new ValueError(`${info} must be float and must ${rel} ${bound}, but got '${pyFloat(v)}' with type 'float'.`);
  return v;
}

/** MindSpore's check_positive_int (and >= 0 with rel '>='). */
export function checkInt(v: unknown, rel: Rel, bound: number, arg: string, prim: string | null = null): number {
  const info = prefix(arg, prim);
  if (typeof v !== "number" || !Number.isInteger(v)) throw new TypeError(`${info} must be int, but got '${typeName(v)}'`);
  if (!holds(v, rel, bound)) throw new ValueError(`${info} must be int and must ${rel} ${bound}, but got '${v}' with type 'int'.`);
  return v;
}

/** MindSpore's check_value_type(arg, v, [float]). */
export function checkFloatType(v: unknown, arg: string, prim: string | null = null): number {
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new TypeError(`${prim ? `For '${prim}', the` : "The"} type of '${arg}' should be 'float', but got type '${typeName(v)}'.`);
  }
  return v;
}

/** MindSpore's check_value_type(arg, v, [bool]). */
export function checkBoolType(v: unknown, arg: string, prim: string | null = null): boolean {
  if (typeof v !== "boolean") throw new TypeError(`${prim ? `For '${prim}', the` : "The"} type of '${arg}' should be 'bool', but got type '${typeName(v)}'.`);
  return v;
}

/** MindSpore's check_float_range with an open interval. */
export function checkOpenRange(v: number, lo: number, hi: number, arg: string, prim: string): number {
  if (!(v > lo && v < hi)) {
    throw new ValueError(`For '${prim}', the '${arg}' must be in range of (${pyFloat(lo)}, ${pyFloat(hi)}), but got ${pyFloat(v)} with type 'float'.`);
  }
  return v;
}

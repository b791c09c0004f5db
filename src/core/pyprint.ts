/**
 * Python's print/str/repr for the values MindSpore code prints, so ported
 * output reads the same: a top-level Tensor prints with str (NumPy style),
 * Tensors inside a tuple with repr; JS arrays stand for Python tuples.
 */
const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Python's repr of a value. */
export function repr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isNaN(v) ? "nan" : v === Infinity ? "inf" : v === -Infinity ? "-inf" : String(v);
  if (typeof v === "string") return `'${v.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
  if (Array.isArray(v)) return v.length === 1 ? `(${repr(v[0])},)` : `(${v.map(repr).join(", ")})`;
  const custom = (v as Record<symbol, unknown>)[INSPECT];
  if (typeof custom === "function") return String((custom as () => unknown).call(v));
  return String(v);
}

/** Python's str of a value (str for Tensors and strings, repr inside containers). */
export function str(v: unknown): string {
  if (typeof v === "string") return v;
  if (v !== null && typeof v === "object" && !Array.isArray(v) && typeof (v as { toString?: unknown }).toString === "function" && (v as object).toString !== Object.prototype.toString) {
    return String(v);
  }
  return repr(v);
}

/** Python's print: str of each argument, separated by spaces. */
export function print(...values: unknown[]): void {
  console.log(values.map(str).join(" "));
}

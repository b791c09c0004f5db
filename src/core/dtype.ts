/**
 * Data types, named as MindSpore prints them (`Float32`, `Int64`, `Bool`), and
 * MindSpore's type promotion for mixed operands.
 *
 * Storage: every dtype maps to a JS TypedArray. Two choices worth knowing:
 * - float16 is stored in a Float32Array with every value rounded to half
 *   precision (Node 20 has no Float16Array);
 * - int64 is stored in a Float64Array: exact for |v| <= 2^53, which covers
 *   indices, labels and counts. asnumpy() hands out a BigInt64Array.
 */
export type DTypeName = "Float16" | "Float32" | "Float64" | "Int8" | "Int16" | "Int32" | "Int64" | "UInt8" | "Bool";
export type DTypeKind = "bool" | "int" | "float";

export type TypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array;
export type TypedArrayCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor;

export class DType {
  constructor(
    readonly name: DTypeName,
    readonly kind: DTypeKind,
    /** bytes per element as MindSpore reports it (itemsize) */
    readonly itemsize: number,
    /** rank inside its kind, for promotion */
    readonly rank: number,
    readonly storage: TypedArrayCtor,
  ) {}
  get is_floating_point(): boolean {
    return this.kind === "float";
  }
  toString(): string {
    return this.name;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.name;
  }
}

export const float16 = new DType("Float16", "float", 2, 1, Float32Array);
export const float32 = new DType("Float32", "float", 4, 2, Float32Array);
export const float64 = new DType("Float64", "float", 8, 3, Float64Array);
export const int8 = new DType("Int8", "int", 1, 1, Int8Array);
export const uint8 = new DType("UInt8", "int", 1, 1, Uint8Array);
export const int16 = new DType("Int16", "int", 2, 2, Int16Array);
export const int32 = new DType("Int32", "int", 4, 3, Int32Array);
export const int64 = new DType("Int64", "int", 8, 4, Float64Array);
export const bool_ = new DType("Bool", "bool", 1, 0, Uint8Array);

export const ALL_DTYPES: readonly DType[] = [float16, float32, float64, int8, int16, int32, int64, uint8, bool_];

export function isDType(v: unknown): v is DType {
  return v instanceof DType;
}

const KIND_ORDER: Record<DTypeKind, number> = { bool: 0, int: 1, float: 2 };

/** Promotion of two tensor dtypes (MindSpore follows the PyTorch lattice). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ka = KIND_ORDER[a.kind];
  const kb = KIND_ORDER[b.kind];
  if (ka !== kb) return ka > kb ? a : b;
  if (a.kind === "int") {
    // uint8 with a signed type needs a wider signed type: int8+uint8 -> int16.
    if (a === uint8 || b === uint8) {
      const other = a === uint8 ? b : a;
      return other === int8 ? int16 : other;
    }
  }
  return a.rank >= b.rank ? a : b;
}

/**
 * Promotion of a tensor dtype with a JS number/boolean operand (a "weak"
 * Python scalar): the scalar only matters when its kind is higher.
 */
export function promoteWithScalar(t: DType, s: number | boolean): DType {
  const sk: DTypeKind = typeof s === "boolean" ? "bool" : Number.isInteger(s) ? "int" : "float";
  if (KIND_ORDER[sk] <= KIND_ORDER[t.kind]) return t;
  return sk === "float" ? float32 : int64;
}

/** Round a double to the nearest IEEE half-precision value (ties to even). */
export function roundToFloat16(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  // Spacing of half floats at this magnitude; subnormals share the 2^-24 step.
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const step = Math.pow(2, e - 10);
  let q = a / step;
  const fl = Math.floor(q);
  const diff = q - fl;
  q = diff > 0.5 || (diff === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
  const r = q * step;
  return v < 0 ? -r : r;
}

/** Convert a double into what a tensor of `dt` would hold. */
export function castScalar(v: number, dt: DType): number {
  switch (dt.name) {
    case "Float16":
      return roundToFloat16(v);
    case "Float32":
      return Math.fround(v);
    case "Float64":
      return v;
    case "Bool":
      return v !== 0 && !Number.isNaN(v) ? 1 : 0;
    case "Int64":
      return Number.isFinite(v) ? Math.trunc(v) : 0;
    default: {
      const arr = new dt.storage(1);
      arr[0] = Number.isFinite(v) ? Math.trunc(v) : 0;
      return arr[0];
    }
  }
}

/**
 * Tensor printing, byte-for-byte compatible with MindSpore.
 *
 * - `formatStr` reproduces `str(tensor)`. MindSpore implements it as `str(tensor.asnumpy())`, so this is
 *   numpy's `str(ndarray)` under the default print options (precision 8, floatmode 'maxprec',
 *   threshold 1000, edgeitems 3, linewidth 75, suppress False). The numpy 1.x rules are followed
 *   (MindSpore 2.2-2.5 ship against numpy < 2); see `exceedsExpThresholds` and `numpyScalarStr`
 *   for the two places where numpy 2 prints differently.
 * - `formatRepr` reproduces `repr(tensor)`, which is the C++ `Tensor::ToStringRepr` /
 *   `TensorStringifier` in mindspore/core/ir/tensor.cc (printf-style `%15.8e` floats, comma
 *   separated, its own summarisation and line-feed rules).
 *
 * Floats are converted to decimal with exact BigInt arithmetic so that shortest round-trip digits
 * are computed at each dtype's own precision (float32 0.1 prints `0.1`, not `0.10000000149`) and
 * every rounding is correct, including ties.
 *
 * This module is self-contained on purpose: it imports nothing from the rest of the project.
 */

export type FormatDType = "Float16" | "Float32" | "Float64" | "Int8" | "Int16" | "Int32" | "Int64" | "UInt8" | "Bool";

// ---------------------------------------------------------------------------------------------
// dtype helpers
// ---------------------------------------------------------------------------------------------

/** Binary layout of an IEEE float format: significand bits (with the hidden bit) and min normal exponent. */
interface FloatKind {
  readonly bits: number;
  readonly minExp: number;
}

const FLOAT16: FloatKind = { bits: 11, minExp: -14 };
const FLOAT32: FloatKind = { bits: 24, minExp: -126 };
const FLOAT64: FloatKind = { bits: 53, minExp: -1022 };

function floatKindOf(dtype: FormatDType): FloatKind | undefined {
  switch (dtype) {
    case "Float16":
      return FLOAT16;
    case "Float32":
      return FLOAT32;
    case "Float64":
      return FLOAT64;
    default:
      return undefined;
  }
}

/** Rounds a double to the nearest value of `kind` (ties to even), as numpy arithmetic in that dtype would. */
function roundToKind(x: number, kind: FloatKind): number {
  if (kind === FLOAT64) return x;
  if (kind === FLOAT32) return Math.fround(x);
  if (!Number.isFinite(x) || x === 0) return x;
  // float16: 65520 is the midpoint between the largest finite value (65504) and 2^16; it rounds up to inf.
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  let exp = Math.floor(Math.log2(a));
  // Math.log2 may round across a power of two; settle on 2^exp <= a < 2^(exp+1) exactly.
  if (2 ** exp > a) exp -= 1;
  else if (2 ** (exp + 1) <= a) exp += 1;
  exp = Math.max(exp, kind.minExp);
  const ulp = 2 ** (exp - (kind.bits - 1));
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 === 1) r -= 1; // Math.round rounds halves up; IEEE wants ties to even.
  return Math.sign(x) * r * ulp;
}

// ---------------------------------------------------------------------------------------------
// Exact decimal conversion
// ---------------------------------------------------------------------------------------------

/** The decimal d1.d2d3... * 10^exp; `digits` holds d1d2d3... without trailing zeros ("0" for zero). */
interface Decimal {
  readonly digits: string;
  readonly exp: number;
}

const ZERO_DECIMAL: Decimal = { digits: "0", exp: 0 };

/**
 * Exact value and rounding interval of a positive finite float, all as integers over `scale`:
 * value = num/scale, and any decimal strictly closer than lowMargin/scale below (highMargin/scale
 * above) reads back as the same float of that kind. When the significand is even, IEEE
 * round-half-even parsing also maps the interval's end points back to it.
 */
interface ExactFloat {
  num: bigint;
  scale: bigint;
  lowMargin: bigint;
  highMargin: bigint;
  readonly evenSignificand: boolean;
}

const F64_VIEW = new DataView(new ArrayBuffer(8));

/** Splits a positive finite double `v` (exactly representable in `kind`) into significand * 2^exponent. */
function decompose(v: number, kind: FloatKind): { significand: bigint; exponent: number; unequalMargins: boolean } {
  F64_VIEW.setFloat64(0, v);
  const hi = F64_VIEW.getUint32(0);
  const lo = F64_VIEW.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (biased === 0) {
    e = -1074;
  } else {
    m |= 1n << 52n;
    e = biased - 1075;
  }
  // Re-express m * 2^e with the target kind's significand width (exact: v is representable in it).
  const topBit = m.toString(2).length - 1 + e; // floor(log2 v)
  const kindExp = Math.max(topBit, kind.minExp) - (kind.bits - 1);
  const significand = kindExp >= e ? m >> BigInt(kindExp - e) : m << BigInt(e - kindExp);
  // The gap below a power of two is half the gap above, except at the smallest normal binade.
  const unequalMargins = significand === 1n << BigInt(kind.bits - 1) && topBit > kind.minExp;
  return { significand, exponent: kindExp, unequalMargins };
}

function exactFloat(v: number, kind: FloatKind): ExactFloat {
  const { significand, exponent, unequalMargins } = decompose(v, kind);
  // Work in quarters of the last significand unit so both half-gaps are integers.
  const lowQuarters = unequalMargins ? 1n : 2n;
  if (exponent >= 0) {
    const unit = 1n << BigInt(exponent);
    return {
      num: (significand * unit) << 2n,
      scale: 4n,
      lowMargin: lowQuarters * unit,
      highMargin: 2n * unit,
      evenSignificand: (significand & 1n) === 0n,
    };
  }
  return {
    num: significand << 2n,
    scale: 1n << BigInt(2 - exponent),
    lowMargin: lowQuarters,
    highMargin: 2n,
    evenSignificand: (significand & 1n) === 0n,
  };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Rescales `x` so that num/scale becomes v / 10^position. */
function shiftDecimal(x: ExactFloat, position: number): void {
  if (position > 0) {
    x.scale *= pow10(position);
  } else if (position < 0) {
    const f = pow10(-position);
    x.num *= f;
    x.lowMargin *= f;
    x.highMargin *= f;
  }
}

/** floor(log10(v)) computed exactly; v = num/scale. */
function decimalExponent(x: ExactFloat, v: number): number {
  let p = Math.floor(Math.log10(v));
  // Math.log10 can be off by one next to powers of ten; fix it with exact comparisons.
  for (;;) {
    const probe = { ...x };
    shiftDecimal(probe, p);
    if (probe.num < probe.scale) p -= 1;
    else if (probe.num >= 10n * probe.scale) p += 1;
    else return p;
  }
}

/**
 * Limits on digit generation, as numpy's dragon4 takes them (`precision` and `min_digits`).
 * Fraction limits count digits after the decimal point (positional output); significant limits
 * count all digits (scientific output).
 */
interface DigitLimits {
  /** Never generate digits beyond this many after the point; round the last one instead. */
  readonly maxFraction?: number;
  readonly maxSignificant?: number;
  /** Keep generating at least this far even when fewer digits would already round-trip. */
  readonly minFraction?: number;
  readonly minSignificant?: number;
}

/**
 * Shortest decimal that reads back as `v` in `kind` (Steele & White / Dragon4 "unique" mode, as
 * numpy's dragon4 does it), within `limits`: generation stops at the max limit with the last
 * digit rounded, and does not stop for uniqueness before the min limit, so the digits there are
 * those of the exact value. `v` must be positive and finite.
 */
function shortestDecimal(v: number, kind: FloatKind, limits: DigitLimits = {}): Decimal {
  const x = exactFloat(v, kind);
  const leading = decimalExponent(x, v);
  let lastPosition = -Infinity;
  if (limits.maxFraction !== undefined) lastPosition = -limits.maxFraction;
  if (limits.maxSignificant !== undefined) lastPosition = leading - limits.maxSignificant + 1;
  let stopFrom = leading;
  if (limits.minFraction !== undefined) stopFrom = Math.min(stopFrom, -limits.minFraction);
  if (limits.minSignificant !== undefined) stopFrom = Math.min(stopFrom, leading - limits.minSignificant + 1);
  // A value below the fractional cutoff starts (and ends) at the cutoff digit, like numpy does.
  let position = Math.max(leading, lastPosition);
  shiftDecimal(x, position);

  const digits: number[] = [];
  let digit: number;
  let low: boolean;
  let high: boolean;
  for (;;) {
    digit = Number(x.num / x.scale);
    x.num %= x.scale;
    // low: truncating here stays inside the rounding interval; high: rounding up does.
    low = x.evenSignificand ? x.num <= x.lowMargin : x.num < x.lowMargin;
    const up = x.num + x.highMargin;
    high = x.evenSignificand ? up >= x.scale : up > x.scale;
    if (((low || high) && position <= stopFrom) || position === lastPosition) break;
    digits.push(digit);
    x.num *= 10n;
    x.lowMargin *= 10n;
    x.highMargin *= 10n;
    position -= 1;
  }
  // Exactly one candidate in the interval: take it. Otherwise (both, or neither because a
  // limit was hit) take the nearer one, ties to an even digit.
  let roundDown = low;
  if (low === high) {
    const twice = 2n * x.num;
    roundDown = twice < x.scale || (twice === x.scale && digit % 2 === 0);
  }
  digits.push(roundDown ? digit : digit + 1);
  return normaliseDigits(digits, position + digits.length - 1);
}

/**
 * Rounds `v` (positive, finite, exact double) to `significant` digits, nearest with ties to even,
 * as glibc's printf does for `%e` / `%g`. Returns exactly `significant` digits (zeros kept).
 */
function roundSignificant(v: number, significant: number): { digits: string; exp: number } {
  const x = exactFloat(v, FLOAT64);
  let exp = decimalExponent(x, v);
  shiftDecimal(x, exp - significant + 1);
  let q = x.num / x.scale;
  const twice = 2n * (x.num % x.scale);
  if (twice > x.scale || (twice === x.scale && q % 2n === 1n)) q += 1n;
  let digits = q.toString();
  if (digits.length > significant) {
    // Rounding carried into a new leading digit (9.99... -> 10.0).
    digits = digits.slice(0, significant);
    exp += 1;
  }
  return { digits, exp };
}

/** Applies carries from a final round-up, then drops leading and trailing zeros. */
function normaliseDigits(raw: number[], firstExp: number): Decimal {
  const d = raw.slice();
  let exp = firstExp;
  for (let i = d.length - 1; i > 0 && d[i] === 10; i--) {
    d[i] = 0;
    d[i - 1] += 1;
  }
  if (d[0] === 10) {
    d[0] = 0;
    d.unshift(1);
    exp += 1;
  }
  while (d.length > 1 && d[0] === 0) {
    d.shift();
    exp -= 1;
  }
  while (d.length > 1 && d[d.length - 1] === 0) d.pop();
  if (d.length === 1 && d[0] === 0) return ZERO_DECIMAL;
  return { digits: d.join(""), exp };
}

/** Integer and fractional digit strings of a decimal written positionally (no sign, no point). */
function positionalParts(d: Decimal): { int: string; frac: string } {
  if (d.digits === "0") return { int: "0", frac: "" };
  if (d.exp < 0) return { int: "0", frac: "0".repeat(-d.exp - 1) + d.digits };
  const intLen = d.exp + 1;
  if (d.digits.length <= intLen) return { int: d.digits + "0".repeat(intLen - d.digits.length), frac: "" };
  return { int: d.digits.slice(0, intLen), frac: d.digits.slice(intLen) };
}

/** Exponent suffix such as `e+05` / `e-123`: sign always present, at least `minDigits` digits. */
function exponentSuffix(exp: number, minDigits: number): string {
  return "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(minDigits, "0");
}

function isNegative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}

// ---------------------------------------------------------------------------------------------
// numpy: str of a 0-d array (= str of the numpy scalar)
// ---------------------------------------------------------------------------------------------

/**
 * numpy 1.x float scalar str: shortest round-trip digits at the scalar's own precision,
 * positional with at least one fractional digit (`2.0`) when 1e-4 <= |v| < 1e16 (or v == 0),
 * otherwise scientific without a bare point (`1e-05`, `1.5e+16`). The comparison is made on the
 * value widened to double, so float32 0.0001 (= 9.99999975e-05) prints `1e-04`.
 * (numpy 2 switches float16/float32 scalars to scientific much earlier, e.g. float32 1e6.)
 */
function numpyScalarStr(v: number, kind: FloatKind): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  const sign = isNegative(v) ? "-" : "";
  const a = Math.abs(v);
  const d = a === 0 ? ZERO_DECIMAL : shortestDecimal(a, kind);
  if (a === 0 || (a >= 1e-4 && a < 1e16)) {
    const { int, frac } = positionalParts(d);
    return sign + int + "." + (frac === "" ? "0" : frac);
  }
  const frac = d.digits.slice(1);
  return sign + d.digits[0] + (frac === "" ? "" : "." + frac) + exponentSuffix(d.exp, 2);
}

// ---------------------------------------------------------------------------------------------
// numpy: element formatters for arrays (numpy.core.arrayprint FloatingFormat & friends)
// ---------------------------------------------------------------------------------------------

type ElementFormatter = (v: number) => string;

const NUMPY_PRECISION = 8;

/**
 * numpy picks scientific notation when max|x| >= 1e8, min|x| < 1e-4, or max/min > 1e3 over the
 * finite non-zero values shown. The ratio is computed in the array's dtype (float16 division
 * rounds!), while numpy 1.x compares the dtype scalars against the Python-float thresholds in
 * double precision. (numpy 2 compares in the dtype, so float32 0.0001 itself is not "< 1e-4".)
 */
function exceedsExpThresholds(values: readonly number[], kind: FloatKind): boolean {
  let max = 0;
  let min = Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    const a = Math.abs(v);
    if (a > max) max = a;
    if (a < min) min = a;
  }
  if (max === 0) return false;
  return max >= 1e8 || min < 1e-4 || roundToKind(max / min, kind) > 1000;
}

/** numpy's FloatingFormat under the default options; `values` are the elements that will be shown. */
function numpyFloatFormatter(values: readonly number[], kind: FloatKind): ElementFormatter {
  const finite = values.filter((v) => Number.isFinite(v));
  const sci = exceedsExpThresholds(finite, kind);
  const render = sci ? scientificColumns(finite, kind) : positionalColumns(finite, kind);

  // Non-finite values are right-aligned in the common field; widen it if "nan" / "-inf" need more.
  const hasNegInf = values.some((v) => v === -Infinity);
  if (finite.length !== values.length) {
    const offset = render.padRight + 1;
    render.padLeft = Math.max(render.padLeft, 3 - offset, 3 + (hasNegInf ? 1 : 0) - offset);
  }
  const fieldWidth = render.padLeft + render.padRight + 1;
  return (v) => {
    if (Number.isNaN(v)) return "nan".padStart(fieldWidth);
    if (!Number.isFinite(v)) return (v < 0 ? "-inf" : "inf").padStart(fieldWidth);
    return render.format(v);
  };
}

interface ColumnRender {
  padLeft: number;
  /** Width right of the decimal point; used to size the nan/inf field. */
  readonly padRight: number;
  readonly format: ElementFormatter;
}

/**
 * Memoises a per-value computation; -0 and 0 are kept apart (Map would merge them), and a key that
 * is never a finite element (-Infinity) stands in for -0.
 */
function memoByValue<T>(fn: (v: number) => T): (v: number) => T {
  const cache = new Map<number, T>();
  return (v) => {
    const key = Object.is(v, -0) ? -Infinity : v;
    let r = cache.get(key);
    if (r === undefined) {
      r = fn(v);
      cache.set(key, r);
    }
    return r;
  };
}

/**
 * Positional mode ('maxprec'). numpy first sizes the columns from each value's shortest digits
 * (at most 8 after the point), then prints each value again with `min_digits=0`, which makes
 * dragon4 keep every integer digit: float32 78888552 is sized as "78888550." but printed as
 * "78888552.". Trailing zeros are trimmed but the point is kept (`1.`); integer parts are
 * right-aligned and fractions space-padded on the right so the points line up.
 */
function positionalColumns(finite: readonly number[], kind: FloatKind): ColumnRender {
  const parts = (v: number, limits: DigitLimits) => {
    const a = Math.abs(v);
    const { int, frac } = positionalParts(a === 0 ? ZERO_DECIMAL : shortestDecimal(a, kind, limits));
    return { int: (isNegative(v) ? "-" : "") + int, frac };
  };
  const sizing = memoByValue((v) => parts(v, { maxFraction: NUMPY_PRECISION }));
  const printing = memoByValue((v) => parts(v, { maxFraction: NUMPY_PRECISION, minFraction: 0 }));
  let padLeft = 0;
  let padRight = 0;
  for (const v of finite) {
    const p = sizing(v);
    padLeft = Math.max(padLeft, p.int.length);
    padRight = Math.max(padRight, p.frac.length);
  }
  const render: ColumnRender = {
    padLeft,
    padRight,
    format: (v) => {
      const p = printing(v);
      return p.int.padStart(render.padLeft) + "." + p.frac.padEnd(padRight);
    },
  };
  return render;
}

/**
 * Scientific mode. Sizing uses each value's shortest digits (at most 8 after the point); then
 * every value is printed with exactly as many fraction digits as the longest one needs
 * (`min_digits` = that count, so these are the value's own digits, not zero padding) and with
 * the exponent zero-padded to the longest exponent, at least 2 digits: `1.5e-05`.
 */
function scientificColumns(finite: readonly number[], kind: FloatKind): ColumnRender {
  const decimal = (v: number, limits: DigitLimits): Decimal => {
    const a = Math.abs(v);
    return a === 0 ? ZERO_DECIMAL : shortestDecimal(a, kind, limits);
  };
  let padLeft = 0;
  let precision = 0;
  let expDigits = 0;
  for (const v of finite) {
    const d = decimal(v, { maxSignificant: NUMPY_PRECISION + 1 });
    padLeft = Math.max(padLeft, isNegative(v) ? 2 : 1);
    precision = Math.max(precision, d.digits.length - 1);
    expDigits = Math.max(expDigits, String(Math.abs(d.exp)).length, 2);
  }
  const printing = memoByValue((v) => {
    const d = decimal(v, { maxSignificant: precision + 1, minSignificant: precision + 1 });
    const lead = (isNegative(v) ? "-" : "") + d.digits[0];
    return { lead, rest: d.digits.slice(1).padEnd(precision, "0") + exponentSuffix(d.exp, expDigits) };
  });
  const render: ColumnRender = {
    padLeft,
    padRight: expDigits + 2 + precision,
    format: (v) => {
      const p = printing(v);
      return p.lead.padStart(render.padLeft) + "." + p.rest;
    },
  };
  return render;
}

/** numpy's IntegerFormat: every element right-aligned to the widest one shown. */
function numpyIntFormatter(values: readonly number[]): ElementFormatter {
  const width = values.reduce((w, v) => Math.max(w, intString(v).length), 0);
  return (v) => intString(v).padStart(width);
}

/** numpy's BoolFormat inside arrays: `True` is padded to the width of `False`. */
function numpyBoolFormatter(v: number): string {
  return v ? " True" : "False";
}

function intString(v: number): string {
  return Object.is(v, -0) ? "0" : String(v);
}

// ---------------------------------------------------------------------------------------------
// numpy: layout (numpy.core.arrayprint _formatArray with separator ' ', linewidth 75)
// ---------------------------------------------------------------------------------------------

const NUMPY_THRESHOLD = 1000;
const NUMPY_EDGE_ITEMS = 3;
const NUMPY_LINE_WIDTH = 75;

/** Marker for the summarised gap in an index list. */
const GAP = -1;

/** Indices shown along an axis of length `len`: all, or the edge items around a gap. */
function shownIndices(len: number, summarise: boolean, edge: number): number[] {
  if (summarise && len > 2 * edge) {
    const head = Array.from({ length: edge }, (_, i) => i);
    const tail = Array.from({ length: edge }, (_, i) => len - edge + i);
    return [...head, GAP, ...tail];
  }
  return Array.from({ length: len }, (_, i) => i);
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Which indices of an axis get printed (possibly with a GAP), given the axis and its length. */
type AxisIndices = (axis: number, len: number) => number[];

/** Flat row-major offsets of the elements that will be printed, in print order. */
function shownOffsets(shape: readonly number[], indicesAt: AxisIndices): number[] {
  const strides = rowMajorStrides(shape);
  const out: number[] = [];
  const walk = (axis: number, offset: number) => {
    if (axis === shape.length) {
      out.push(offset);
      return;
    }
    for (const i of indicesAt(axis, shape[axis])) {
      if (i !== GAP) walk(axis + 1, offset + i * strides[axis]);
    }
  };
  walk(0, 0);
  return out;
}

/** numpy summarises every axis longer than 2 * edgeitems, but only when the whole array is large. */
function numpyIndices(summarise: boolean): AxisIndices {
  return (_axis, len) => shownIndices(len, summarise, NUMPY_EDGE_ITEMS);
}

/**
 * Appends `word` to the current line, first wrapping to a new line (with the hanging indent) if
 * the line would exceed `width` - unless the line holds nothing but the indent, since wrapping
 * would not help then.
 */
function extendLine(state: { s: string; line: string }, word: string, width: number, indent: string): void {
  if (state.line.length + word.length > width && state.line.length > indent.length) {
    state.s += state.line.trimEnd() + "\n";
    state.line = indent;
  }
  state.line += word;
}

function numpyLayout(shape: readonly number[], data: ArrayLike<number>, fmt: ElementFormatter, indicesAt: AxisIndices): string {
  const strides = rowMajorStrides(shape);
  const ndim = shape.length;

  // `indent` stands in for the opening bracket on the first line and indents continuation lines;
  // every nesting level adds one space and takes one column off the width (for the closing "]").
  const recurse = (axis: number, offset: number, indent: string, width: number): string => {
    if (axis === ndim) return fmt(data[offset]);
    const items = indicesAt(axis, shape[axis]);
    const child = (i: number) => (i === GAP ? "..." : recurse(axis + 1, offset + i * strides[axis], indent + " ", width - 1));
    let body: string;
    if (axis === ndim - 1) {
      // Innermost axis: space-separated words, wrapped to fit width - len("]").
      const state = { s: "", line: indent };
      items.forEach((i, k) => {
        extendLine(state, child(i), width - 1, indent);
        if (k < items.length - 1) state.line += " ";
      });
      body = state.s + state.line;
    } else {
      // Outer axes: one sub-array per line, plus one blank line per extra level of nesting.
      const sep = "\n".repeat(ndim - axis - 1);
      body = items.map((i) => indent + child(i)).join(sep);
    }
    return "[" + body.slice(indent.length) + "]";
  };
  return recurse(0, 0, " ", NUMPY_LINE_WIDTH);
}

// ---------------------------------------------------------------------------------------------
// MindSpore repr: C++ stream formatting
// ---------------------------------------------------------------------------------------------

/** `std::setw(width) << std::setprecision(precision) << std::scientific << value`, i.e. printf `%W.Pe`. */
function cScientific(v: number, width: number, precision: number): string {
  let body: string;
  if (Number.isNaN(v)) body = "nan";
  else if (!Number.isFinite(v)) body = v < 0 ? "-inf" : "inf";
  else {
    const a = Math.abs(v);
    const { digits, exp } = a === 0 ? { digits: "0".repeat(precision + 1), exp: 0 } : roundSignificant(a, precision + 1);
    const frac = digits.slice(1);
    body = (isNegative(v) ? "-" : "") + digits[0] + (frac === "" ? "" : "." + frac) + exponentSuffix(exp, 2);
  }
  return body.padStart(width);
}

/**
 * `ostream << value` with default flags: printf `%g` with precision 6 - six significant digits,
 * positional when the decimal exponent is in [-4, 6), scientific otherwise, trailing zeros removed.
 */
function cDefaultFloat(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  const sign = isNegative(v) ? "-" : "";
  const a = Math.abs(v);
  if (a === 0) return sign + "0";
  const { digits, exp } = roundSignificant(a, 6);
  const trimmed = digits.replace(/0+$/, "");
  if (exp >= -4 && exp < 6) {
    const { int, frac } = positionalParts({ digits: trimmed, exp });
    return sign + int + (frac === "" ? "" : "." + frac);
  }
  const frac = trimmed.slice(1);
  return sign + trimmed[0] + (frac === "" ? "" : "." + frac) + exponentSuffix(exp, 2);
}

// ---------------------------------------------------------------------------------------------
// MindSpore repr: TensorStringifier layout
// ---------------------------------------------------------------------------------------------

/** When ndim > 1, any dimension longer than this is summarised (kThreshold). */
const MS_THRESHOLD = 6;
/** 1-D tensors are summarised only above this many elements (kThreshold1D). */
const MS_THRESHOLD_1D = 1000;
const MS_EDGE = MS_THRESHOLD >> 1;

type ElementClass = "float" | "int" | "bool";

/** 1-D tensors get a line feed after every N-th element (kThreshold1DFloat / Int / Bool). */
const MS_LINE_FEED: Record<ElementClass, number> = { float: 12, int: 24, bool: 12 };

function elementClass(dtype: FormatDType): ElementClass {
  if (dtype === "Bool") return "bool";
  return floatKindOf(dtype) ? "float" : "int";
}

/**
 * The non-scalar element printer. Integers are right-aligned to the widest printed integer: the
 * C++ code writes "#" placeholders and substitutes spaces once the maximum width is known, which
 * amounts to the same thing.
 */
function msElementFormatter(dtype: FormatDType, shown: readonly number[]): ElementFormatter {
  switch (elementClass(dtype)) {
    case "float": {
      // float16: setw(11) setprecision(4); float32/float64: setw(15) setprecision(8).
      const [width, precision] = dtype === "Float16" ? [11, 4] : [15, 8];
      return (v) => cScientific(v, width, precision);
    }
    case "bool":
      return (v) => (v ? "True" : "False").padStart(5);
    case "int": {
      const width = shown.reduce((w, v) => Math.max(w, intString(v).length), 0);
      return (v) => intString(v).padStart(width);
    }
  }
}

/**
 * The TensorStringifier's summarisation: per axis and independent of the total size - any axis
 * longer than 6 when ndim > 1, a 1-D tensor only above 1000 elements.
 */
function msIndices(ndim: number): AxisIndices {
  const limit = ndim === 1 ? MS_THRESHOLD_1D : MS_THRESHOLD;
  return (_axis, len) => shownIndices(len, len > limit, MS_EDGE);
}

function msLayout(shape: readonly number[], data: ArrayLike<number>, fmt: ElementFormatter, lineFeed: number): string {
  const ndim = shape.length;
  const strides = rowMajorStrides(shape);
  const indicesAt = msIndices(ndim);

  const recurse = (axis: number, offset: number): string => {
    const items = indicesAt(axis, shape[axis]);
    if (axis === ndim - 1) return "[" + msRow(items, offset, data, fmt, ndim === 1 ? lineFeed : 0) + "]";
    // Sibling sub-tensors are separated by ",\n" and an indent of axis+1 spaces; the "..." line
    // takes a comma before it but none after it.
    const indent = " ".repeat(axis + 1);
    let s = "[";
    items.forEach((i, k) => {
      if (k > 0) s += (items[k - 1] === GAP ? "" : ",") + "\n" + indent;
      s += i === GAP ? "..." : recurse(axis + 1, offset + i * strides[axis]);
    });
    return s + "]";
  };
  return recurse(0, 0);
}

/**
 * One innermost row: elements joined by ", ", a summarised row as "a, b, c ... x, y, z". For 1-D
 * tensors (`lineFeed` > 0) a run of more than 3 elements also gets "\n " after every lineFeed-th
 * element - after its separator, so lines keep a trailing ", " and a full last line ends in "\n ]".
 */
function msRow(items: readonly number[], offset: number, data: ArrayLike<number>, fmt: ElementFormatter, lineFeed: number): string {
  const gap = items.indexOf(GAP);
  const runs = gap < 0 ? [items] : [items.slice(0, gap), items.slice(gap + 1)];
  return runs
    .map((run) =>
      run
        .map((i, k) => {
          let s = fmt(data[offset + i]);
          if (k !== run.length - 1) s += ", ";
          if (lineFeed > 0 && run.length > MS_EDGE && (k + 1) % lineFeed === 0) s += "\n ";
          return s;
        })
        .join(""),
    )
    .join(" ... ");
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

function checkArgs(data: ArrayLike<number>, shape: readonly number[]): number {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`format: invalid dimension ${d} in shape [${shape.join(", ")}]`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (data.length !== size) {
    throw new RangeError(`format: shape [${shape.join(", ")}] needs ${size} elements but data has ${data.length}`);
  }
  return size;
}

/** MindSpore's str(tensor) == numpy's str(ndarray) with default print options. */
export function formatStr(data: ArrayLike<number>, shape: readonly number[], dtype: FormatDType): string {
  const size = checkArgs(data, shape);
  const kind = floatKindOf(dtype);
  if (shape.length === 0) {
    // numpy prints a 0-d array as the str of its scalar.
    const v = data[0];
    if (kind) return numpyScalarStr(v, kind);
    if (dtype === "Bool") return v ? "True" : "False";
    return intString(v);
  }
  if (size === 0) return "[]";
  const indicesAt = numpyIndices(size > NUMPY_THRESHOLD);
  // Column widths are computed from the elements actually shown, as numpy does.
  const shown = shownOffsets(shape, indicesAt).map((o) => data[o]);
  let fmt: ElementFormatter;
  if (kind) fmt = numpyFloatFormatter(shown, kind);
  else if (dtype === "Bool") fmt = numpyBoolFormatter;
  else fmt = numpyIntFormatter(shown);
  return numpyLayout(shape, data, fmt, indicesAt);
}

/** MindSpore's repr(tensor): "Tensor(shape=[2], dtype=Float32, value= [ 7.50000000e+01,  7.50000000e+01])" */
export function formatRepr(data: ArrayLike<number>, shape: readonly number[], dtype: FormatDType): string {
  const size = checkArgs(data, shape);
  const head = `Tensor(shape=[${shape.join(", ")}], dtype=${dtype}, value=${shape.length > 1 ? "\n" : " "}`;
  return head + msValueString(data, shape, dtype, size) + ")";
}

function msValueString(data: ArrayLike<number>, shape: readonly number[], dtype: FormatDType, size: number): string {
  // An empty tensor prints no value at all.
  if (size === 0) return "";
  if (shape.length === 0) {
    // Scalars go through a plain `ostream << value`.
    const v = data[0];
    switch (elementClass(dtype)) {
      case "float":
        return cDefaultFloat(v);
      case "bool":
        return v ? "True" : "False";
      case "int":
        return intString(v);
    }
  }
  const shown = shownOffsets(shape, msIndices(shape.length)).map((o) => data[o]);
  const fmt = msElementFormatter(dtype, shown);
  return msLayout(shape, data, fmt, MS_LINE_FEED[elementClass(dtype)]);
}

/**
 * Tensor <-> raw bytes, the way checkpoints store them: row-major,
 * little-endian, each element in its dtype's width (Float16 as IEEE half bits,
 * Int64 as 8-byte two's complement, Bool as one byte 0/1). Pure: no file I/O.
 *
 * mindspore-ts keeps float16 in a Float32Array (values already rounded to
 * half precision) and int64 in a Float64Array (exact for |v| <= 2^53), so
 * those two dtypes are converted element by element; the others are copied.
 */
import { DType, bool_, float16, float32, float64, int16, int32, int64, int8, uint8, type TypedArray } from "../core/dtype.js";
import { Tensor } from "../core/tensor.js";
import { contiguousStrides, sizeOf } from "../core/shape.js";
import { currentBackend } from "../backend/registry.js";

/** The dtypes a checkpoint can hold here, by MindSpore's tensor_type name ("Float32", ...). */
export const DTYPE_BY_NAME: ReadonlyMap<string, DType> = new Map(
  [float16, float32, float64, int8, int16, int32, int64, uint8, bool_].map((d) => [d.name, d]),
);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** IEEE half bits of a value that is already representable in half precision (float16 storage holds only such). */
export function halfBits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity || a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | Math.round(a * 2 ** 24); // subnormal (or zero): multiples of 2^-24
  let e = Math.floor(Math.log2(a));
  // log2 can be off by one ulp next to powers of two
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const m = Math.round((a / 2 ** e - 1) * 1024);
  // m === 1024 only if `a` was not half-representable and rounded up to the next binade
  return m === 1024 ? sign | ((e + 16) << 10) : sign | ((e + 15) << 10) | m;
}

/** The value of IEEE half bits. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** Little-endian bytes of a tensor's values in its dtype (a fresh buffer). */
export function tensorToBytes(t: Tensor): Uint8Array {
  const data = t._data();
  // _data() is already a fresh copy: when its bytes are the file's bytes, use them as they are
  if ((LITTLE_ENDIAN || t.dtype.itemsize === 1) && t.dtype !== float16 && t.dtype !== int64 && t.dtype !== bool_) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return dataToBytes(data, t.dtype);
}

/** Little-endian bytes of contiguous storage values of dtype `dt`. */
export function dataToBytes(data: TypedArray, dt: DType): Uint8Array {
  const n = data.length;
  const out = new Uint8Array(n * dt.itemsize);
  const view = new DataView(out.buffer);
  if (dt === float16) {
    for (let i = 0; i < n; i++) view.setUint16(2 * i, halfBits(data[i]), true);
  } else if (dt === int64) {
    for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(Math.trunc(data[i])), true);
  } else if (dt === bool_) {
    for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0;
  } else if (LITTLE_ENDIAN || dt.itemsize === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else {
    const set = setter(view, dt);
    for (let i = 0; i < n; i++) set(i * dt.itemsize, data[i]);
  }
  return out;
}

/** Storage values of dtype `dt` from `count * itemsize` little-endian bytes (the caller checked the length). */
export function bytesToData(bytes: Uint8Array, dt: DType): TypedArray {
  const n = bytes.length / dt.itemsize;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new dt.storage(n);
  if (dt === float16) {
    for (let i = 0; i < n; i++) out[i] = halfValue(view.getUint16(2 * i, true));
  } else if (dt === int64) {
    for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, true));
  } else if (dt === bool_) {
    for (let i = 0; i < n; i++) out[i] = bytes[i] ? 1 : 0;
  } else if (LITTLE_ENDIAN || dt.itemsize === 1) {
    // a copy: `bytes` may be unaligned, or a window into a file buffer that should not stay alive
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const get = getter(view, dt);
    for (let i = 0; i < n; i++) out[i] = get(i * dt.itemsize);
  }
  return out;
}

/** A concrete tensor of `shape` over fresh storage values (taken, not copied). */
export function tensorFromData(data: TypedArray, shape: readonly number[], dt: DType): Tensor {
  const s = [...shape];
  const storage = currentBackend().upload(data, dt);
  return Tensor._fromView({ storage, shape: s, strides: contiguousStrides(s), offset: 0 }, dt);
}

/** A tensor from little-endian bytes; `bytes.length` must be `size(shape) * itemsize`. */
export function tensorFromBytes(bytes: Uint8Array, shape: readonly number[], dt: DType): Tensor {
  if (bytes.length !== sizeOf(shape) * dt.itemsize) throw new RangeError("byte length does not match shape and dtype");
  return tensorFromData(bytesToData(bytes, dt), shape, dt);
}

function setter(v: DataView, dt: DType): (off: number, x: number) => void {
  switch (dt.name) {
    case "Float32":
      return (o, x) => v.setFloat32(o, x, true);
    case "Float64":
      return (o, x) => v.setFloat64(o, x, true);
    case "Int16":
      return (o, x) => v.setInt16(o, x, true);
    default:
      return (o, x) => v.setInt32(o, x, true);
  }
}

function getter(v: DataView, dt: DType): (off: number) => number {
  switch (dt.name) {
    case "Float32":
      return (o) => v.getFloat32(o, true);
    case "Float64":
      return (o) => v.getFloat64(o, true);
    case "Int16":
      return (o) => v.getInt16(o, true);
    default:
      return (o) => v.getInt32(o, true);
  }
}

/** CRC-32 (zlib's, as Python's binascii.crc32), continued from `crc`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

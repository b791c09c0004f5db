/**
 * MindSpore's .ckpt bytes (see checkpoint.proto), encoded and decoded
 * without touching files, so a browser can use them on bytes.
 *
 * Writing follows mindspore.save_checkpoint: one serialized `Checkpoint`
 * message per Value, appended one after another; a tensor larger than the
 * slice size (512 MiB) is split into consecutive Values with the same tag and
 * dims, each holding the next run of bytes. A string (append_dict) is a Value
 * with tensor_type "str", dims [0] and the text as NumPy stores a 0-d unicode
 * array: UTF-32LE code points. With crc_check, the file ends with the ASCII
 * bytes "crc_num" and the CRC-32 of everything before them, as 10 big-endian
 * bytes.
 */
import { Tensor } from "../core/tensor.js";
import type { DType } from "../core/dtype.js";
import { fmtShape, sizeOf } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import { CheckpointType, type CheckpointMsg, type Int64, type TensorProtoMsg } from "./proto.js";
import { DTYPE_BY_NAME, crc32, tensorFromBytes, tensorToBytes } from "./tensor_bytes.js";

/** One named entry of a checkpoint: a tensor, or a string (what append_dict's str values become). */
export interface CkptEntry {
  name: string;
  data: Tensor | string;
}

/** MindSpore's slice size: 1024 * SLICE_SIZE bytes, SLICE_SIZE = 512 * 1024. */
export const CKPT_SLICE_BYTES = 512 * 1024 * 1024;

const CRC_MARK = new TextEncoder().encode("crc_num");
const CRC_TRAILER = CRC_MARK.length + 10;

/**
 * The serialized pieces of a .ckpt file, in order; their concatenation is
 * the file. Tensors are read lazily, one at a time, so a writer can stream
 * them (and a tensor that cannot be read fails part-way through).
 */
export function* encodeCheckpoint(entries: Iterable<CkptEntry>, options: { crc_check?: boolean; slice_bytes?: number } = {}): Generator<Uint8Array> {
  const sliceBytes = options.slice_bytes ?? CKPT_SLICE_BYTES;
  if (!Number.isInteger(sliceBytes) || sliceBytes <= 0) throw new ValueError(`For 'save_checkpoint', the slice size must be a positive int, but got ${sliceBytes}.`);
  let crc = 0;
  for (const { name, data } of entries) {
    let dims: number[];
    let type: string;
    let bytes: Uint8Array;
    if (typeof data === "string") {
      dims = [0];
      type = "str";
      bytes = utf32le(data);
    } else {
      dims = data.shape;
      type = data.dtype.name;
      bytes = tensorToBytes(data);
    }
    // An empty tensor still gets one (empty) Value, so that it survives the round trip.
    for (let off = 0; off < bytes.length || off === 0; off += sliceBytes) {
      const msg = { value: [{ tag: name, tensor: { dims, tensor_type: type, tensor_content: bytes.subarray(off, off + sliceBytes) } }] };
      const piece = CheckpointType.encode(CheckpointType.fromObject(msg)).finish();
      if (options.crc_check) crc = crc32(piece, crc);
      yield piece;
      if (bytes.length === 0) break;
    }
  }
  if (options.crc_check) {
    const trailer = new Uint8Array(CRC_TRAILER);
    trailer.set(CRC_MARK);
    new DataView(trailer.buffer).setUint32(CRC_TRAILER - 4, crc, false); // the 6 bytes above stay 0
    yield trailer;
  }
}

/** The whole .ckpt file as one buffer. */
export function encodeCheckpointBytes(entries: Iterable<CkptEntry>, options: { crc_check?: boolean; slice_bytes?: number } = {}): Uint8Array {
  return concatBytes([...encodeCheckpoint(entries, options)]);
}

export interface DecodeOptions {
  crc_check?: boolean;
  /** which tags to build (others are skipped unread, as MindSpore's filters do) */
  keep?: (tag: string) => boolean;
  /** the file name, for error messages */
  source?: string;
}

/**
 * Parse .ckpt bytes into entries, in file order; consecutive Values with the
 * same tag are joined into one tensor. A later entry with an earlier name
 * replaces it (in the earlier position), as a Python dict would.
 * Throws ValueError naming the file and what is wrong.
 */
export function decodeCheckpoint(bytes: Uint8Array, options: DecodeOptions = {}): CkptEntry[] {
  const src = options.source ?? "<bytes>";
  let content = bytes;
  if (hasCrcTrailer(bytes)) {
    content = bytes.subarray(0, bytes.length - CRC_TRAILER);
    if (options.crc_check) {
      const tail = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 10, 10);
      const stored = tail.getUint16(0) * 2 ** 64 + tail.getUint32(2) * 2 ** 32 + tail.getUint32(6);
      if (stored !== crc32(content)) {
        throw new ValueError(`For 'load_checkpoint', the crc check is failed, please check whether the ckpt file is damaged: ${src}.`);
      }
    }
  } else if (options.crc_check) {
    console.warn(`For 'load_checkpoint', the ckpt file does not contain the crc code, please check the file: ${src}.`);
  }
  let msg: CheckpointMsg;
  try {
    msg = CheckpointType.decode(content) as unknown as CheckpointMsg;
  } catch (e) {
    throw new ValueError(`Failed to read the checkpoint file ${src}. The file may be corrupted, and the content cannot be parsed (${(e as Error).message}).`, { cause: e });
  }
  const out = new Map<string, CkptEntry>();
  const values = msg.value;
  for (let i = 0; i < values.length; ) {
    const tag = values[i].tag;
    let j = i + 1;
    while (j < values.length && values[j].tag === tag) j++;
    if (!options.keep || options.keep(tag)) out.set(tag, { name: tag, data: joinValues(values.slice(i, j).map((v) => v.tensor ?? null), tag, src) });
    i = j;
  }
  return [...out.values()];
}

/** One tensor (or string) from the consecutive slices of one tag. */
function joinValues(slices: (TensorProtoMsg | null)[], tag: string, src: string): Tensor | string {
  const fail = (what: string) => new ValueError(`For 'load_checkpoint', the parameter '${tag}' in the checkpoint file ${src} ${what}.`);
  if (slices.some((s) => s === null)) throw fail("is a MapParameter (maptensor), which mindspore-ts does not support");
  const first = slices[0] as TensorProtoMsg;
  const dims = first.dims.map(toNumber);
  for (const s of slices as TensorProtoMsg[]) {
    const d = s.dims.map(toNumber);
    if (s.tensor_type !== first.tensor_type || d.length !== dims.length || d.some((x, k) => x !== dims[k])) {
      throw fail(`is split into slices that disagree: tensor_type '${s.tensor_type}' with dims [${d}] after '${first.tensor_type}' with dims [${dims}]`);
    }
  }
  const content = concatBytes((slices as TensorProtoMsg[]).map((s) => s.tensor_content));
  if (first.tensor_type === "str") {
    if (content.length % 4 !== 0) throw fail(`is a string whose ${content.length} bytes are not UTF-32 code points`);
    return fromUtf32le(content, fail);
  }
  const dt: DType | undefined = DTYPE_BY_NAME.get(first.tensor_type);
  if (!dt) {
    throw fail(`has tensor_type '${first.tensor_type}', which mindspore-ts does not support (supported: ${[...DTYPE_BY_NAME.keys()].join(", ")}, str)`);
  }
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw fail(`has invalid dims [${dims}]`);
  // MindSpore reads dims [0] as a 0-d tensor; a genuinely empty 1-d tensor has no bytes
  let shape = dims;
  if (dims.length === 1 && dims[0] === 0 && content.length === dt.itemsize) shape = [];
  const expected = sizeOf(shape) * dt.itemsize;
  if (content.length !== expected) {
    throw fail(`has ${content.length} bytes of data, but its shape ${fmtShape(shape)} and dtype ${dt.name} need ${expected}; the file may be truncated or corrupted`);
  }
  return tensorFromBytes(content, shape, dt);
}

function hasCrcTrailer(b: Uint8Array): boolean {
  if (b.length < CRC_TRAILER) return false;
  const at = b.length - CRC_TRAILER;
  return CRC_MARK.every((c, k) => b[at + k] === c);
}

function toNumber(v: Int64): number {
  return typeof v === "number" ? v : v.toNumber();
}

function utf32le(s: string): Uint8Array {
  const cps = [...s].map((c) => c.codePointAt(0) as number);
  // NumPy stores "" as one NUL code point (dtype <U1)
  if (cps.length === 0) cps.push(0);
  const out = new Uint8Array(cps.length * 4);
  const v = new DataView(out.buffer);
  cps.forEach((cp, k) => v.setUint32(4 * k, cp, true));
  return out;
}

function fromUtf32le(b: Uint8Array, fail: (what: string) => Error): string {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const cps: number[] = [];
  for (let k = 0; k < b.length; k += 4) {
    const cp = v.getUint32(k, true);
    if (cp > 0x10ffff) throw fail(`is a string with an invalid code point ${cp}`);
    cps.push(cp);
  }
  // NumPy pads unicode arrays with trailing NULs, and drops them when read back
  while (cps.length > 0 && cps[cps.length - 1] === 0) cps.pop();
  let s = "";
  for (let k = 0; k < cps.length; k += 4096) s += String.fromCodePoint(...cps.slice(k, k + 4096));
  return s;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

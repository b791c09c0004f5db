/**
 * The safetensors format, encoded and decoded without touching files:
 *
 *   8 bytes   N, the header length (unsigned little-endian)
 *   N bytes   a UTF-8 JSON object: name -> {"dtype": "F32", "shape": [2, 3],
 *             "data_offsets": [begin, end]}, plus an optional "__metadata__"
 *             object of string -> string; padded with spaces (0x20)
 *   the rest  the byte buffer; offsets are relative to its start, tensors are
 *             row-major little-endian and cover it exactly, without holes.
 *
 * Writing follows the reference implementation: the header is padded to a
 * multiple of 8 bytes and tensors are laid out by decreasing alignment, then
 * by name, so every tensor starts at a multiple of its element size.
 */
import { Tensor } from "../core/tensor.js";
import { DType, bool_, float16, float32, float64, int16, int32, int64, int8, uint8 } from "../core/dtype.js";
import { fmtShape, sizeOf } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import { tensorFromBytes, tensorToBytes } from "./tensor_bytes.js";

/** safetensors dtype names of the dtypes mindspore-ts has, in the reference implementation's order (increasing alignment). */
const ST_DTYPES: readonly [string, DType][] = [
  ["BOOL", bool_],
  ["U8", uint8],
  ["I8", int8],
  ["I16", int16],
  ["F16", float16],
  ["I32", int32],
  ["F32", float32],
  ["F64", float64],
  ["I64", int64],
];
const DTYPE_OF = new Map(ST_DTYPES);
const NAME_OF = new Map(ST_DTYPES.map(([n, d]) => [d, n]));
const RANK_OF = new Map(ST_DTYPES.map(([, d], i) => [d, i]));

/** The reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100_000_000;

export function safetensorsDtypeName(dt: DType): string {
  return NAME_OF.get(dt) as string;
}

/**
 * The pieces of a safetensors file, in order (header, then each tensor's
 * bytes). `metadata` becomes "__metadata__" (omitted when null).
 */
export function* encodeSafetensors(tensors: readonly { name: string; tensor: Tensor }[], metadata: Record<string, string> | null = null): Generator<Uint8Array> {
  const seen = new Set<string>();
  for (const { name } of tensors) {
    if (name === "__metadata__") throw new ValueError("For 'save_checkpoint', a tensor cannot be named '__metadata__' in a safetensors file.");
    if (seen.has(name)) throw new ValueError(`For 'save_checkpoint', the name '${name}' appears twice; safetensors names must be unique.`);
    seen.add(name);
  }
  const order = [...tensors].sort(
    (a, b) => (RANK_OF.get(b.tensor.dtype) as number) - (RANK_OF.get(a.tensor.dtype) as number) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const { name, tensor } of order) {
    const n = tensor.size * tensor.dtype.itemsize;
    header[name] = { dtype: NAME_OF.get(tensor.dtype), shape: tensor.shape, data_offsets: [off, off + n] };
    off += n;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const head = new Uint8Array(8 + json.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
  head.set(json, 8);
  yield head;
  for (const { tensor } of order) yield tensorToBytes(tensor);
}

export interface SafetensorsContent {
  /** tensors by name, in sorted name order (as MindSpore's loader iterates them) */
  tensors: { name: string; tensor: Tensor }[];
  metadata: Record<string, string> | null;
}

/**
 * Parse safetensors bytes, checking the header against the buffer; throws
 * ValueError naming `source` and what is wrong. `keep` picks the names to
 * build (all when omitted; the header is checked in full either way).
 */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>", keep?: (name: string) => boolean): SafetensorsContent {
  const fail = (what: string) => new ValueError(`Failed to read the safetensors file ${source}: ${what}.`);
  if (bytes.length < 8) throw fail(`it has ${bytes.length} bytes, fewer than the 8-byte header length`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) throw fail(`the header length ${n} exceeds the ${MAX_HEADER}-byte limit`);
  if (8n + n > BigInt(bytes.length)) throw fail(`the header length ${n} runs past the end of the ${bytes.length}-byte file; the file may be truncated`);
  const headerBytes = bytes.subarray(8, 8 + Number(n));
  if (headerBytes[0] !== 0x7b) throw fail("the header does not start with '{'");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw fail("the header is not a JSON object");
  const buffer = bytes.subarray(8 + Number(n));

  let metadata: Record<string, string> | null = null;
  const infos: { name: string; dt: DType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (typeof info !== "object" || info === null || Array.isArray(info) || Object.values(info).some((v) => typeof v !== "string")) {
        throw fail("'__metadata__' must map strings to strings");
      }
      metadata = { ...(info as Record<string, string>) };
      continue;
    }
    const bad = (what: string) => fail(`tensor '${name}' ${what}`);
    if (typeof info !== "object" || info === null) throw bad("is not described by an object");
    const { dtype, shape, data_offsets } = info as Record<string, unknown>;
    const dt = typeof dtype === "string" ? DTYPE_OF.get(dtype) : undefined;
    if (!dt) throw bad(`has dtype ${JSON.stringify(dtype)}, which mindspore-ts does not support (supported: ${[...DTYPE_OF.keys()].join(", ")})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every((d) => Number.isSafeInteger(d) && d >= 0) || data_offsets[0] > data_offsets[1]) {
      throw bad(`has invalid data_offsets ${JSON.stringify(data_offsets)}`);
    }
    const [begin, end] = data_offsets as number[];
    const need = sizeOf(shape) * dt.itemsize;
    if (end - begin !== need) throw bad(`has ${end - begin} bytes of data, but its shape ${fmtShape(shape)} and dtype ${dtype} need ${need}`);
    infos.push({ name, dt, shape, begin, end });
  }
  // The tensors must tile the buffer exactly: no overlap, no hole, nothing after.
  let at = 0;
  for (const t of [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (t.begin !== at) throw fail(`tensor '${t.name}' starts at byte ${t.begin} of the data, but the previous tensor ends at ${at} (overlap or hole)`);
    at = t.end;
  }
  if (at !== buffer.length) {
    throw fail(`the tensors cover ${at} bytes of data, but the file holds ${buffer.length}; the file may be truncated or corrupted`);
  }
  const names = infos.map((t) => t.name).sort();
  const byName = new Map(infos.map((t) => [t.name, t]));
  const tensors = names
    .filter((name) => !keep || keep(name))
    .map((name) => {
      const t = byName.get(name) as (typeof infos)[number];
      return { name, tensor: tensorFromBytes(buffer.subarray(t.begin, t.end), t.shape, t.dt) };
    });
  return { tensors, metadata };
}

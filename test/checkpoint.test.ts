/**
 * Checkpoints: MindSpore's .ckpt format (checked against protoc, an
 * independent protobuf implementation, and against protoc-encoded fixtures),
 * safetensors, load_param_into_net, and the failure modes (corrupt files,
 * mismatches, failed saves) that must leave files and networks untouched.
 */
import { describe, it, expect, beforeEach, afterEach, vi } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as ms from "../src/index.js";
import { Tensor, Parameter, nn } from "../src/index.js";
import { CHECKPOINT_PROTO } from "../src/io/proto.js";
import { decodeCheckpoint, encodeCheckpointBytes } from "../src/io/ckpt_format.js";
import { crc32, halfBits, halfValue } from "../src/io/tensor_bytes.js";

// A switch to make renameSync fail, for the atomic-save test; everything else is the real node:fs.
const fsHooks = vi.hoisted(() => ({ failRename: false }));
vi.mock("node:fs", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:fs")>();
  const renameSync: typeof actual.renameSync = (from, to) => {
    if (fsHooks.failRename) throw Object.assign(new Error("EXDEV: cross-device link not permitted (simulated)"), { code: "EXDEV" });
    return actual.renameSync(from, to);
  };
  return { ...actual, default: { ...actual, renameSync }, renameSync };
});

const FIX = fileURLToPath(new URL("./fixtures/ckpt/", import.meta.url));
const PROTO_DIR = fileURLToPath(new URL("../src/io/", import.meta.url));
const HAS_PROTOC = spawnSync("protoc", ["--version"]).status === 0;

function protoc(mode: "decode" | "encode", input: Uint8Array | string): Buffer {
  const r = spawnSync("protoc", [`--proto_path=${PROTO_DIR}`, `--${mode}=Checkpoint`, "checkpoint.proto"], { input });
  if (r.status !== 0) throw new Error(`protoc failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The raw bytes of a tensor's storage values, for bit-for-bit comparisons. */
function raw(t: Tensor): Buffer {
  const d = t.asnumpy().data;
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

class Net extends nn.Cell {
  fc: nn.Dense;
  scale: Parameter;
  count: Parameter;
  constructor(w: Tensor | null = null, b: Tensor | null = null) {
    super();
    this.fc = new nn.Dense(3, 2, w, b);
    this.scale = new Parameter(new Tensor([1.5, -0.25], ms.float16), "scale");
    this.count = new Parameter(new Tensor([[7, -8]], ms.int64), "count", false);
  }
  construct(x: Tensor) {
    return this.fc(x);
  }
}

/** Every parameter's name, dtype, shape and bytes: what "unchanged" means. */
function stateOf(net: nn.Cell): [string, string, number[], string][] {
  return net.get_parameters().map((p) => [p.name, p.dtype.name, p.shape, raw(p).toString("hex")]);
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ms-ckpt-"));
  fsHooks.failRename = false;
});
afterEach(() => {
  fsHooks.failRename = false;
  fs.rmSync(dir, { recursive: true, force: true });
});
const tmp = (name: string) => path.join(dir, name);

describe("the .ckpt schema and byte helpers", () => {
  it("the inlined schema is checkpoint.proto verbatim", () => {
    expect(CHECKPOINT_PROTO).toBe(fs.readFileSync(path.join(PROTO_DIR, "checkpoint.proto"), "utf8"));
  });
  it("crc32 is zlib's (binascii.crc32)", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    // continuing a crc over a split buffer equals the crc of the whole
    const a = new TextEncoder().encode("12345");
    const b = new TextEncoder().encode("6789");
    expect(crc32(b, crc32(a))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it("float16 bits: every finite half value round-trips exactly, and known encodings", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = halfValue(h);
      if (Number.isNaN(v)) continue;
      expect(halfBits(v)).toBe(h);
    }
    expect(halfBits(1)).toBe(0x3c00);
    expect(halfBits(-2)).toBe(0xc000);
    expect(halfBits(65504)).toBe(0x7bff);
    expect(halfBits(2 ** -24)).toBe(0x0001);
    expect(halfBits(-0)).toBe(0x8000);
    expect(halfBits(NaN)).toBe(0x7e00);
    expect(halfValue(0x7c00)).toBe(Infinity);
  });
});

describe("load_checkpoint reads files written by others (protoc-encoded fixture)", () => {
  it("every dtype, a 0-d tensor, a split tensor, a legacy dims-[0] scalar and a string", () => {
    const d = ms.load_checkpoint(path.join(FIX, "handwritten.ckpt"));
    expect([...d.keys()]).toEqual(["fc.weight", "fc.bias", "global_step", "ids", "half", "mask", "big", "legacy_scalar", "u8", "i8", "i16", "f64", "note"]);
    const p = (k: string) => d.get(k) as Parameter;
    expect(p("fc.weight")).toBeInstanceOf(Parameter);
    expect(p("fc.weight").name).toBe("fc.weight");
    expect(p("fc.weight").requires_grad).toBe(true);
    expect(p("fc.weight").dtype).toBe(ms.float32);
    expect(p("fc.weight").tolist()).toEqual([[1, -2, 0.5], [3.25, 0, -0.125]]);
    expect(p("fc.bias").tolist()).toEqual([Math.fround(0.1), Math.fround(-0.2)]);
    expect(p("global_step").dtype).toBe(ms.int64);
    expect(p("global_step").shape).toEqual([]);
    expect(p("global_step").item()).toBe(1234567890123);
    expect(p("ids").tolist()).toEqual([-1, 0, 2 ** 53 - 1]);
    expect(p("half").dtype).toBe(ms.float16);
    expect(p("half").tolist()).toEqual([1, -2, 0.5, 65504]);
    expect(p("mask").dtype).toBe(ms.bool_);
    expect(p("mask").tolist()).toEqual([[true, false], [false, true]]);
    expect(p("big").dtype).toBe(ms.int32);
    expect(p("big").tolist()).toEqual([1, 2, 3, 4, 5]);
    expect(p("legacy_scalar").shape).toEqual([]);
    expect(p("legacy_scalar").item()).toBe(1.5);
    expect(p("u8").dtype).toBe(ms.uint8);
    expect(p("u8").tolist()).toEqual([0, 127, 255]);
    expect(p("i8").tolist()).toEqual([-128, 5]);
    expect(p("i16").tolist()).toEqual([-300, 300]);
    expect(p("f64").dtype).toBe(ms.float64);
    expect(p("f64").tolist()).toEqual([[Math.PI]]);
    expect(d.get("note")).toBe("hi€");
  });
  it("the committed fixture is protoc's encoding of the committed text", () => {
    // protoc (Debian's protobuf-compiler) is installed by .ci/run and `npm test`'s pretest step
    expect(HAS_PROTOC, "protoc is needed: apt-get install -y protobuf-compiler").toBe(true);
    const again = protoc("encode", fs.readFileSync(path.join(FIX, "handwritten.txtpb")));
    expect(again.equals(fs.readFileSync(path.join(FIX, "handwritten.ckpt")))).toBe(true);
  });
});

describe("save_checkpoint writes MindSpore's bytes", () => {
  const append_dict = { epoch_num: 3, lr: 0.5, flag: true, note: "v1" };
  const fixedNet = () => new Net(new Tensor([[0.5, -1, 2], [0.25, 0, -0.75]]), new Tensor([1, -1]));

  it("matches protoc byte for byte (and protoc's decoding when protoc is on PATH)", () => {
    const file = tmp("net.ckpt");
    ms.save_checkpoint(fixedNet(), file, { append_dict });
    const bytes = fs.readFileSync(file);
    // protoc's encoding of the same message (committed): the canonical protobuf bytes
    expect(bytes.equals(fs.readFileSync(path.join(FIX, "roundtrip.protoc.ckpt")))).toBe(true);
    if (HAS_PROTOC) {
      expect(protoc("decode", bytes).toString()).toBe(fs.readFileSync(path.join(FIX, "roundtrip.protoc.txt"), "utf8"));
    }
  });
  it("appends .ckpt to the name, names entries by Parameter.name, and keeps append_dict values", () => {
    ms.save_checkpoint(fixedNet(), tmp("model"), { append_dict });
    expect(fs.existsSync(tmp("model.ckpt"))).toBe(true);
    const d = ms.load_checkpoint(tmp("model.ckpt"));
    expect([...d.keys()]).toEqual(["scale", "count", "fc.weight", "fc.bias", "epoch_num", "lr", "flag", "note"]);
    expect((d.get("epoch_num") as Parameter).dtype).toBe(ms.int64);
    expect((d.get("lr") as Parameter).dtype).toBe(ms.float32);
    expect((d.get("flag") as Parameter).dtype).toBe(ms.bool_);
    expect((d.get("flag") as Parameter).item()).toBe(true);
    expect(d.get("note")).toBe("v1");
  });
  it("the same bytes without a file (save_checkpoint_to_bytes / load_checkpoint_from_bytes)", () => {
    const bytes = ms.save_checkpoint_to_bytes(fixedNet(), { append_dict });
    expect(Buffer.from(bytes).equals(fs.readFileSync(path.join(FIX, "roundtrip.protoc.ckpt")))).toBe(true);
    const d = ms.load_checkpoint_from_bytes(bytes);
    expect((d.get("fc.weight") as Parameter).tolist()).toEqual([[0.5, -1, 2], [0.25, 0, -0.75]]);
  });
  it("a crc trailer: 'crc_num' + 10 big-endian bytes of the CRC-32 of the rest; checked on load", () => {
    const file = tmp("crc.ckpt");
    ms.save_checkpoint(fixedNet(), file, { crc_check: true });
    const bytes = fs.readFileSync(file);
    const body = bytes.subarray(0, bytes.length - 17);
    expect(bytes.subarray(bytes.length - 17, bytes.length - 10).toString()).toBe("crc_num");
    expect(bytes.subarray(bytes.length - 10).toString("hex")).toBe("000000000000" + crc32(body).toString(16).padStart(8, "0"));
    expect(Buffer.from(ms.save_checkpoint_to_bytes(fixedNet())).equals(body)).toBe(true);
    expect(ms.load_checkpoint(file, { crc_check: true }).size).toBe(4);
    // one flipped bit inside a tensor: the trailer no longer matches
    const bad = Buffer.from(bytes);
    bad[body.length - 3] ^= 0x01;
    fs.writeFileSync(tmp("bad.ckpt"), bad);
    expect(() => ms.load_checkpoint(tmp("bad.ckpt"), { crc_check: true })).toThrowError(ms.ValueError);
    expect(() => ms.load_checkpoint(tmp("bad.ckpt"), { crc_check: true })).toThrowError(/crc check is failed.*bad\.ckpt/);
  });
  it("large tensors are split into consecutive Values with the same tag and dims, and joined on load", () => {
    const t = new Tensor(Array.from({ length: 10 }, (_, i) => i * 1.5 - 3));
    const bytes = encodeCheckpointBytes([{ name: "w", data: t }, { name: "b", data: new Tensor([1, 2], ms.int32) }], { slice_bytes: 16 });
    const entries = decodeCheckpoint(bytes);
    expect(entries.map((e) => e.name)).toEqual(["w", "b"]);
    expect((entries[0].data as Tensor).tolist()).toEqual(t.tolist());
    if (HAS_PROTOC) {
      const text = protoc("decode", bytes).toString();
      // 40 bytes in slices of 16: three Values tagged "w", each with the full dims
      expect(text.match(/tag: "w"/g)?.length).toBe(3);
      expect(text.match(/dims: 10/g)?.length).toBe(3);
    }
  });
});

describe("round trips", () => {
  it("Cell -> ckpt -> fresh Cell reproduces the outputs bit for bit", () => {
    ms.set_seed(1);
    const net = new Net();
    const x = new Tensor([[0.3, -1.7, 2.9], [1e-3, 4, -0.5]]);
    const y = net(x) as Tensor;
    ms.save_checkpoint(net, tmp("net.ckpt"));
    const fresh = new Net();
    expect(raw(fresh(x) as Tensor).equals(raw(y))).toBe(false);
    const d = ms.load_checkpoint(tmp("net.ckpt"), fresh);
    expect(d.size).toBe(4);
    expect(raw(fresh(x) as Tensor).equals(raw(y))).toBe(true);
    expect(stateOf(fresh)).toEqual(stateOf(net));
    // the Parameters are updated in place: same objects, new values
    expect(fresh.fc.weight).toBeInstanceOf(Parameter);
    expect(fresh.get_parameters().map((p) => p.name)).toEqual(["scale", "count", "fc.weight", "fc.bias"]);
  });
  it("every dtype, 0-d and empty tensors, and special float values", () => {
    const cases: [string, Tensor][] = [
      ["f16", new Tensor([0, -0, 1, -2.5, 65504, -65504, 2 ** -24, 2 ** -14, Infinity, -Infinity, 0.1], ms.float16)],
      ["f32", new Tensor([0, -0, 1e-45, 3.4028234663852886e38, -1.5, Infinity, NaN], ms.float32)],
      ["f64", new Tensor([Math.PI, -Number.MAX_VALUE, Number.MIN_VALUE, -0, NaN], ms.float64)],
      ["i8", new Tensor([-128, 127, 0], ms.int8)],
      ["i16", new Tensor([-32768, 32767], ms.int16)],
      ["i32", new Tensor([-2147483648, 2147483647], ms.int32)],
      ["i64", new Tensor([-(2 ** 53), 2 ** 53, -1, 0, 123456789012345], ms.int64)],
      ["u8", new Tensor([0, 255, 128], ms.uint8)],
      ["b", new Tensor([[true, false, true]], ms.bool_)],
      ["scalar_f16", new Tensor(0.333, ms.float16)],
      ["scalar_i64", new Tensor(-42, ms.int64)],
      ["scalar_b", new Tensor(false)],
      ["empty", new Tensor([], ms.float32)],
      ["empty2d", ms.ops.zeros([0, 3], ms.int64)],
    ];
    for (const format of ["ckpt", "safetensors"] as const) {
      const file = tmp(`all.${format}`);
      ms.save_checkpoint(cases.map(([name, data]) => ({ name, data })), file, { format });
      const d = ms.load_checkpoint(file, { format });
      for (const [name, t] of cases) {
        const got = d.get(name) as Parameter;
        expect(got.dtype, `${format} ${name}`).toBe(t.dtype);
        expect(got.shape, `${format} ${name}`).toEqual(t.shape);
        expect(raw(got).equals(raw(t)), `${format} ${name}`).toBe(true);
      }
    }
  });
  it("save_obj as a list of Parameters, a dict (Map or object), load_checkpoint's result; choice_func", () => {
    const a = new Parameter(new Tensor([1, 2]), "a");
    const b = new Parameter(new Tensor([3.5]), "b");
    ms.save_checkpoint([a, b], tmp("list.ckpt"), { choice_func: (n: string) => n !== "b" });
    expect([...ms.load_checkpoint(tmp("list.ckpt")).keys()]).toEqual(["a"]);
    ms.save_checkpoint(new Map<string, Parameter | string>([["x", b], ["s", "text"]]), tmp("map.ckpt"));
    const d = ms.load_checkpoint(tmp("map.ckpt"));
    expect((d.get("x") as Parameter).tolist()).toEqual([3.5]);
    expect(d.get("s")).toBe("text");
    ms.save_checkpoint(d, tmp("again.ckpt"));
    expect(fs.readFileSync(tmp("again.ckpt")).equals(fs.readFileSync(tmp("map.ckpt")))).toBe(true);
    ms.save_checkpoint({ y: a }, tmp("obj.ckpt"));
    expect((ms.load_checkpoint(tmp("obj.ckpt")).get("y") as Parameter).tolist()).toEqual([1, 2]);
  });
  it("optimizer state held by a Cell is saved with it", () => {
    class TrainStep extends nn.Cell {
      network = new nn.Dense(2, 2);
      moments = new Parameter(new Tensor([[0.1, 0.2], [0.3, 0.4]]), "moment1.weight", false);
      global_step = new Parameter(new Tensor([5], ms.int32), "global_step", false);
    }
    const step = new TrainStep();
    ms.save_checkpoint(step, tmp("train.ckpt"));
    expect([...ms.load_checkpoint(tmp("train.ckpt")).keys()]).toEqual(["moment1.weight", "global_step", "network.weight", "network.bias"]);
  });
  it("nn.Adam's state round-trips: the next step after loading matches the uninterrupted run bit for bit", () => {
    // like TrainOneStepCell: auto_prefix=false, so names stay those of the network and the optimizer
    class Train extends nn.Cell {
      network: nn.Dense;
      optimizer: nn.Adam;
      constructor() {
        super(false);
        this.network = new nn.Dense(3, 2);
        this.optimizer = new nn.Adam(this.network.trainable_params(), 0.01);
      }
      step(g: number) {
        this.optimizer(this.network.trainable_params().map((p) => ms.ops.mul(ms.ops.ones_like(p), g)));
      }
    }
    ms.set_seed(11);
    const a = new Train();
    a.step(0.5);
    a.step(-2);
    ms.save_checkpoint(a, tmp("train.ckpt"));
    const names = [...ms.load_checkpoint(tmp("train.ckpt")).keys()];
    expect(names).toEqual(expect.arrayContaining(["weight", "bias", "moment1.weight", "moment2.bias", "beta1_power", "global_step"]));
    const b = new Train();
    expect(stateOf(b)).not.toEqual(stateOf(a));
    const [notLoaded, unused] = ms.load_param_into_net(b, ms.load_checkpoint(tmp("train.ckpt")));
    expect(notLoaded).toEqual([]);
    expect(unused).toEqual([]);
    expect(stateOf(b)).toEqual(stateOf(a));
    a.step(3);
    b.step(3);
    expect(stateOf(b)).toEqual(stateOf(a));
  });
  it("load filters: specify_prefix, filter_prefix, choice_func; nothing left is a ValueError", () => {
    ms.save_checkpoint(new Net(), tmp("n.ckpt"));
    expect([...ms.load_checkpoint(tmp("n.ckpt"), { specify_prefix: "fc" }).keys()]).toEqual(["fc.weight", "fc.bias"]);
    expect([...ms.load_checkpoint(tmp("n.ckpt"), { filter_prefix: ["fc", "count"] }).keys()]).toEqual(["scale"]);
    expect([...ms.load_checkpoint(tmp("n.ckpt"), { choice_func: (n: string) => n.endsWith("bias") }).keys()]).toEqual(["fc.bias"]);
    expect(() => ms.load_checkpoint(tmp("n.ckpt"), { specify_prefix: "zzz" })).toThrowError(ms.ValueError);
    expect(() => ms.load_checkpoint(tmp("n.ckpt"), { specify_prefix: [""] })).toThrowError(ms.ValueError);
    expect(() => ms.load_checkpoint(tmp("n.ckpt"), { specify_prefix: 3 })).toThrowError(ms.TypeError);
  });
});

describe("load_param_into_net", () => {
  it("returns [param_not_load, ckpt_not_load] and skips accu_grads and string entries", () => {
    const net = new Net();
    net.insert_param_to_cell("accu_grads", new Parameter(new Tensor([0]), "accu_grads.fc.weight"));
    const dict = new Map<string, Parameter | string>([
      ["fc.weight", new Parameter(ms.ops.ones([2, 3]), "fc.weight")],
      ["extra", new Parameter(new Tensor([1]), "extra")],
      ["scale", "not a tensor"],
    ]);
    const [paramNotLoad, ckptNotLoad] = ms.load_param_into_net(net, dict);
    // "scale" has a string in the dict: skipped, so in neither list (as MindSpore); accu_grads is never reported
    expect(paramNotLoad).toEqual(["count", "fc.bias"]);
    expect(ckptNotLoad).toEqual(["extra", "scale"]);
    expect(net.fc.weight.tolist()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });
  it("matches a common name prefix without strict_load (as MindSpore), not with it", () => {
    const src = new Net();
    const dict = new Map([...src.parameters_dict()].map(([k, p]) => [`network.${k}`, p] as [string, Parameter]));
    const net = new Net();
    expect(ms.load_param_into_net(net, dict, true)).toEqual([["scale", "count", "fc.weight", "fc.bias"], [...dict.keys()]]);
    expect(stateOf(net)).not.toEqual(stateOf(src));
    const [notLoaded, ckptNotLoaded] = ms.load_param_into_net(net, dict);
    expect(notLoaded).toEqual([]);
    // MindSpore reports prefix-matched entries as not loaded from the checkpoint
    expect(ckptNotLoaded).toEqual([...dict.keys()]);
    expect(stateOf(net)).toEqual(stateOf(src));
  });
  it("converts float <-> float and int <-> int without strict_load; RuntimeError with it", () => {
    const net = new Net();
    const dict = { scale: new Parameter(new Tensor([2.5, 3], ms.float64), "scale"), count: new Parameter(new Tensor([[1, 2]], ms.int32), "count") };
    const before = stateOf(net);
    expect(() => ms.load_param_into_net(net, dict, { strict_load: true })).toThrowError(ms.RuntimeError);
    expect(() => ms.load_param_into_net(net, dict, { strict_load: true })).toThrowError(
      "For 'load_param_into_net', scale in the argument 'net' should have the same type as scale in the argument 'parameter_dict'. But got its type Float16 in the argument 'net' and type Float64",
    );
    expect(stateOf(net)).toEqual(before);
    ms.load_param_into_net(net, dict);
    expect(net.scale.dtype).toBe(ms.float16);
    expect(net.scale.tolist()).toEqual([2.5, 3]);
    expect(net.count.dtype).toBe(ms.int64);
    expect(net.count.tolist()).toEqual([[1, 2]]);
    // float into int is never converted
    expect(() => ms.load_param_into_net(net, { count: new Parameter(new Tensor([[1.5, 2]]), "count") })).toThrowError(ms.RuntimeError);
  });
  it("accepts extra trailing size-1 dimensions (MindSpore's (12, 2048, 1, 1) -> (12, 2048) allowance)", () => {
    const net = new Net();
    ms.load_param_into_net(net, { "fc.bias": new Parameter(new Tensor([[[5]], [[6]]]), "fc.bias") });
    expect(net.fc.bias?.shape).toEqual([2]);
    expect(net.fc.bias?.tolist()).toEqual([5, 6]);
  });
  it("a shape mismatch is a RuntimeError naming both shapes, and no parameter changes (all-or-nothing)", () => {
    const net = new Net();
    const before = stateOf(net);
    const ids = net.get_parameters();
    // the first entries are valid, the last one is not: nothing may be half-loaded
    const dict = {
      scale: new Parameter(new Tensor([9, 9], ms.float16), "scale"),
      count: new Parameter(new Tensor([[9, 9]], ms.int64), "count"),
      "fc.weight": new Parameter(ms.ops.ones([3, 2]), "fc.weight"),
    };
    expect(() => ms.load_param_into_net(net, dict)).toThrowError(
      "For 'load_param_into_net', fc.weight in the argument 'net' should have the same shape as fc.weight in the argument 'parameter_dict'. But got its shape (2, 3) in the argument 'net' and shape (3, 2) in the argument 'parameter_dict'.",
    );
    expect(() => ms.load_param_into_net(net, dict)).toThrowError(ms.RuntimeError);
    expect(stateOf(net)).toEqual(before);
    expect(net.get_parameters()).toEqual(ids);
  });
  it("argument errors are TypeErrors", () => {
    const net = new Net();
    expect(() => ms.load_param_into_net({} as nn.Cell, {})).toThrowError(ms.TypeError);
    expect(() => ms.load_param_into_net(net, [] as unknown as Record<string, Parameter>)).toThrowError(ms.TypeError);
    expect(() => ms.load_param_into_net(net, { a: new Tensor([1]) as unknown as Parameter })).toThrowError(ms.TypeError);
    expect(() => ms.load_param_into_net(net, {}, 1 as unknown as boolean)).toThrowError(ms.TypeError);
  });
});

describe("corrupt, truncated and mismatched files", () => {
  let good: Buffer;
  let net: Net;
  let before: ReturnType<typeof stateOf>;
  beforeEach(() => {
    ms.set_seed(7);
    ms.save_checkpoint(new Net(), tmp("good.ckpt"));
    good = fs.readFileSync(tmp("good.ckpt"));
    net = new Net();
    before = stateOf(net);
  });
  const loadBytes = (name: string, bytes: Uint8Array) => {
    fs.writeFileSync(tmp(name), bytes);
    return () => ms.load_checkpoint(tmp(name), net);
  };

  it("a truncated file: ValueError naming the file; the net is unchanged", () => {
    for (const cut of [good.length - 1, good.length - 5, Math.floor(good.length / 2), 3]) {
      const load = loadBytes("cut.ckpt", good.subarray(0, cut));
      expect(load).toThrowError(ms.ValueError);
      expect(load).toThrowError(/cut\.ckpt/);
      expect(stateOf(net)).toEqual(before);
    }
  });
  it("a tensor whose bytes do not match its dims says so", () => {
    const bytes = encodeCheckpointBytes([{ name: "fc.bias", data: new Tensor([1.5, 2, 3]) }]);
    // rewrite dims 3 -> 2: the 12 bytes no longer fit
    const hacked = Buffer.from(bytes);
    const at = hacked.indexOf(Buffer.from([0x08, 0x03]));
    hacked[at + 1] = 0x02;
    expect(loadBytes("dims.ckpt", hacked)).toThrowError(
      /the parameter 'fc\.bias' in the checkpoint file .*dims\.ckpt has 12 bytes of data, but its shape \(2,\) and dtype Float32 need 8/,
    );
    expect(stateOf(net)).toEqual(before);
  });
  it("garbage bytes and an empty file are ValueErrors", () => {
    const garbage = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 97 + 13) & 0xff));
    expect(loadBytes("garbage.ckpt", garbage)).toThrowError(ms.ValueError);
    expect(loadBytes("empty.ckpt", new Uint8Array(0))).toThrowError(/parameter dict is empty.*empty\.ckpt/);
    expect(stateOf(net)).toEqual(before);
  });
  it("a dtype mindspore-ts lacks (BFloat16) is a ValueError naming it", () => {
    const text = 'value { tag: "w" tensor { dims: 1 tensor_type: "BFloat16" tensor_content: "\\x80\\x3f" } }';
    const bytes = HAS_PROTOC ? protoc("encode", text) : Buffer.from("0a150a017712100801120842466c6f617431361a02803f", "hex");
    expect(loadBytes("bf16.ckpt", bytes)).toThrowError(/'w' .* has tensor_type 'BFloat16', which mindspore-ts does not support/);
  });
  it("a checkpoint of another network: RuntimeError, and no parameter changes", () => {
    class Other extends nn.Cell {
      fc = new nn.Dense(4, 2);
    }
    ms.save_checkpoint(new Other(), tmp("other.ckpt"));
    expect(() => ms.load_checkpoint(tmp("other.ckpt"), net)).toThrowError(ms.RuntimeError);
    expect(() => ms.load_checkpoint(tmp("other.ckpt"), net)).toThrowError(/fc\.weight .* shape \(2, 3\) in the argument 'net' and shape \(2, 4\)/);
    expect(stateOf(net)).toEqual(before);
  });
  it("file name errors", () => {
    expect(() => ms.load_checkpoint(tmp("missing.ckpt"))).toThrowError(/checkpoint file: .*missing\.ckpt does not exist/);
    expect(() => ms.load_checkpoint(tmp("good.ckpt"), { format: "safetensors" })).toThrowError(ms.ValueError);
    expect(() => ms.load_checkpoint(tmp("good.ckpt"), { format: "h5" })).toThrowError(ms.ValueError);
    expect(() => ms.load_checkpoint(5 as unknown as string)).toThrowError(ms.TypeError);
    expect(() => ms.save_checkpoint(new Net(), dir)).toThrowError(/is a directory/);
    expect(() => ms.save_checkpoint(5 as unknown as nn.Cell, tmp("x.ckpt"))).toThrowError(ms.TypeError);
    expect(() => ms.save_checkpoint([new Tensor([1])] as unknown as Parameter[], tmp("x.ckpt"))).toThrowError(ms.TypeError);
    expect(() => ms.save_checkpoint(new Net(), tmp("x.ckpt"), { format: "pt" })).toThrowError(ms.ValueError);
    expect(() => ms.save_checkpoint(new Net(), tmp("x.ckpt"), { enc_key: "k" })).toThrowError(ms.ValueError);
    expect(() => ms.save_checkpoint(new Net(), tmp("x.ckpt"), { append_dict: { a: [1] } })).toThrowError(ms.TypeError);
  });
});

describe("atomic save", () => {
  it("a tensor that fails mid-write leaves the old file intact and no temporary file", () => {
    const file = tmp("net.ckpt");
    ms.save_checkpoint(new Net(), file);
    const old = fs.readFileSync(file);
    const net = new Net();
    const dead = new Parameter(new Tensor([1, 2]), "dead");
    dead.dispose();
    // "scale" and "count" are written before "dead" fails
    expect(() => ms.save_checkpoint([net.scale, net.count, dead, net.fc.weight], file)).toThrowError(ms.RuntimeError);
    expect(() => ms.save_checkpoint([net.scale, net.count, dead], file)).toThrowError(/Failed to save the checkpoint file .*net\.ckpt.*disposed/);
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["net.ckpt"]);
  });
  it("a failed rename leaves the old file intact and no temporary file", () => {
    const file = tmp("net.ckpt");
    ms.save_checkpoint(new Net(), file);
    const old = fs.readFileSync(file);
    fsHooks.failRename = true;
    expect(() => ms.save_checkpoint(new Net(), file)).toThrowError(/Failed to save the checkpoint file .*EXDEV/);
    expect(fs.readFileSync(file).equals(old)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(["net.ckpt"]);
    fsHooks.failRename = false;
    ms.set_seed(3);
    ms.save_checkpoint(new Net(), file);
    expect(fs.readFileSync(file).equals(old)).toBe(false);
  });
});

describe("safetensors", () => {
  /** A safetensors file built by hand: header JSON (unsorted, with metadata), spaces, then the data. */
  function handBuilt(): Buffer {
    const header = JSON.stringify({
      "layer.bias": { dtype: "F32", shape: [2], data_offsets: [16, 24] },
      __metadata__: { format: "pt", note: "hand-built" },
      "layer.weight": { dtype: "F64", shape: [1, 2], data_offsets: [0, 16] },
      step: { dtype: "I64", shape: [], data_offsets: [24, 32] },
      "half": { dtype: "F16", shape: [2], data_offsets: [32, 36] },
      mask: { dtype: "BOOL", shape: [3], data_offsets: [36, 39] },
    });
    const head = Buffer.from(header + "   ");
    const data = Buffer.alloc(39);
    data.writeDoubleLE(0.5, 0);
    data.writeDoubleLE(-1.25, 8);
    data.writeFloatLE(3, 16);
    data.writeFloatLE(-4.5, 20);
    data.writeBigInt64LE(-7n, 24);
    data.writeUInt16LE(0x3c00, 32); // 1.0
    data.writeUInt16LE(0xc100, 34); // -2.5
    data.set([1, 0, 1], 36);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(head.length));
    return Buffer.concat([len, head, data]);
  }

  it("reads a hand-built file", () => {
    fs.writeFileSync(tmp("hand.safetensors"), handBuilt());
    const d = ms.load_checkpoint(tmp("hand.safetensors"), { format: "safetensors" });
    expect([...d.keys()]).toEqual(["half", "layer.bias", "layer.weight", "mask", "step"]);
    const p = (k: string) => d.get(k) as Parameter;
    expect(p("layer.weight").dtype).toBe(ms.float64);
    expect(p("layer.weight").tolist()).toEqual([[0.5, -1.25]]);
    expect(p("layer.bias").tolist()).toEqual([3, -4.5]);
    expect(p("step").dtype).toBe(ms.int64);
    expect(p("step").shape).toEqual([]);
    expect(p("step").item()).toBe(-7);
    expect(p("half").dtype).toBe(ms.float16);
    expect(p("half").tolist()).toEqual([1, -2.5]);
    expect(p("mask").tolist()).toEqual([true, false, true]);
  });
  it("writes the documented layout: 8-aligned padded header, tensors by alignment then name, MindSpore's metadata", () => {
    const net = new Net(new Tensor([[0.5, -1, 2], [0.25, 0, -0.75]]), new Tensor([1, -1]));
    ms.save_checkpoint(net, tmp("net"), { format: "safetensors" });
    const bytes = fs.readFileSync(tmp("net.safetensors"));
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const text = bytes.subarray(8, 8 + n).toString();
    expect(text.trimEnd()).toBe(
      '{"__metadata__":{"format":"ms"},' +
        '"count":{"dtype":"I64","shape":[1,2],"data_offsets":[0,16]},' +
        '"fc.bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]},' +
        '"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[24,48]},' +
        '"scale":{"dtype":"F16","shape":[2],"data_offsets":[48,52]}}',
    );
    expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
    const data = bytes.subarray(8 + n);
    expect(data.length).toBe(52);
    expect(data.readBigInt64LE(0)).toBe(7n);
    expect(data.readFloatLE(24)).toBe(0.5);
    expect(data.readUInt16LE(48)).toBe(0x3e00); // 1.5 in half
    // and it loads back into a fresh net, bit for bit
    const fresh = new Net();
    ms.load_checkpoint(tmp("net.safetensors"), fresh, { format: "safetensors" });
    expect(stateOf(fresh)).toEqual(stateOf(net));
  });
  it("crc_check stores MindSpore's crc_num in the metadata and verifies it", () => {
    ms.save_checkpoint(new Net(), tmp("c.safetensors"), { format: "safetensors", crc_check: true });
    const bytes = fs.readFileSync(tmp("c.safetensors"));
    const n = Number(bytes.readBigUInt64LE(0));
    const meta = JSON.parse(bytes.subarray(8, 8 + n).toString()).__metadata__;
    expect(meta.format).toBe("ms");
    expect(meta.crc_num).toMatch(/^\d+$/);
    expect(ms.load_checkpoint(tmp("c.safetensors"), { format: "safetensors", crc_check: true }).size).toBe(4);
    bytes[bytes.length - 1] ^= 0x40;
    fs.writeFileSync(tmp("d.safetensors"), bytes);
    expect(() => ms.load_checkpoint(tmp("d.safetensors"), { format: "safetensors", crc_check: true })).toThrowError(/crc check has failed/);
  });
  it("rejects malformed files with a ValueError saying what is wrong; the net is unchanged", () => {
    const net = new Net();
    const before = stateOf(net);
    const good = handBuilt();
    const n = Number(good.readBigUInt64LE(0));
    const withHeader = (h: object, data: Buffer) => {
      const head = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(head.length));
      return Buffer.concat([len, head, data]);
    };
    const cases: [string, Buffer, RegExp][] = [
      ["truncated data", good.subarray(0, good.length - 1), /cover 39 bytes of data, but the file holds 38/],
      ["truncated header", good.subarray(0, 8 + n - 4), /runs past the end/],
      ["tiny", good.subarray(0, 5), /fewer than the 8-byte header length/],
      ["bad json", Buffer.concat([good.subarray(0, 8), Buffer.from("{oops" + " ".repeat(n - 5)), good.subarray(8 + n)]), /not valid UTF-8 JSON/],
      ["hole", withHeader({ a: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)), /starts at byte 4 .* ends at 0/],
      ["overlap", withHeader({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, Buffer.alloc(8)), /overlap or hole/],
      ["size", withHeader({ a: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }, Buffer.alloc(8)), /has 8 bytes of data, but its shape \(3,\) and dtype F32 need 12/],
      ["dtype", withHeader({ a: { dtype: "BF16", shape: [1], data_offsets: [0, 2] } }, Buffer.alloc(2)), /dtype "BF16", which mindspore-ts does not support/],
      ["metadata", withHeader({ __metadata__: { a: 1 } }, Buffer.alloc(0)), /'__metadata__' must map strings to strings/],
    ];
    for (const [what, bytes, msg] of cases) {
      fs.writeFileSync(tmp("bad.safetensors"), bytes);
      const load = () => ms.load_checkpoint(tmp("bad.safetensors"), net, { format: "safetensors" });
      expect(load, what).toThrowError(ms.ValueError);
      expect(load, what).toThrowError(msg);
      expect(load, what).toThrowError(/bad\.safetensors/);
    }
    expect(stateOf(net)).toEqual(before);
  });
  it("strings cannot be stored in safetensors", () => {
    expect(() => ms.save_checkpoint(new Net(), tmp("s.safetensors"), { format: "safetensors", append_dict: { note: "x" } })).toThrowError(ms.ValueError);
    expect(fs.existsSync(tmp("s.safetensors"))).toBe(false);
  });
});

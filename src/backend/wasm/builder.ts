/**
 * A small WebAssembly binary assembler: enough of the format (types, one
 * imported memory, functions, exports) and of the instruction set (core,
 * 128-bit SIMD, relaxed SIMD) to emit the wasm backend's kernels from
 * TypeScript at run time. Emitting at run time needs no toolchain beyond
 * what npm installs, and lets the kernels specialise on what the engine
 * supports (relaxed-SIMD FMA, shared memory) as detected on the spot.
 *
 * Functions are written in stack-machine style against `Fn`, e.g.
 *   f.get(a); f.get(b); f.op(I32.add); f.set(c);
 */

export const i32 = 0x7f;
export const i64 = 0x7e;
export const f32 = 0x7d;
export const f64 = 0x7c;
export const v128 = 0x7b;
export type ValType = typeof i32 | typeof i64 | typeof f32 | typeof f64 | typeof v128;

/** Core one-byte opcodes used by the kernels. */
export const I32 = {
  eqz: 0x45, eq: 0x46, ne: 0x47, lt_s: 0x48, lt_u: 0x49, gt_s: 0x4a, gt_u: 0x4b, le_s: 0x4c, le_u: 0x4d, ge_s: 0x4e, ge_u: 0x4f,
  add: 0x6a, sub: 0x6b, mul: 0x6c, div_s: 0x6d, div_u: 0x6e, rem_s: 0x6f, rem_u: 0x70, and: 0x71, or: 0x72, xor: 0x73,
  shl: 0x74, shr_s: 0x75, shr_u: 0x76,
  trunc_f32_s: 0xa8, trunc_f64_s: 0xaa, reinterpret_f32: 0xbc,
} as const;
/** 0xfc-prefixed opcodes. */
export const SAT = { i32_trunc_sat_f32_s: 0x00, i32_trunc_sat_f64_s: 0x02 } as const;
export const F32 = {
  eq: 0x5b, ne: 0x5c, lt: 0x5d, gt: 0x5e, le: 0x5f, ge: 0x60,
  abs: 0x8b, neg: 0x8c, ceil: 0x8d, floor: 0x8e, trunc: 0x8f, nearest: 0x90, sqrt: 0x91,
  add: 0x92, sub: 0x93, mul: 0x94, div: 0x95, min: 0x96, max: 0x97, copysign: 0x98,
  convert_i32_s: 0xb2, demote_f64: 0xb6, reinterpret_i32: 0xbe,
} as const;
export const F64 = {
  eq: 0x61, ne: 0x62, lt: 0x63, gt: 0x64, le: 0x65, ge: 0x66,
  abs: 0x99, neg: 0x9a, ceil: 0x9b, floor: 0x9c, trunc: 0x9d, nearest: 0x9e, sqrt: 0x9f,
  add: 0xa0, sub: 0xa1, mul: 0xa2, div: 0xa3, min: 0xa4, max: 0xa5,
  convert_i32_s: 0xb7, promote_f32: 0xbb,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const V = {
  load: 0x00, load32_splat: 0x09, store: 0x0b, const: 0x0c, shuffle: 0x0d,
  i32x4_splat: 0x11, f32x4_splat: 0x13, f64x2_splat: 0x14, i32x4_replace_lane: 0x1c,
  i32x4_extract_lane: 0x1b, f32x4_extract_lane: 0x1f, f32x4_replace_lane: 0x20, f64x2_extract_lane: 0x21,
  i32x4_eq: 0x37, i32x4_ne: 0x38,
  f32x4_eq: 0x41, f32x4_ne: 0x42, f32x4_lt: 0x43, f32x4_gt: 0x44, f32x4_le: 0x45, f32x4_ge: 0x46,
  not: 0x4d, and: 0x4e, andnot: 0x4f, or: 0x50, xor: 0x51, bitselect: 0x52, any_true: 0x53,
  load32_lane: 0x56, store8_lane: 0x58, store32_lane: 0x5a, load32_zero: 0x5c, load64_zero: 0x5d,
  f32x4_demote_f64x2_zero: 0x5e, f64x2_promote_low_f32x4: 0x5f,
  i8x16_narrow_i16x8_u: 0x66,
  f32x4_ceil: 0x67, f32x4_floor: 0x68, f32x4_trunc: 0x69, f32x4_nearest: 0x6a,
  i16x8_narrow_i32x4_u: 0x86, i16x8_extend_low_i8x16_u: 0x89,
  i32x4_extend_low_i16x8_u: 0xa9, i32x4_shl: 0xab, i32x4_shr_s: 0xac, i32x4_shr_u: 0xad,
  i32x4_add: 0xae, i32x4_sub: 0xb1, i32x4_mul: 0xb5,
  f32x4_abs: 0xe0, f32x4_neg: 0xe1, f32x4_sqrt: 0xe3, f32x4_add: 0xe4, f32x4_sub: 0xe5, f32x4_mul: 0xe6, f32x4_div: 0xe7,
  f32x4_min: 0xe8, f32x4_max: 0xe9, f32x4_pmin: 0xea, f32x4_pmax: 0xeb,
  f64x2_add: 0xf0, f64x2_mul: 0xf2,
  i32x4_trunc_sat_f32x4_s: 0xf8, f32x4_convert_i32x4_s: 0xfa, f64x2_convert_low_i32x4_s: 0xfe,
  // relaxed SIMD
  f32x4_relaxed_madd: 0x105,
} as const;

const BLOCK = 0x02;
const LOOP = 0x03;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;
const BR = 0x0c;
const BR_IF = 0x0d;
const RETURN = 0x0f;
const CALL = 0x10;
const DROP = 0x1a;
const SELECT = 0x1b;
const VOID = 0x40;

function uleb(out: number[], v: number): void {
  v >>>= 0;
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

function sleb(out: number[], v: number): void {
  v |= 0;
  while (true) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

const f32Bytes = new Uint8Array(4);
const f32View = new DataView(f32Bytes.buffer);
const f64Bytes = new Uint8Array(8);
const f64View = new DataView(f64Bytes.buffer);

/** Natural alignment (log2 bytes) of a memory access of `bytes`. */
const alignOf = (bytes: number) => Math.log2(bytes);

/** One function body under construction. */
export class Fn {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[],
    readonly index: number,
  ) {}

  /** A fresh local of `t`; parameters are locals 0..params-1. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  get(l: number): this {
    this.code.push(0x20);
    uleb(this.code, l);
    return this;
  }
  set(l: number): this {
    this.code.push(0x21);
    uleb(this.code, l);
    return this;
  }
  tee(l: number): this {
    this.code.push(0x22);
    uleb(this.code, l);
    return this;
  }
  i32c(v: number): this {
    this.code.push(0x41);
    sleb(this.code, v);
    return this;
  }
  f32c(v: number): this {
    this.code.push(0x43);
    f32View.setFloat32(0, v, true);
    this.code.push(...f32Bytes);
    return this;
  }
  f64c(v: number): this {
    this.code.push(0x44);
    f64View.setFloat64(0, v, true);
    this.code.push(...f64Bytes);
    return this;
  }
  /** A core instruction without immediates. */
  op(code: number): this {
    this.code.push(code);
    return this;
  }
  /** A SIMD instruction without immediates. */
  v(code: number): this {
    this.code.push(0xfd);
    uleb(this.code, code);
    return this;
  }
  /** A 0xfc-prefixed instruction (saturating truncations). */
  sat(code: number): this {
    this.code.push(0xfc);
    uleb(this.code, code);
    return this;
  }
  /** A SIMD instruction with a lane index immediate. */
  lane(code: number, laneIdx: number): this {
    this.v(code);
    this.code.push(laneIdx);
    return this;
  }
  /** A splatted v128 constant, held in a local set once at function entry (see encode). */
  f32x4c(v: number): this {
    f32View.setFloat32(0, v, true);
    return this.vconst(f32View.getInt32(0, true));
  }
  i32x4c(v: number): this {
    return this.vconst(v | 0);
  }
  private vconst(bits: number): this {
    let l = this.consts.get(bits);
    if (l === undefined) {
      l = this.local(v128);
      this.consts.set(bits, l);
    }
    return this.get(l);
  }
  private readonly consts = new Map<number, number>();
  /** i8x16.shuffle with 16 lane indices. */
  shuffle(lanes: readonly number[]): this {
    this.v(V.shuffle);
    this.code.push(...lanes);
    return this;
  }

  // ----- memory (address on the stack; offsets in bytes)
  private mem(opcode: number, bytes: number, offset: number): this {
    this.code.push(opcode);
    uleb(this.code, alignOf(bytes));
    uleb(this.code, offset);
    return this;
  }
  private vmem(opcode: number, bytes: number, offset: number): this {
    this.v(opcode);
    uleb(this.code, alignOf(bytes));
    uleb(this.code, offset);
    return this;
  }
  i32load(offset = 0): this {
    return this.mem(0x28, 4, offset);
  }
  f32load(offset = 0): this {
    return this.mem(0x2a, 4, offset);
  }
  f64load(offset = 0): this {
    return this.mem(0x2b, 8, offset);
  }
  u8load(offset = 0): this {
    return this.mem(0x2d, 1, offset);
  }
  i32store(offset = 0): this {
    return this.mem(0x36, 4, offset);
  }
  f32store(offset = 0): this {
    return this.mem(0x38, 4, offset);
  }
  f64store(offset = 0): this {
    return this.mem(0x39, 8, offset);
  }
  i8store(offset = 0): this {
    return this.mem(0x3a, 1, offset);
  }
  vload(offset = 0): this {
    return this.vmem(V.load, 16, offset);
  }
  vstore(offset = 0): this {
    return this.vmem(V.store, 16, offset);
  }
  vsplat32(offset = 0): this {
    return this.vmem(V.load32_splat, 4, offset);
  }
  vload32zero(offset = 0): this {
    return this.vmem(V.load32_zero, 4, offset);
  }
  vload64zero(offset = 0): this {
    return this.vmem(V.load64_zero, 8, offset);
  }
  /** v128.store32_lane / store8_lane: [addr, vec] -> () */
  vstoreLane(opcode: number, bytes: number, laneIdx: number, offset = 0): this {
    this.vmem(opcode, bytes, offset);
    this.code.push(laneIdx);
    return this;
  }

  // ----- control
  block(body: () => void): this {
    this.code.push(BLOCK, VOID);
    body();
    this.code.push(END);
    return this;
  }
  loop(body: () => void): this {
    this.code.push(LOOP, VOID);
    body();
    this.code.push(END);
    return this;
  }
  /** if (condition on the stack) then [else] */
  if(then: () => void, otherwise?: () => void): this {
    this.code.push(IF, VOID);
    then();
    if (otherwise) {
      this.code.push(ELSE);
      otherwise();
    }
    this.code.push(END);
    return this;
  }
  br(depth: number): this {
    this.code.push(BR);
    uleb(this.code, depth);
    return this;
  }
  brIf(depth: number): this {
    this.code.push(BR_IF);
    uleb(this.code, depth);
    return this;
  }
  ret(): this {
    this.code.push(RETURN);
    return this;
  }
  call(f: Fn): this {
    this.code.push(CALL);
    uleb(this.code, f.index);
    return this;
  }
  drop(): this {
    this.code.push(DROP);
    return this;
  }
  select(): this {
    this.code.push(SELECT);
    return this;
  }

  /**
   * for (i = start; i < end; i += step) body — `start`/`end` push an i32;
   * `body` may `br(1)` to continue... no: use the returned depths only via
   * the helpers here. Inside `body`, depth 0 is the loop and depth 1 the
   * enclosing block (break).
   */
  for(i: number, start: () => void, end: () => void, step: number | (() => void), body: () => void): this {
    start();
    this.set(i);
    this.block(() =>
      this.loop(() => {
        this.get(i);
        end();
        this.op(I32.ge_s).brIf(1);
        body();
        this.get(i);
        if (typeof step === "number") this.i32c(step);
        else step();
        this.op(I32.add).set(i);
        this.br(0);
      }),
    );
    return this;
  }

  /** l += v (i32) */
  inc(l: number, v: number | (() => void)): this {
    this.get(l);
    if (typeof v === "number") this.i32c(v);
    else v();
    this.op(I32.add).set(l);
    return this;
  }

  /** The encoded body: locals, code, end. */
  encode(): number[] {
    const out: number[] = [];
    // run-length encode the locals by type
    const groups: [number, ValType][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    uleb(out, groups.length);
    for (const [n, t] of groups) {
      uleb(out, n);
      out.push(t);
    }
    // prologue: the hoisted v128 constants
    for (const [bits, l] of this.consts) {
      out.push(0xfd);
      uleb(out, V.const);
      f32View.setInt32(0, bits, true);
      for (let i = 0; i < 4; i++) for (const b of f32Bytes) out.push(b);
      out.push(0x21);
      uleb(out, l);
    }
    for (const b of this.code) out.push(b);
    out.push(END);
    return out;
  }
}

export interface MemoryImport {
  readonly initialPages: number;
  readonly maximumPages: number;
  readonly shared: boolean;
}

/** A module: one imported memory ("env"."memory") and the functions added to it. */
export class ModuleBuilder {
  private readonly fns: Fn[] = [];
  private readonly exported = new Set<string>();

  constructor(readonly memory: MemoryImport) {}

  fn(name: string, params: readonly ValType[], results: readonly ValType[], body: (f: Fn) => void, exported = true): Fn {
    const f = new Fn(name, params, results, this.fns.length);
    this.fns.push(f);
    if (exported) this.exported.add(name);
    body(f);
    return f;
  }

  /** Declare first, define later (for mutual calls). */
  declare(name: string, params: readonly ValType[], results: readonly ValType[], exported = true): Fn {
    const f = new Fn(name, params, results, this.fns.length);
    this.fns.push(f);
    if (exported) this.exported.add(name);
    return f;
  }

  encode(): Uint8Array {
    const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, body: number[]) => {
      out.push(id);
      uleb(out, body.length);
      out.push(...body);
    };
    const str = (b: number[], s: string) => {
      const bytes = new TextEncoder().encode(s);
      uleb(b, bytes.length);
      b.push(...bytes);
    };
    // types: one per distinct signature
    const sigs: string[] = [];
    const typeOf = this.fns.map((f) => {
      const key = `${f.params.join(",")}:${f.results.join(",")}`;
      let i = sigs.indexOf(key);
      if (i < 0) i = sigs.push(key) - 1;
      return i;
    });
    const types: number[] = [];
    uleb(types, sigs.length);
    for (const key of sigs) {
      const [ps, rs] = key.split(":").map((s) => (s ? s.split(",").map(Number) : []));
      types.push(0x60);
      uleb(types, ps.length);
      types.push(...ps);
      uleb(types, rs.length);
      types.push(...rs);
    }
    section(1, types);
    const imports: number[] = [];
    uleb(imports, 1);
    str(imports, "env");
    str(imports, "memory");
    imports.push(0x02, this.memory.shared ? 0x03 : 0x01);
    uleb(imports, this.memory.initialPages);
    uleb(imports, this.memory.maximumPages);
    section(2, imports);
    const funcs: number[] = [];
    uleb(funcs, this.fns.length);
    for (const t of typeOf) uleb(funcs, t);
    section(3, funcs);
    const exps: number[] = [];
    const names = this.fns.filter((f) => this.exported.has(f.name));
    uleb(exps, names.length);
    for (const f of names) {
      str(exps, f.name);
      exps.push(0x00);
      uleb(exps, f.index);
    }
    section(7, exps);
    const code: number[] = [];
    uleb(code, this.fns.length);
    for (const f of this.fns) {
      const body = f.encode();
      uleb(code, body.length);
      code.push(...body);
    }
    section(10, code);
    return new Uint8Array(out);
  }
}

/**
 * Seeded randomness: `set_seed(seed)` makes every random op reproducible
 * across runs. The generator is xoshiro128** (fast, 32-bit, good statistical
 * quality), seeded through splitmix32. Normals use Box-Muller in float64.
 */
import { TypeError, ValueError, typeName } from "./errors.js";

export class Generator {
  private s = new Uint32Array(4);
  constructor(seed: number) {
    let x = seed >>> 0 || 0x9e3779b9;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    for (let i = 0; i < 4; i++) {
      // splitmix32
      x = (x + 0x9e3779b9 + hi) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
  }
  private nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }
  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextU32() >>> 5;
    const b = this.nextU32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }
  /** Standard normal (Box-Muller; the cosine branch only, for simplicity of state). */
  normal(): number {
    let u = this.random();
    while (u === 0) u = this.random();
    const v = this.random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

let globalSeed: number | null = null;
let globalGen = new Generator(Math.floor(Math.random() * 2 ** 32));

/** `ms.set_seed(seed)`: reseed the global generator. */
export function set_seed(seed: number): void {
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new TypeError(`For 'set_seed', the 'seed' must be int, but got ${typeName(seed)}.`);
  if (seed < 0) throw new ValueError(`For 'set_seed', the 'seed' must be >= 0, but got ${seed}.`);
  globalSeed = seed;
  globalGen = new Generator(seed);
}

/** `ms.get_seed()`: the global seed, or null when none was set. */
export function get_seed(): number | null {
  return globalSeed;
}

let drawHook: (() => void) | null = null;
/** `jit` watches for random draws while it traces (a sample would be frozen into its graph). */
export function setRandomDrawHook(hook: (() => void) | null): void {
  drawHook = hook;
}

/** The generator for one op: an op-level seed gives its own stream, else the global one. */
export function generatorFor(seed: number | null | undefined): Generator {
  drawHook?.();
  if (seed === null || seed === undefined) return globalGen;
  if (!Number.isInteger(seed) || seed < 0) throw new ValueError(`The 'seed' must be a non-negative int, but got ${seed}.`);
  return new Generator((globalSeed ?? 0) * 1000003 + seed);
}

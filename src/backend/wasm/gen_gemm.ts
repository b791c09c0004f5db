/**
 * Single-precision GEMM, C = A B, blocked and packed (Goto/BLIS scheme):
 * B is packed per (KC x NC) block into NR-column micro-panels and A per
 * (MC x KC) block into MR-row micro-panels, both zero-padded, so the
 * microkernel streams two contiguous buffers from L1/L2 and keeps an
 * MR x NR tile of C in registers (MR * NR/4 v128 accumulators). A and B may
 * have any strides (transposed views need no copy); C is row-major.
 *
 * With relaxed SIMD the update is one f32x4.relaxed_madd per vector (a fused
 * multiply-add on x86 with FMA and on ARM); without it, mul then add.
 */
import { F32, Fn, I32, ModuleBuilder, V, i32, v128 } from "./builder.js";

export interface GemmShape {
  readonly MR: number;
  /** v128 vectors per micro-panel row: NR = 4 * NV */
  readonly NV: number;
  readonly KC: number;
  readonly MC: number;
  readonly NC: number;
}

export const GEMM: GemmShape = { MR: 4, NV: 2, KC: 256, MC: 96, NC: 1536 };
export const NR = GEMM.NV * 4;

/** Bytes of scratch one thread needs for a `gemm` with N columns (packed A, packed B, one edge tile). */
export function gemmScratchBytes(N: number, s: GemmShape = GEMM): number {
  const nr = s.NV * 4;
  const ncmax = Math.min(s.NC, Math.ceil(N / nr) * nr);
  return 4 * (s.MC * s.KC + s.KC * ncmax + s.MR * nr) + 64;
}

/** i8x16.shuffle lanes picking float lanes `l` (0-3 from the first operand, 4-7 from the second). */
const lanes = (l: readonly number[]) => l.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]);

/**
 * Transpose four vectors (rows r[0..3]) in place on locals: afterwards r[i] holds lane i of each input.
 * `t` are four scratch v128 locals.
 */
function transpose4(f: Fn, r: readonly number[], t: readonly number[]): void {
  f.get(r[0]).get(r[1]).shuffle(lanes([0, 4, 1, 5])).set(t[0]);
  f.get(r[0]).get(r[1]).shuffle(lanes([2, 6, 3, 7])).set(t[1]);
  f.get(r[2]).get(r[3]).shuffle(lanes([0, 4, 1, 5])).set(t[2]);
  f.get(r[2]).get(r[3]).shuffle(lanes([2, 6, 3, 7])).set(t[3]);
  f.get(t[0]).get(t[2]).shuffle(lanes([0, 1, 4, 5])).set(r[0]);
  f.get(t[0]).get(t[2]).shuffle(lanes([2, 3, 6, 7])).set(r[1]);
  f.get(t[1]).get(t[3]).shuffle(lanes([0, 1, 4, 5])).set(r[2]);
  f.get(t[1]).get(t[3]).shuffle(lanes([2, 3, 6, 7])).set(r[3]);
}

/** Emit the microkernel: (kc, ap, bp, dst, lddBytes, acc) -> (); dst tile += / = A-panel x B-panel. */
function microkernel(m: ModuleBuilder, s: GemmShape, fma: boolean): Fn {
  const { MR, NV } = s;
  const NRB = NV * 16; // bytes per packed B row
  return m.fn("gemm_mk", [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [kc, ap, bp, dst, ldd, acc] = [0, 1, 2, 3, 4, 5];
    const c: number[][] = [];
    for (let r = 0; r < MR; r++) c.push(Array.from({ length: NV }, () => f.local(v128)));
    const b = Array.from({ length: NV }, () => f.local(v128));
    const a = f.local(v128);
    const k = f.local(i32);
    for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) f.f32x4c(0).set(c[r][v]);
    // one k-step per iteration, not unrolled: TurboFan hoists every load of an unrolled body to its top
    // and, with 15 usable vector registers, then spills the accumulators (docs/wasm-backend.md)
    f.for(k, () => f.i32c(0), () => f.get(kc), 1, () => {
      for (let v = 0; v < NV; v++) f.get(bp).vload(16 * v).set(b[v]);
      for (let r = 0; r < MR; r++) {
        f.get(ap).vsplat32(4 * r).set(a);
        for (let v = 0; v < NV; v++) {
          if (fma) f.get(a).get(b[v]).get(c[r][v]).v(V.f32x4_relaxed_madd).set(c[r][v]);
          else f.get(c[r][v]).get(a).get(b[v]).v(V.f32x4_mul).v(V.f32x4_add).set(c[r][v]);
        }
      }
      f.inc(ap, MR * 4).inc(bp, NRB);
    });
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++) {
        // addr = dst + r * ldd + 16 v
        const addr = () => f.get(dst).get(ldd).i32c(r).op(I32.mul).op(I32.add);
        addr();
        f.get(acc).if(
          () => {
            addr();
            f.vload(16 * v).get(c[r][v]).v(V.f32x4_add).set(c[r][v]);
          },
        );
        f.get(c[r][v]).vstore(16 * v);
      }
    }
  });
}

/** Pack kc x nc of B (strides brs, bcs) into NR-wide micro-panels [panel][k][NR], zero-padded. */
function packB(m: ModuleBuilder, s: GemmShape): Fn {
  const NRv = s.NV * 4;
  return m.fn("gemm_packB", [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [b, brs, bcs, kc, nc, dst] = [0, 1, 2, 3, 4, 5];
    const j0 = f.local(i32);
    const k = f.local(i32);
    const jj = f.local(i32);
    const w = f.local(i32);
    const src = f.local(i32);
    const out = f.local(i32);
    const bcsB = f.local(i32);
    const cv = Array.from({ length: 4 }, () => f.local(v128));
    const tv = Array.from({ length: 4 }, () => f.local(v128));
    f.get(dst).set(out);
    f.for(j0, () => f.i32c(0), () => f.get(nc), NRv, () => {
      // w = min(NR, nc - j0)
      f.get(nc).get(j0).op(I32.sub).set(w);
      f.get(w).i32c(NRv).op(I32.gt_s).if(() => f.i32c(NRv).set(w));
      const scalarPanel = () => {
          f.for(k, () => f.i32c(0), () => f.get(kc), 1, () => {
            f.for(jj, () => f.i32c(0), () => f.i32c(NRv), 1, () => {
              const dstAddr = () => f.get(out).get(jj).i32c(2).op(I32.shl).op(I32.add);
              f.get(jj).get(w).op(I32.lt_s).if(
                () => {
                  dstAddr();
                  f.get(b).get(k).get(brs).op(I32.mul).get(j0).get(jj).op(I32.add).get(bcs).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32load();
                  f.f32store();
                },
                () => {
                  dstAddr();
                  f.f32c(0).f32store();
                },
              );
            });
            f.inc(out, NRv * 4);
          });
      };
      f.get(bcs).i32c(1).op(I32.eq).get(w).i32c(NRv).op(I32.eq).op(I32.and).if(
        () => {
          // contiguous rows: vector copies
          f.for(k, () => f.i32c(0), () => f.get(kc), 1, () => {
            // src = b + 4 (k brs + j0)
            f.get(b).get(k).get(brs).op(I32.mul).get(j0).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(src);
            for (let v = 0; v < s.NV; v++) f.get(out).get(src).vload(16 * v).vstore(16 * v);
            f.inc(out, NRv * 4);
          });
        },
        () =>
          f.get(brs).i32c(1).op(I32.eq).get(w).i32c(NRv).op(I32.eq).op(I32.and).get(kc).i32c(4).op(I32.rem_u).op(I32.eqz).op(I32.and).if(
            () => {
              // a transposed operand (columns contiguous along k): 4 x 4 blocks, loaded as four columns' k..k+3
              // and transposed into four panel rows
              f.get(bcs).i32c(2).op(I32.shl).set(bcsB);
              f.for(k, () => f.i32c(0), () => f.get(kc), 4, () => {
                for (let g = 0; g < s.NV; g++) {
                  // src = b + 4 ((j0 + 4g) bcs + k)
                  f.get(b).get(j0).i32c(4 * g).op(I32.add).get(bcs).op(I32.mul).get(k).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(src);
                  for (let c = 0; c < 4; c++) {
                    f.get(src).vload().set(cv[c]);
                    if (c < 3) f.inc(src, () => f.get(bcsB));
                  }
                  transpose4(f, cv, tv);
                  for (let kk = 0; kk < 4; kk++) f.get(out).get(cv[kk]).vstore(4 * (kk * NRv + 4 * g));
                }
                f.inc(out, 4 * NRv * 4);
              });
            },
            scalarPanel,
          ),
      );
    });
  });
}

/** Pack mc x kc of A (strides ars, acs) into MR-tall micro-panels [panel][k][MR], zero-padded. */
function packA(m: ModuleBuilder, s: GemmShape): Fn {
  const { MR } = s;
  return m.fn("gemm_packA", [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [a, ars, acs, mc, kc, dst] = [0, 1, 2, 3, 4, 5];
    const i0 = f.local(i32);
    const k = f.local(i32);
    const h = f.local(i32);
    const out = f.local(i32);
    const row = Array.from({ length: MR }, () => f.local(i32));
    const acsB = f.local(i32);
    const rv = Array.from({ length: MR }, () => f.local(v128));
    const tv = Array.from({ length: 4 }, () => f.local(v128));
    f.get(acs).i32c(2).op(I32.shl).set(acsB);
    f.get(dst).set(out);
    f.for(i0, () => f.i32c(0), () => f.get(mc), MR, () => {
      f.get(mc).get(i0).op(I32.sub).set(h);
      // row pointers (rows past the end point at row i0 and are zeroed below)
      for (let r = 0; r < MR; r++) {
        f.get(a).get(i0).i32c(r).op(I32.add).get(ars).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(row[r]);
      }
      f.get(h).i32c(MR).op(I32.ge_s).if(
        () => {
          f.i32c(0).set(k);
          if (MR === 4) {
            // rows contiguous along k: 4 x 4 blocks, four rows' k..k+3 transposed into four panel columns
            f.get(acs).i32c(1).op(I32.eq).if(() =>
              f.block(() =>
                f.loop(() => {
                  f.get(k).i32c(4).op(I32.add).get(kc).op(I32.gt_s).brIf(1);
                  for (let r = 0; r < MR; r++) f.get(row[r]).vload().set(rv[r]);
                  transpose4(f, rv, tv);
                  for (let kk = 0; kk < 4; kk++) f.get(out).get(rv[kk]).vstore(16 * kk);
                  for (let r = 0; r < MR; r++) f.inc(row[r], 16);
                  f.inc(out, 64).inc(k, 4).br(0);
                }),
              ),
            );
          }
          f.block(() =>
            f.loop(() => {
              f.get(k).get(kc).op(I32.ge_s).brIf(1);
              for (let r = 0; r < MR; r++) {
                f.get(out).get(row[r]).f32load().f32store(4 * r);
                f.inc(row[r], () => f.get(acsB));
              }
              f.inc(out, MR * 4).inc(k, 1).br(0);
            }),
          );
        },
        () => {
          f.for(k, () => f.i32c(0), () => f.get(kc), 1, () => {
            for (let r = 0; r < MR; r++) {
              f.i32c(r).get(h).op(I32.lt_s).if(
                () => {
                  f.get(out).get(row[r]).f32load().f32store(4 * r);
                },
                () => {
                  f.get(out).f32c(0).f32store(4 * r);
                },
              );
              f.inc(row[r], () => f.get(acsB));
            }
            f.inc(out, MR * 4);
          });
        },
      );
    });
  });
}

/**
 * gemm(M, N, K, a, ars, acs, b, brs, bcs, c, ldc, scratch): C[M,N] = A[M,K] B[K,N].
 * Pointers in bytes, strides in elements; `scratch` holds gemmScratchBytes().
 */
export function emitGemm(m: ModuleBuilder, fma: boolean, s: GemmShape = GEMM): Fn {
  const { MR, KC, MC, NC } = s;
  const NRv = s.NV * 4;
  const mk = microkernel(m, s, fma);
  const pB = packB(m, s);
  const pA = packA(m, s);
  return m.fn("gemm", [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32], [], (f) => {
    const [M, N, K, a, ars, acs, b, brs, bcs, c, ldc, scratch] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const [jc, pc, ic, jr, ir, nc, kc, mc, pa, pb, tile, ldcB, cp, acc, rr, cc, h, w, t, kcb] = Array.from({ length: 20 }, () => f.local(i32));
    // scratch layout: packed A | packed B | tile
    f.get(scratch).i32c(63).op(I32.add).i32c(-64).op(I32.and).set(pa);
    f.get(pa).i32c(4 * MC * KC).op(I32.add).set(pb);
    // tile after the packed B block: KC x min(NC, N rounded up to NR)
    f.get(N).i32c(NRv - 1).op(I32.add).i32c(NRv).op(I32.div_u).i32c(NRv).op(I32.mul).set(t);
    f.get(t).i32c(NC).op(I32.gt_s).if(() => f.i32c(NC).set(t));
    f.get(pb).get(t).i32c(4 * KC).op(I32.mul).op(I32.add).set(tile);
    f.get(ldc).i32c(2).op(I32.shl).set(ldcB);
    const min = (l: number, cap: number, from: number, total: number) => {
      // l = min(cap, total - from)
      f.get(total).get(from).op(I32.sub).set(l);
      f.get(l).i32c(cap).op(I32.gt_s).if(() => f.i32c(cap).set(l));
    };
    // K == 0: C = 0
    f.get(K).op(I32.eqz).if(() => {
      f.for(rr, () => f.i32c(0), () => f.get(M), 1, () => {
        f.for(cc, () => f.i32c(0), () => f.get(N), 1, () => {
          f.get(c).get(rr).get(ldc).op(I32.mul).get(cc).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32c(0).f32store();
        });
      });
      f.ret();
    });
    // K in equal blocks of at most KC (a multiple of 4): 784 = 4 x 196, not 3 x 256 + 16, whose thin last
    // block would pay the packing and the C update for little work
    f.get(K).i32c(KC - 1).op(I32.add).i32c(KC).op(I32.div_u).set(t);
    f.get(K).get(t).op(I32.add).i32c(1).op(I32.sub).get(t).op(I32.div_u).i32c(3).op(I32.add).i32c(-4).op(I32.and).set(kcb);
    f.for(jc, () => f.i32c(0), () => f.get(N), NC, () => {
      min(nc, NC, jc, N);
      f.for(pc, () => f.i32c(0), () => f.get(K), () => f.get(kcb), () => {
        min(kc, KC, pc, K);
        f.get(kc).get(kcb).op(I32.gt_s).if(() => f.get(kcb).set(kc));
        f.get(pc).i32c(0).op(I32.gt_s).set(acc);
        // packB(b + 4 (pc brs + jc bcs), brs, bcs, kc, nc, pb)
        f.get(b).get(pc).get(brs).op(I32.mul).get(jc).get(bcs).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add);
        f.get(brs).get(bcs).get(kc).get(nc).get(pb).call(pB);
        f.for(ic, () => f.i32c(0), () => f.get(M), MC, () => {
          min(mc, MC, ic, M);
          f.get(a).get(ic).get(ars).op(I32.mul).get(pc).get(acs).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add);
          f.get(ars).get(acs).get(mc).get(kc).get(pa).call(pA);
          f.for(jr, () => f.i32c(0), () => f.get(nc), NRv, () => {
            min(w, NRv, jr, nc);
            f.for(ir, () => f.i32c(0), () => f.get(mc), MR, () => {
              min(h, MR, ir, mc);
              // cp = c + 4 ((ic + ir) ldc + jc + jr)
              f.get(c).get(ic).get(ir).op(I32.add).get(ldc).op(I32.mul).get(jc).op(I32.add).get(jr).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(cp);
              // micro-panel addresses
              const apAddr = () => f.get(pa).get(ir).get(kc).op(I32.mul).i32c(2).op(I32.shl).op(I32.add);
              const bpAddr = () => f.get(pb).get(jr).get(kc).op(I32.mul).i32c(2).op(I32.shl).op(I32.add);
              f.get(h).i32c(MR).op(I32.eq).get(w).i32c(NRv).op(I32.eq).op(I32.and).if(
                () => {
                  f.get(kc);
                  apAddr();
                  bpAddr();
                  f.get(cp).get(ldcB).get(acc).call(mk);
                },
                () => {
                  // edge tile: compute into the scratch tile, then merge the valid part
                  f.get(kc);
                  apAddr();
                  bpAddr();
                  f.get(tile).i32c(NRv * 4).i32c(0).call(mk);
                  f.for(rr, () => f.i32c(0), () => f.get(h), 1, () => {
                    f.for(cc, () => f.i32c(0), () => f.get(w), 1, () => {
                      f.get(cp).get(rr).get(ldcB).op(I32.mul).op(I32.add).get(cc).i32c(2).op(I32.shl).op(I32.add).set(t);
                      f.get(t);
                      f.get(tile).get(rr).i32c(NRv).op(I32.mul).get(cc).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32load();
                      // + C[t] when accumulating (select keeps the stack shape static)
                      f.get(t).f32load().f32c(0).get(acc).select().op(F32.add);
                      f.f32store();
                    });
                  });
                },
              );
            });
          });
        });
      });
    });
  });
}

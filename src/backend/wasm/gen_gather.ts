/**
 * Gathers and scatters along one axis (take_along_axis and its transpose),
 * and arg-reductions over contiguous rows: what max pooling is built from.
 * Operands are collapsed by the driver to (A, L, B) with the axis in the
 * middle. Index tensors are int64 (stored as float64) or int32; negative
 * indices count from the end; an index out of range makes the function
 * return 1 so that the driver can raise MindSpore's IndexError.
 *
 *   gather_<d>_<i>(A, L, B, px, xa, xd, xb, dim, pi, ia, il, ib, po, pstatus)
 *     out[a, l, b] = x[a, idx[a, l, b], b]      (d: data bytes 4 | 8)
 *   scatter_add_<i>(A, L, B, ps, sa, sl, sb, dim, pi, ia, il, ib, po, pstatus)
 *     out[a, idx[a, l, b], b] += src[a, l, b]  (float32; out contiguous (A, dim, B), zeroed by the caller)
 *   scatter_add zeroes its slice's output rows (A x dim x B floats at po) before adding.
 *   Both write 1 to the i32 at `pstatus` on a bad index (thread slices cannot return values); slices
 *   over disjoint ranges of A touch disjoint outputs, so both run in parallel.
 *   argmax_rows / argmin_rows(nrows, len, px, srow, po): out (float64) = first index of the extreme, NaN first
 *   pool_argmax(B, W, kh, kw, sh, sw, dh, dw, oh, ow, px, sb, sr, sc, po): float32 planes (strides in
 *     elements) -> float64 out[b, oy * ow + ox] = r * W + c of each window's first maximum (a NaN wins)
 *   pool_argmax_2x2(B, W, oh, ow, px, sb, sr, po): the same for 2x2 windows at stride 2 over rows of
 *     contiguous elements (max-pooling's common case), four windows per step in SIMD and without branches
 *     (the scalar scan's branch on each comparison mispredicts on ReLU outputs); needs ow >= 4
 */
import { F32, F64, Fn, I32, ModuleBuilder, SAT, V, f32, f64, i32, v128 } from "./builder.js";

type IdxKind = "i64" | "i32";

function loadIndex(f: Fn, kind: IdxKind, addr: () => void): void {
  addr();
  if (kind === "i64") f.f64load().sat(SAT.i32_trunc_sat_f64_s);
  else f.i32load();
}

function gather(m: ModuleBuilder, bytes: 4 | 8, kind: IdxKind): void {
  m.fn(`gather_d${bytes}_${kind}`, Array(14).fill(i32), [], (f) => {
    const [A, L, B, px, xa, xd, xb, dim, pi, ia, il, ib, po, pstatus] = Array.from({ length: 14 }, (_, i) => i);
    const [a, l, b, idx, out, status] = Array.from({ length: 6 }, () => f.local(i32));
    const isz = kind === "i64" ? 3 : 2;
    const [ip, xrow, ilB] = Array.from({ length: 3 }, () => f.local(i32));
    const dsz = bytes === 8 ? 3 : 2;
    /** idx = the index at `addr`, wrapped once if negative; out of range: status = 1, idx = 0 */
    const index = (addr: () => void) => {
      loadIndex(f, kind, addr);
      f.set(idx);
      f.get(idx).i32c(0).op(I32.lt_s).if(() => f.inc(idx, () => f.get(dim)));
      f.get(idx).get(dim).op(I32.ge_u).if(() => {
        f.i32c(1).set(status);
        f.i32c(0).set(idx);
      });
    };
    const copy = () => {
      if (bytes === 8) f.f64load().f64store();
      else f.f32load().f32store();
      f.inc(out, bytes);
    };
    f.get(po).set(out);
    f.get(B).i32c(1).op(I32.eq).if(
      () => {
        // one element per (a, l) (gathering along the last axis): walk the index row with pointers
        f.get(il).i32c(isz).op(I32.shl).set(ilB);
        f.for(a, () => f.i32c(0), () => f.get(A), 1, () => {
          f.get(pi).get(a).get(ia).op(I32.mul).i32c(isz).op(I32.shl).op(I32.add).set(ip);
          f.get(px).get(a).get(xa).op(I32.mul).i32c(dsz).op(I32.shl).op(I32.add).set(xrow);
          f.for(l, () => f.i32c(0), () => f.get(L), 1, () => {
            index(() => f.get(ip));
            f.get(out);
            f.get(xrow).get(idx).get(xd).op(I32.mul).i32c(dsz).op(I32.shl).op(I32.add);
            copy();
            f.inc(ip, () => f.get(ilB));
          });
        });
      },
      () =>
        f.for(a, () => f.i32c(0), () => f.get(A), 1, () => {
          f.for(l, () => f.i32c(0), () => f.get(L), 1, () => {
            f.for(b, () => f.i32c(0), () => f.get(B), 1, () => {
              index(() => f.get(pi).get(a).get(ia).op(I32.mul).get(l).get(il).op(I32.mul).op(I32.add).get(b).get(ib).op(I32.mul).op(I32.add).i32c(isz).op(I32.shl).op(I32.add));
              f.get(out);
              f.get(px).get(a).get(xa).op(I32.mul).get(idx).get(xd).op(I32.mul).op(I32.add).get(b).get(xb).op(I32.mul).op(I32.add).i32c(dsz).op(I32.shl).op(I32.add);
              copy();
            });
          });
        }),
    );
    f.get(status).if(() => f.get(pstatus).i32c(1).i32store());
  });
}

function scatterAdd(m: ModuleBuilder, kind: IdxKind): void {
  m.fn(`scatter_add_${kind}`, Array(14).fill(i32), [], (f) => {
    const [A, L, B, ps, sa, sl, sb, dim, pi, ia, il, ib, po, pstatus] = Array.from({ length: 14 }, (_, i) => i);
    const [a, l, b, idx, t, status, zEnd] = Array.from({ length: 7 }, () => f.local(i32));
    const isz = kind === "i64" ? 3 : 2;
    // zero this slice's rows of the output first (A x dim x B floats from po), on this thread
    f.get(po).get(A).get(dim).op(I32.mul).get(B).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(zEnd);
    f.get(po).set(t);
    f.block(() =>
      f.loop(() => {
        f.get(t).i32c(16).op(I32.add).get(zEnd).op(I32.gt_u).brIf(1);
        f.get(t).f32x4c(0).vstore();
        f.inc(t, 16).br(0);
      }),
    );
    f.block(() =>
      f.loop(() => {
        f.get(t).get(zEnd).op(I32.ge_u).brIf(1);
        f.get(t).f32c(0).f32store();
        f.inc(t, 4).br(0);
      }),
    );
    const [ip, sp, orow, ilB, slB] = Array.from({ length: 5 }, () => f.local(i32));
    /** idx = the index at `addr`, wrapped once if negative; then `add` if in range, else status = 1 */
    const index = (addr: () => void, add: () => void) => {
      loadIndex(f, kind, addr);
      f.set(idx);
      f.get(idx).i32c(0).op(I32.lt_s).if(() => f.inc(idx, () => f.get(dim)));
      f.get(idx).get(dim).op(I32.ge_u).if(() => f.i32c(1).set(status), add);
    };
    f.get(B).i32c(1).op(I32.eq).if(
      () => {
        // one element per (a, l): walk the index and source rows with pointers
        f.get(il).i32c(isz).op(I32.shl).set(ilB);
        f.get(sl).i32c(2).op(I32.shl).set(slB);
        f.for(a, () => f.i32c(0), () => f.get(A), 1, () => {
          f.get(pi).get(a).get(ia).op(I32.mul).i32c(isz).op(I32.shl).op(I32.add).set(ip);
          f.get(ps).get(a).get(sa).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(sp);
          f.get(po).get(a).get(dim).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(orow);
          f.for(l, () => f.i32c(0), () => f.get(L), 1, () => {
            index(
              () => f.get(ip),
              () => {
                f.get(orow).get(idx).i32c(2).op(I32.shl).op(I32.add).set(t);
                f.get(t).get(t).f32load().get(sp).f32load().op(F32.add).f32store();
              },
            );
            f.inc(ip, () => f.get(ilB)).inc(sp, () => f.get(slB));
          });
        });
      },
      () =>
        f.for(a, () => f.i32c(0), () => f.get(A), 1, () => {
          f.for(l, () => f.i32c(0), () => f.get(L), 1, () => {
            f.for(b, () => f.i32c(0), () => f.get(B), 1, () => {
              index(
                () => f.get(pi).get(a).get(ia).op(I32.mul).get(l).get(il).op(I32.mul).op(I32.add).get(b).get(ib).op(I32.mul).op(I32.add).i32c(isz).op(I32.shl).op(I32.add),
                () => {
                  // t = po + 4 ((a dim + idx) B + b)
                  f.get(po).get(a).get(dim).op(I32.mul).get(idx).op(I32.add).get(B).op(I32.mul).get(b).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(t);
                  f.get(t).get(t).f32load();
                  f.get(ps).get(a).get(sa).op(I32.mul).get(l).get(sl).op(I32.mul).op(I32.add).get(b).get(sb).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32load();
                  f.op(F32.add).f32store();
                },
              );
            });
          });
        }),
    );
    f.get(status).if(() => f.get(pstatus).i32c(1).i32store());
  });
}

function argRows(m: ModuleBuilder, isMax: boolean): void {
  m.fn(isMax ? "argmax_rows" : "argmin_rows", [i32, i32, i32, i32, i32], [], (f) => {
    const [nrows, len, px, srow, po] = [0, 1, 2, 3, 4];
    const [r, i, row, arg] = Array.from({ length: 4 }, () => f.local(i32));
    const best = f.local(f32);
    const v = f.local(f32);
    f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
      f.get(px).get(r).get(srow).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(row);
      f.get(row).f32load().set(best);
      f.i32c(0).set(arg);
      f.for(i, () => f.i32c(1), () => f.get(len), 1, () => {
        // a NaN already found stays the answer
        f.get(best).get(best).op(F32.ne).brIf(1);
        f.get(row).get(i).i32c(2).op(I32.shl).op(I32.add).f32load().set(v);
        f.get(v).get(v).op(F32.ne).get(v).get(best).op(isMax ? F32.gt : F32.lt).op(I32.or).if(() => {
          f.get(v).set(best);
          f.get(i).set(arg);
        });
      });
      f.get(po).get(r).i32c(3).op(I32.shl).op(I32.add).get(arg).op(F64.convert_i32_s).f64store();
    });
  });
}

function poolArgmax(m: ModuleBuilder): void {
  m.fn("pool_argmax", Array(15).fill(i32), [], (f) => {
    const [B, W, kh, kw, sh, sw, dh, dw, oh, ow, px, sb, sr, sc, po] = Array.from({ length: 15 }, (_, i) => i);
    const [bi, oy, ox, ky, kx, r, c, arg, plane] = Array.from({ length: 9 }, () => f.local(i32));
    const best = f.local(f32);
    const v = f.local(f32);
    const load = () => f.get(plane).get(r).get(sr).op(I32.mul).get(c).get(sc).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32load();
    f.for(bi, () => f.i32c(0), () => f.get(B), 1, () => {
      f.get(px).get(bi).get(sb).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(plane);
      f.for(oy, () => f.i32c(0), () => f.get(oh), 1, () => {
        f.for(ox, () => f.i32c(0), () => f.get(ow), 1, () => {
          // start from the window's first tap, then scan all of it
          f.get(oy).get(sh).op(I32.mul).set(r);
          f.get(ox).get(sw).op(I32.mul).set(c);
          load();
          f.set(best);
          f.get(r).get(W).op(I32.mul).get(c).op(I32.add).set(arg);
          f.for(ky, () => f.i32c(0), () => f.get(kh), 1, () => {
            f.get(oy).get(sh).op(I32.mul).get(ky).get(dh).op(I32.mul).op(I32.add).set(r);
            f.for(kx, () => f.i32c(0), () => f.get(kw), 1, () => {
              f.get(ox).get(sw).op(I32.mul).get(kx).get(dw).op(I32.mul).op(I32.add).set(c);
              load();
              f.set(v);
              // a first NaN replaces a number; otherwise only a strictly larger value
              f.get(v).get(v).op(F32.ne).get(best).get(best).op(F32.eq).op(I32.and).get(v).get(best).op(F32.gt).op(I32.or).if(() => {
                f.get(v).set(best);
                f.get(r).get(W).op(I32.mul).get(c).op(I32.add).set(arg);
              });
            });
          });
          f.get(po).get(arg).op(F64.convert_i32_s).f64store();
          f.inc(po, 8);
        });
      });
    });
  });
}

function poolArgmax2x2(m: ModuleBuilder): void {
  m.fn("pool_argmax_2x2", Array(8).fill(i32), [], (f) => {
    const [B, W, oh, ow, px, sb, sr, po] = Array.from({ length: 8 }, (_, i) => i);
    const [bi, oy, ox, r0, r1, out, last] = Array.from({ length: 7 }, () => f.local(i32));
    const [best, off, v, mask, arg, rowArg, evens] = Array.from({ length: 7 }, () => f.local(v128));
    // evens = [0, 2, 4, 6]: the flat offset of each of four windows' first tap within a row pair
    f.i32x4c(0).i32c(2).lane(V.i32x4_replace_lane, 1).i32c(4).lane(V.i32x4_replace_lane, 2).i32c(6).lane(V.i32x4_replace_lane, 3).set(evens);
    f.get(ow).i32c(4).op(I32.sub).set(last);
    // lanes 0,2,4,6 / 1,3,5,7 of eight consecutive floats (a, b): the windows' left / right taps
    const even = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
    const odd = even.map((x) => x + 4);
    /** best, off over one candidate (taken on a strictly larger value, or a first NaN) */
    const candidate = (load: () => void, offset: () => void) => {
      load();
      f.set(v);
      f.get(v).get(best).v(V.f32x4_gt);
      f.get(v).get(v).v(V.f32x4_ne).get(best).get(best).v(V.f32x4_eq).v(V.and);
      f.v(V.or).set(mask);
      f.get(v).get(best).get(mask).v(V.bitselect).set(best);
      offset();
      f.get(off).get(mask).v(V.bitselect).set(off);
    };
    f.for(bi, () => f.i32c(0), () => f.get(B), 1, () => {
      f.for(oy, () => f.i32c(0), () => f.get(oh), 1, () => {
        // r0, r1: byte addresses of the row pair; rowArg = flat index of each window's first tap at ox = 0
        f.get(px).get(bi).get(sb).op(I32.mul).get(oy).i32c(1).op(I32.shl).get(sr).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(r0);
        f.get(r0).get(sr).i32c(2).op(I32.shl).op(I32.add).set(r1);
        f.get(oy).i32c(1).op(I32.shl).get(W).op(I32.mul).v(V.i32x4_splat).get(evens).v(V.i32x4_add).set(rowArg);
        f.i32c(0).set(ox);
        f.block(() =>
          f.loop(() => {
            // four windows at ox (the last step backs up to ow - 4, recomputing a few equal values)
            f.get(ox).get(last).op(I32.gt_s).if(() => f.get(last).set(ox));
            const pair = (row: number, lanes: number[]) => () => {
              f.get(row).get(ox).i32c(3).op(I32.shl).op(I32.add).vload();
              f.get(row).get(ox).i32c(3).op(I32.shl).op(I32.add).vload(16);
              f.shuffle(lanes);
            };
            pair(r0, even)();
            f.set(best);
            f.i32x4c(0).set(off);
            candidate(pair(r0, odd), () => f.i32x4c(1));
            candidate(pair(r1, even), () => f.get(W).v(V.i32x4_splat));
            candidate(pair(r1, odd), () => f.get(W).i32c(1).op(I32.add).v(V.i32x4_splat));
            f.get(rowArg).get(ox).i32c(1).op(I32.shl).v(V.i32x4_splat).v(V.i32x4_add).get(off).v(V.i32x4_add).set(arg);
            // out (float64) of windows (oy, ox..ox+3)
            f.get(po).get(bi).get(oh).op(I32.mul).get(oy).op(I32.add).get(ow).op(I32.mul).get(ox).op(I32.add).i32c(3).op(I32.shl).op(I32.add).set(out);
            f.get(out).get(arg).v(V.f64x2_convert_low_i32x4_s).vstore();
            f.get(out).get(arg).get(arg).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]).v(V.f64x2_convert_low_i32x4_s).vstore(16);
            f.get(ox).get(last).op(I32.ge_s).brIf(1);
            f.inc(ox, 4).br(0);
          }),
        );
      });
    });
  });
}

export function emitGather(m: ModuleBuilder): void {
  for (const bytes of [4, 8] as const) for (const kind of ["i64", "i32"] as const) gather(m, bytes, kind);
  for (const kind of ["i64", "i32"] as const) scatterAdd(m, kind);
  argRows(m, true);
  argRows(m, false);
  poolArgmax(m);
  poolArgmax2x2(m);
  void f64;
}

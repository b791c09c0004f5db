/**
 * Convolution as im2col + GEMM, and batched GEMM, as thread-sliceable tasks.
 *
 * The batch is folded into the GEMM's columns: for one group, column j =
 * b * (oh*ow) + output position, so every convolution, including the
 * gradient ones (where the "batch" is a channel count and the output a 3x3
 * kernel), is one well-shaped product [og x taps] x [taps x B*oh*ow]. The
 * column matrix is built a chunk of columns at a time (so it stays in cache
 * and a thread owns its chunks); the product lands in a [O x B*oh*ow] buffer
 * that the driver then lays out as NCHW.
 *
 * The source row/column of every (tap, output position) comes from two small
 * i32 tables built by the driver (-1 where the tap falls on padding or
 * between dilated input elements), so padding, strides and both dilations
 * are handled by the same loop.
 *
 * conv_task(j0, j1, ch, x, sn, sc, sh, sw, cg, kh, kw, oh, ow, rows, cols, w, ldw, og, tmp, ldt, ldb, direct, scratch)
 *   columns [j0, j1) of one group (x and w already offset to it), `ch` columns at a time, over `cg`
 *   input channels (w's rows `ldw` floats apart: a slice may take some of the channels and the driver
 *   add the partial products); column j of batch item b = j / (oh*ow) lands at
 *   tmp + 4 (b ldb + j - b oh ow), rows ldt apart: a [og x N*oh*ow] buffer (ldb = oh*ow) or, with
 *   `direct`, the NCHW output itself (ldb = O oh ow, ldt = oh ow; chunks then stop at batch items).
 * conv_task_s1(...the same...): for stride 1 and no dilation over an input already padded (the
 *   driver copies it with zero borders, rows contiguous): every run of columns along an output row
 *   then reads one contiguous stretch of an input row, copied four floats at a time (the last copy
 *   may run up to three floats past the run: the next run, the next row or the scratch's slack
 *   overwrites or ignores them), with no table lookups or padding tests per element. This is what
 *   makes the gradient convolutions fast, whose 3x3 "outputs" give runs of three.
 * bmm_task(i0, i1, offs, M, N, K, ars, acs, brs, bcs, c, scratch)
 *   batch items [i0, i1): A and B at the byte addresses offs[2i], offs[2i+1]; C row-major, item i at c + i*M*N*4.
 * gemm_small_m(M, N, K, a, ars, acs, b, brs, c, ldc): C = A B for a few rows (B's rows contiguous):
 *   row by row, C[i, :] += A[i, k] * B[k, :] in SIMD, where the tiled GEMM would waste most of each tile.
 */
import { F32, Fn, I32, ModuleBuilder, V, f32, i32, v128 } from "./builder.js";

/** The locals and arguments a run body of `im2colShell` uses. */
interface Im2colRun {
  readonly x: number; readonly sn: number; readonly sc: number; readonly sh: number; readonly sw: number;
  readonly oh: number; readonly ow: number; readonly rows: number; readonly cols: number;
  readonly ci: number; readonly ky: number; readonly kx: number; readonly b: number; readonly oy: number; readonly ox: number;
  readonly run: number; readonly out: number;
  readonly k: number; readonly sy: number; readonly sx: number; readonly base: number; readonly cbase: number;
}

/**
 * im2col of columns [j0, j1) into dst (row stride ld floats): dst[tap, j - j0]. For each tap row the
 * columns go in runs along one output row (min(ow - ox, j1 - j) long); `perRow` emits what a tap row
 * needs once, `perRun` the copy of one run to `out`.
 * Arguments: (x, sn, sc, sh, sw, cg, kh, kw, oh, ow, rows, cols, j0, j1, dst, ld).
 */
function im2colShell(m: ModuleBuilder, name: string, perRow: (f: Fn, l: Im2colRun) => void, perRun: (f: Fn, l: Im2colRun) => void): Fn {
  return m.fn(name, Array(16).fill(i32), [], (f) => {
    const [x, sn, sc, sh, sw, cg, kh, kw, oh, ow, rows, cols, j0, j1, dst, ld] = Array.from({ length: 16 }, (_, i) => i);
    const [ci, ky, kx, b, oy, ox, j, run, k, sy, sx, base, out, plane, rowOut, cbase] = Array.from({ length: 16 }, () => f.local(i32));
    const l: Im2colRun = { x, sn, sc, sh, sw, oh, ow, rows, cols, ci, ky, kx, b, oy, ox, run, out, k, sy, sx, base, cbase };
    f.get(oh).get(ow).op(I32.mul).set(plane);
    f.get(dst).set(rowOut);
    f.for(ci, () => f.i32c(0), () => f.get(cg), 1, () => {
      f.for(ky, () => f.i32c(0), () => f.get(kh), 1, () => {
        f.for(kx, () => f.i32c(0), () => f.get(kw), 1, () => {
          perRow(f, l);
          // (b, oy, ox) of column j0
          f.get(j0).get(plane).op(I32.div_u).set(b);
          f.get(j0).get(plane).op(I32.rem_u).set(ox);
          f.get(ox).get(ow).op(I32.div_u).set(oy);
          f.get(ox).get(ow).op(I32.rem_u).set(ox);
          f.get(j0).set(j);
          f.get(rowOut).set(out);
          f.block(() =>
            f.loop(() => {
              f.get(j).get(j1).op(I32.ge_s).brIf(1);
              // a run along one output row: min(ow - ox, j1 - j)
              f.get(ow).get(ox).op(I32.sub).set(run);
              f.get(j1).get(j).op(I32.sub).get(run).op(I32.lt_s).if(() => f.get(j1).get(j).op(I32.sub).set(run));
              perRun(f, l);
              f.inc(j, () => f.get(run));
              f.get(out).get(run).i32c(2).op(I32.shl).op(I32.add).set(out);
              f.inc(ox, () => f.get(run));
              f.get(ox).get(ow).op(I32.ge_s).if(() => {
                f.i32c(0).set(ox);
                f.inc(oy, 1);
                f.get(oy).get(oh).op(I32.ge_s).if(() => {
                  f.i32c(0).set(oy);
                  f.inc(b, 1);
                });
              });
              f.br(0);
            }),
          );
          f.get(rowOut).get(ld).i32c(2).op(I32.shl).op(I32.add).set(rowOut);
        });
      });
    });
  });
}

/**
 * The general im2col: any stride, dilations and padding, through the source tables (`rows`, `cols`:
 * -1 where a tap falls on padding or between dilated input elements).
 */
function im2col(m: ModuleBuilder): Fn {
  return im2colShell(
    m,
    "im2col",
    (f, { cols, kx, ow, cbase }) => f.get(cols).get(kx).get(ow).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(cbase),
    (f, { x, sn, sc, sh, sw, oh, rows, ci, ky, b, oy, ox, run, out, k, sy, sx, base, cbase }) => {
      f.get(rows).get(ky).get(oh).op(I32.mul).get(oy).op(I32.add).i32c(2).op(I32.shl).op(I32.add).i32load().set(sy);
      f.get(sy).i32c(0).op(I32.lt_s).if(
        () => {
          f.for(k, () => f.i32c(0), () => f.get(run), 1, () => {
            f.get(out).get(k).i32c(2).op(I32.shl).op(I32.add).f32c(0).f32store();
          });
        },
        () => {
          // base = x + 4 (b sn + ci sc + sy sh)
          f.get(x).get(b).get(sn).op(I32.mul).get(ci).get(sc).op(I32.mul).op(I32.add).get(sy).get(sh).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(base);
          /** element k of the run: load from a valid address (column 0 on padding), then keep it or 0 */
          const one = () => {
            f.get(cbase).get(ox).get(k).op(I32.add).i32c(2).op(I32.shl).op(I32.add).i32load().set(sx);
            f.get(out).get(k).i32c(2).op(I32.shl).op(I32.add);
            f.get(base).get(sx).i32c(0).get(sx).i32c(0).op(I32.gt_s).select().get(sw).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).f32load();
            f.f32c(0).get(sx).i32c(0).op(I32.ge_s).select();
            f.f32store();
            f.inc(k, 1);
          };
          f.i32c(0).set(k);
          f.block(() =>
            f.loop(() => {
              f.get(k).i32c(4).op(I32.add).get(run).op(I32.gt_s).brIf(1);
              // four source columns in a row (stride 1, no padding among them, input rows
              // contiguous): one vector copy; anything else element by element
              f.get(cbase).get(ox).get(k).op(I32.add).i32c(2).op(I32.shl).op(I32.add).i32load().set(sx);
              f.get(sw).i32c(1).op(I32.eq);
              f.get(sx).i32c(0).op(I32.ge_s).op(I32.and);
              f.get(cbase).get(ox).get(k).op(I32.add).i32c(2).op(I32.shl).op(I32.add).i32load(12).get(sx).i32c(3).op(I32.add).op(I32.eq).op(I32.and);
              f.if(
                () => {
                  f.get(out).get(k).i32c(2).op(I32.shl).op(I32.add);
                  f.get(base).get(sx).i32c(2).op(I32.shl).op(I32.add).vload();
                  f.vstore();
                  f.inc(k, 4);
                },
                one,
              );
              f.br(0);
            }),
          );
          f.block(() =>
            f.loop(() => {
              f.get(k).get(run).op(I32.ge_s).brIf(1);
              one();
              f.br(0);
            }),
          );
        },
      );
    },
  );
}

/** im2col for stride 1, no dilation, no padding left (see conv_task_s1): whole runs, four floats at a time. */
function im2colS1(m: ModuleBuilder): Fn {
  return im2colShell(
    m,
    "im2col_s1",
    () => {},
    (f, { x, sn, sc, sh, ci, ky, kx, b, oy, ox, run, out, k, base }) => {
      // base = x + 4 (b sn + ci sc + (oy + ky) sh + ox + kx)
      f.get(x).get(b).get(sn).op(I32.mul).get(ci).get(sc).op(I32.mul).op(I32.add);
      f.get(oy).get(ky).op(I32.add).get(sh).op(I32.mul).op(I32.add).get(ox).op(I32.add).get(kx).op(I32.add).i32c(2).op(I32.shl).op(I32.add).set(base);
      f.for(k, () => f.i32c(0), () => f.get(run), 4, () => {
        f.get(out).get(k).i32c(2).op(I32.shl).op(I32.add);
        f.get(base).get(k).i32c(2).op(I32.shl).op(I32.add).vload();
        f.vstore();
      });
    },
  );
}

function gemmSmallM(m: ModuleBuilder): Fn {
  return m.fn("gemm_small_m", Array(10).fill(i32), [], (f) => {
    const [M, N, K, a, ars, acs, b, brs, c, ldc] = Array.from({ length: 10 }, (_, i) => i);
    const [i, k, j, crow, brow] = Array.from({ length: 5 }, () => f.local(i32));
    const av = f.local(v128);
    const as = f.local(f32);
    f.for(i, () => f.i32c(0), () => f.get(M), 1, () => {
      f.get(c).get(i).get(ldc).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(crow);
      f.for(j, () => f.i32c(0), () => f.get(N), 1, () => f.get(crow).get(j).i32c(2).op(I32.shl).op(I32.add).f32c(0).f32store());
      f.for(k, () => f.i32c(0), () => f.get(K), 1, () => {
        f.get(a).get(i).get(ars).op(I32.mul).get(k).get(acs).op(I32.mul).op(I32.add).i32c(2).op(I32.shl).op(I32.add).f32load().set(as);
        f.get(as).v(V.f32x4_splat).set(av);
        f.get(b).get(k).get(brs).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).set(brow);
        f.i32c(0).set(j);
        f.block(() =>
          f.loop(() => {
            f.get(j).i32c(4).op(I32.add).get(N).op(I32.gt_s).brIf(1);
            const cAddr = () => f.get(crow).get(j).i32c(2).op(I32.shl).op(I32.add);
            cAddr();
            cAddr();
            f.vload().get(av).get(brow).get(j).i32c(2).op(I32.shl).op(I32.add).vload().v(V.f32x4_mul).v(V.f32x4_add).vstore();
            f.inc(j, 4).br(0);
          }),
        );
        f.block(() =>
          f.loop(() => {
            f.get(j).get(N).op(I32.ge_s).brIf(1);
            const cAddr = () => f.get(crow).get(j).i32c(2).op(I32.shl).op(I32.add);
            cAddr();
            cAddr();
            f.f32load().get(as).get(brow).get(j).i32c(2).op(I32.shl).op(I32.add).f32load().op(F32.mul).op(F32.add).f32store();
            f.inc(j, 1).br(0);
          }),
        );
      });
    });
  });
}

export function emitConv(m: ModuleBuilder, gemm: Fn, MR: number): void {
  const small = gemmSmallM(m);
  for (const [name, i2c] of [["conv_task", im2col(m)], ["conv_task_s1", im2colS1(m)]] as const) {
    m.fn(name, Array(23).fill(i32), [], (f) => {
      const [j0, j1, ch, x, sn, sc, sh, sw, cg, kh, kw, oh, ow, rows, cols, w, ldw, og, tmp, ldt, ldb, direct, scratch] = Array.from({ length: 23 }, (_, i) => i);
      const [taps, col, gs, c0, c1, width, plane, cp, b] = Array.from({ length: 9 }, () => f.local(i32));
      f.get(cg).get(kh).op(I32.mul).get(kw).op(I32.mul).set(taps);
      f.get(oh).get(ow).op(I32.mul).set(plane);
      f.get(scratch).i32c(63).op(I32.add).i32c(-64).op(I32.and).set(col);
      // the GEMM's scratch after the column matrix and 64 bytes of slack (im2col_s1 may write past a row)
      f.get(col).get(taps).get(ch).op(I32.mul).i32c(2).op(I32.shl).op(I32.add).i32c(127).op(I32.add).i32c(-64).op(I32.and).set(gs);
      f.for(c0, () => f.get(j0), () => f.get(j1), 0, () => {
        f.get(c0).get(ch).op(I32.add).set(c1);
        f.get(c1).get(j1).op(I32.gt_s).if(() => f.get(j1).set(c1));
        f.get(c0).get(plane).op(I32.div_u).set(b);
        // writing straight into NCHW: a chunk stops at its batch item's end
        f.get(direct).if(() => {
          f.get(b).i32c(1).op(I32.add).get(plane).op(I32.mul).set(width);
          f.get(c1).get(width).op(I32.gt_s).if(() => f.get(width).set(c1));
        });
        f.get(c1).get(c0).op(I32.sub).set(width);
        // cp = tmp + 4 (b ldb + c0 - b plane)
        f.get(tmp).get(b).get(ldb).op(I32.mul).get(c0).op(I32.add).get(b).get(plane).op(I32.mul).op(I32.sub).i32c(2).op(I32.shl).op(I32.add).set(cp);
        f.get(x).get(sn).get(sc).get(sh).get(sw).get(cg).get(kh).get(kw).get(oh).get(ow).get(rows).get(cols).get(c0).get(c1).get(col).get(width).call(i2c);
        // C[:, chunk] = w (og x taps, row stride ldw) @ col (taps x width)
        f.get(og).i32c(MR).op(I32.lt_s).if(
          () => {
            f.get(og).get(width).get(taps).get(w).get(ldw).i32c(1).get(col).get(width);
            f.get(cp).get(ldt).call(small);
          },
          () => {
            f.get(og).get(width).get(taps).get(w).get(ldw).i32c(1).get(col).get(width).i32c(1);
            f.get(cp).get(ldt).get(gs).call(gemm);
          },
        );
        f.get(c1).set(c0);
      });
    });
  }
  m.fn("bmm_task", Array(12).fill(i32), [], (f) => {
    const [i0, i1, offs, M, N, K, ars, acs, brs, bcs, c, scratch] = Array.from({ length: 12 }, (_, i) => i);
    const it = f.local(i32);
    f.for(it, () => f.get(i0), () => f.get(i1), 1, () => {
      f.get(M).get(N).get(K);
      f.get(offs).get(it).i32c(3).op(I32.shl).op(I32.add).i32load();
      f.get(ars).get(acs);
      f.get(offs).get(it).i32c(3).op(I32.shl).op(I32.add).i32load(4);
      f.get(brs).get(bcs);
      f.get(c).get(it).get(M).op(I32.mul).get(N).op(I32.mul).i32c(2).op(I32.shl).op(I32.add);
      f.get(N).get(scratch).call(gemm);
    });
  });
}

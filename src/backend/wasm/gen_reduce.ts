/**
 * Reductions of float32 data. Sums accumulate in float64 (two f64x2 lanes
 * pairs per vector), as the reference backend does, so long sums stay exact
 * to float32 rounding; max/min stay in float32 and propagate NaN.
 *
 *   red_rows_<op>(nrows, len, px, srow, po): out[r] = op over x[r * srow + 0..len)
 *   red_rows_outer_sum(nouter, souter, nrows, len, px, srow, po): out[r] = sum over o and i of
 *     x[o * souter + r * srow + i] (a kept axis between two reduced ones: a bias gradient over NCHW),
 *     all in the row's float64 accumulators
 *   red_cols_<op>(nrows, ncols, px, srow, po, scratch): out[c] = op over r of x[r * srow + c]
 *     (sum keeps its float64 column accumulators in `scratch`, 8 * ncols bytes)
 */
import { F32, F64, Fn, I32, ModuleBuilder, V, f32, f64, i32, v128 } from "./builder.js";

type RedOp = "sum" | "max" | "min";

const addr = (f: Fn, base: number, idx: () => void, shift: number) => {
  f.get(base);
  idx();
  f.i32c(shift).op(I32.shl).op(I32.add);
};

/** While four floats are left in the row from i: a0, a1 (f64x2) += them, i += 4. */
function sumFours(f: Fn, row: number, len: number, i: number, v: number, a0: number, a1: number): void {
  f.block(() =>
    f.loop(() => {
      f.get(i).i32c(4).op(I32.add).get(len).op(I32.gt_s).brIf(1);
      addr(f, row, () => f.get(i), 2);
      f.vload().set(v);
      f.get(a0).get(v).v(V.f64x2_promote_low_f32x4).v(V.f64x2_add).set(a0);
      f.get(a1).get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).v(V.f64x2_promote_low_f32x4).v(V.f64x2_add).set(a1);
      f.inc(i, 4).br(0);
    }),
  );
}

/** The row's floats from i to len, one at a time: acc (f64) += them. */
function sumRest(f: Fn, row: number, len: number, i: number, acc: number): void {
  f.block(() =>
    f.loop(() => {
      f.get(i).get(len).op(I32.ge_s).brIf(1);
      f.get(acc);
      addr(f, row, () => f.get(i), 2);
      f.f32load().op(F64.promote_f32).op(F64.add).set(acc);
      f.inc(i, 1).br(0);
    }),
  );
}

function rows(m: ModuleBuilder, op: RedOp): void {
  m.fn(`red_rows_${op}`, [i32, i32, i32, i32, i32], [], (f) => {
    const [nrows, len, px, srow, po] = [0, 1, 2, 3, 4];
    const r = f.local(i32);
    const i = f.local(i32);
    const row = f.local(i32);
    const v = f.local(v128);
    if (op === "sum") {
      const a0 = f.local(v128);
      const a1 = f.local(v128);
      const s = f.local(f64);
      f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
        addr(f, px, () => f.get(r).get(srow).op(I32.mul), 2);
        f.set(row);
        f.f32x4c(0).tee(a0).set(a1);
        f.i32c(0).set(i);
        sumFours(f, row, len, i, v, a0, a1);
        f.get(a0).get(a1).v(V.f64x2_add).set(a0);
        f.get(a0).lane(V.f64x2_extract_lane, 0).get(a0).lane(V.f64x2_extract_lane, 1).op(F64.add).set(s);
        sumRest(f, row, len, i, s);
        addr(f, po, () => f.get(r), 2);
        f.get(s).op(F32.demote_f64).f32store();
      });
    } else {
      const vop = op === "max" ? V.f32x4_max : V.f32x4_min;
      const sop = op === "max" ? F32.max : F32.min;
      const acc = f.local(v128);
      const s = f.local(f32);
      f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
        addr(f, px, () => f.get(r).get(srow).op(I32.mul), 2);
        f.set(row);
        f.f32x4c(op === "max" ? -Infinity : Infinity).set(acc);
        f.i32c(0).set(i);
        f.block(() =>
          f.loop(() => {
            f.get(i).i32c(4).op(I32.add).get(len).op(I32.gt_s).brIf(1);
            f.get(acc);
            addr(f, row, () => f.get(i), 2);
            f.vload().v(vop).set(acc);
            f.inc(i, 4).br(0);
          }),
        );
        f.get(acc).lane(V.f32x4_extract_lane, 0);
        for (let l = 1; l < 4; l++) f.get(acc).lane(V.f32x4_extract_lane, l).op(sop);
        f.set(s);
        f.block(() =>
          f.loop(() => {
            f.get(i).get(len).op(I32.ge_s).brIf(1);
            f.get(s);
            addr(f, row, () => f.get(i), 2);
            f.f32load().op(sop).set(s);
            f.inc(i, 1).br(0);
          }),
        );
        addr(f, po, () => f.get(r), 2);
        f.get(s).f32store();
      });
    }
  });
}

function rowsOuterSum(m: ModuleBuilder): void {
  m.fn("red_rows_outer_sum", Array(7).fill(i32), [], (f) => {
    const [nouter, souter, nrows, len, px, srow, po] = Array.from({ length: 7 }, (_, k) => k);
    const [r, o, i, row] = Array.from({ length: 4 }, () => f.local(i32));
    const [v, a0, a1] = Array.from({ length: 3 }, () => f.local(v128));
    const t = f.local(f64);
    f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
      f.f32x4c(0).tee(a0).set(a1);
      f.f64c(0).set(t);
      f.for(o, () => f.i32c(0), () => f.get(nouter), 1, () => {
        addr(f, px, () => f.get(r).get(srow).op(I32.mul).get(o).get(souter).op(I32.mul).op(I32.add), 2);
        f.set(row);
        f.i32c(0).set(i);
        sumFours(f, row, len, i, v, a0, a1);
        sumRest(f, row, len, i, t);
      });
      f.get(a0).get(a1).v(V.f64x2_add).set(a0);
      addr(f, po, () => f.get(r), 2);
      f.get(a0).lane(V.f64x2_extract_lane, 0).get(a0).lane(V.f64x2_extract_lane, 1).op(F64.add).get(t).op(F64.add).op(F32.demote_f64).f32store();
    });
  });
}

/** Columns c = 0 .. ncols-1: `four()` for each whole group of four, then `one()` for each of the rest. */
function byFours(f: Fn, c: number, ncols: number, four: () => void, one: () => void): void {
  f.i32c(0).set(c);
  f.block(() =>
    f.loop(() => {
      f.get(c).i32c(4).op(I32.add).get(ncols).op(I32.gt_s).brIf(1);
      four();
      f.inc(c, 4).br(0);
    }),
  );
  f.block(() =>
    f.loop(() => {
      f.get(c).get(ncols).op(I32.ge_s).brIf(1);
      one();
      f.inc(c, 1).br(0);
    }),
  );
}

function cols(m: ModuleBuilder, op: RedOp): void {
  m.fn(`red_cols_${op}`, [i32, i32, i32, i32, i32, i32], [], (f) => {
    const [nrows, ncols, px, srow, po, scratch] = [0, 1, 2, 3, 4, 5];
    const r = f.local(i32);
    const c = f.local(i32);
    const row = f.local(i32);
    const v = f.local(v128);
    const t = f.local(i32);
    if (op === "sum") {
      // zero the float64 accumulators
      f.for(c, () => f.i32c(0), () => f.get(ncols), 1, () => {
        addr(f, scratch, () => f.get(c), 3);
        f.f64c(0).f64store();
      });
      f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
        addr(f, px, () => f.get(r).get(srow).op(I32.mul), 2);
        f.set(row);
        byFours(
          f,
          c,
          ncols,
          () => {
            addr(f, row, () => f.get(c), 2);
            f.vload().set(v);
            addr(f, scratch, () => f.get(c), 3);
            f.set(t);
            f.get(t).get(t).vload().get(v).v(V.f64x2_promote_low_f32x4).v(V.f64x2_add).vstore();
            f.get(t).get(t).vload(16).get(v).get(v).shuffle([8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]).v(V.f64x2_promote_low_f32x4).v(V.f64x2_add).vstore(16);
          },
          () => {
            addr(f, scratch, () => f.get(c), 3);
            f.set(t);
            f.get(t).get(t).f64load();
            addr(f, row, () => f.get(c), 2);
            f.f32load().op(F64.promote_f32).op(F64.add).f64store();
          },
        );
      });
      f.for(c, () => f.i32c(0), () => f.get(ncols), 1, () => {
        addr(f, po, () => f.get(c), 2);
        addr(f, scratch, () => f.get(c), 3);
        f.f64load().op(F32.demote_f64).f32store();
      });
    } else {
      const vop = op === "max" ? V.f32x4_max : V.f32x4_min;
      const sop = op === "max" ? F32.max : F32.min;
      f.for(c, () => f.i32c(0), () => f.get(ncols), 1, () => {
        addr(f, po, () => f.get(c), 2);
        f.f32c(op === "max" ? -Infinity : Infinity).f32store();
      });
      f.for(r, () => f.i32c(0), () => f.get(nrows), 1, () => {
        addr(f, px, () => f.get(r).get(srow).op(I32.mul), 2);
        f.set(row);
        byFours(
          f,
          c,
          ncols,
          () => {
            addr(f, po, () => f.get(c), 2);
            f.set(t);
            f.get(t).get(t).vload();
            addr(f, row, () => f.get(c), 2);
            f.vload().v(vop).vstore();
          },
          () => {
            addr(f, po, () => f.get(c), 2);
            f.set(t);
            f.get(t).get(t).f32load();
            addr(f, row, () => f.get(c), 2);
            f.f32load().op(sop).f32store();
          },
        );
      });
    }
  });
}

export function emitReductions(m: ModuleBuilder): void {
  for (const op of ["sum", "max", "min"] as const) {
    rows(m, op);
    if (op === "sum") rowsOuterSum(m);
    cols(m, op);
  }
}

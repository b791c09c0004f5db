/**
 * Property tests (fast-check) against naive loop implementations:
 * broadcasting, reductions over any set of axes, reshape/transpose round
 * trips, and indexing / index assignment.
 */
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import * as ms from "../src/index.js";
import { Tensor } from "../src/index.js";

const ops = ms.ops;
const RUNS = { numRuns: 60 };

const prodOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const stridesOf = (s: readonly number[]) => s.map((_, i) => prodOf(s.slice(i + 1)));
/** Every multi-index of `shape`, row-major. */
function* indices(shape: readonly number[]): Generator<number[]> {
  const n = prodOf(shape);
  for (let k = 0; k < n; k++) yield shape.map((d, i) => Math.floor(k / prodOf(shape.slice(i + 1))) % d);
}
const at = (data: readonly number[], shape: readonly number[], idx: readonly number[]) =>
  data[idx.reduce((acc, v, i) => acc + v * stridesOf(shape)[i], 0)];
const values = (t: Tensor) => Array.from(t.asnumpy().data as ArrayLike<number | bigint>, Number);
const tensorOf = (data: number[], shape: number[]) => ops.reshape(new Tensor(Float64Array.from(data), ms.float64), shape);

const shapeArb = (maxRank: number, maxDim = 4, minDim = 0) => fc.array(fc.integer({ min: minDim, max: maxDim }), { maxLength: maxRank });
const withData = (shape: number[]) => fc.array(fc.integer({ min: -9, max: 9 }), { minLength: prodOf(shape), maxLength: prodOf(shape) }).map((data) => ({ shape, data }));

describe("broadcasting", () => {
  // two shapes that broadcast: start from a common shape, then set some dims to 1 and drop leading dims
  const pairArb = shapeArb(4, 3).chain((full) =>
    fc
      .tuple(
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
        fc.integer({ min: 0, max: full.length }),
        fc.integer({ min: 0, max: full.length }),
      )
      .map(([oa, ob, da, db]) => [full.map((d, i) => (oa[i] ? 1 : d)).slice(da), full.map((d, i) => (ob[i] ? 1 : d)).slice(db)] as const),
  ).chain(([sa, sb]) => fc.tuple(withData(sa), withData(sb)));

  it("add/mul agree with the naive broadcast, and grads sum over the broadcast copies", () => {
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        const ta = tensorOf(a.data, a.shape);
        const tb = tensorOf(b.data, b.shape);
        const out = ops.add(ta, ops.mul(tb, 2));
        const n = Math.max(a.shape.length, b.shape.length);
        const pa = [...Array(n - a.shape.length).fill(1), ...a.shape];
        const pb = [...Array(n - b.shape.length).fill(1), ...b.shape];
        const shape = pa.map((d, i) => Math.max(d, pb[i]) * (d === 0 || pb[i] === 0 ? 0 : 1));
        expect(out.shape).toEqual(shape);
        const want = [...indices(shape)].map((ix) => at(a.data, pa, ix.map((v, i) => (pa[i] === 1 ? 0 : v))) + 2 * at(b.data, pb, ix.map((v, i) => (pb[i] === 1 ? 0 : v))));
        expect(values(out)).toEqual(want);
        const ga = ms.grad((x: Tensor) => ops.sum(ops.add(x, tb)))(ta);
        expect(ga.shape).toEqual(a.shape);
        const copies = prodOf(shape) / Math.max(1, prodOf(a.shape));
        if (prodOf(a.shape) > 0) expect(values(ga)).toEqual(a.data.map(() => copies));
      }),
      RUNS,
    );
  });
});

describe("reductions over any axes", () => {
  const caseArb = shapeArb(4, 3).chain((shape) =>
    fc.tuple(withData(shape), fc.shuffledSubarray(shape.map((_, i) => i)), fc.boolean(), fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length })),
  );

  function naiveReduce(data: number[], shape: number[], axes: number[], keep: boolean, f: (xs: number[]) => number) {
    const outShape = keep ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const groups = new Map<string, number[]>();
    for (const ix of indices(shape)) {
      const key = kept.map((i) => ix[i]).join(",");
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(at(data, shape, ix));
    }
    const out = [...indices(kept.map((i) => shape[i]))].map((k) => f(groups.get(k.join(",")) ?? []));
    return { shape: outShape, data: out };
  }

  it("sum, mean, prod, amax, var match the naive reduction (negative axes too)", () => {
    fc.assert(
      fc.property(caseArb, ([{ shape, data }, axes, keep, negate]) => {
        const t = tensorOf(data, shape);
        const given = axes.map((a) => (negate[a] ? a - shape.length : a));
        const check = (got: Tensor, f: (xs: number[]) => number, tol = 1e-9) => {
          const want = naiveReduce(data, shape, axes, keep, f);
          expect(got.shape).toEqual(want.shape);
          values(got).forEach((v, i) => {
            if (Number.isNaN(want.data[i])) expect(v).toBeNaN();
            else expect(Math.abs(v - want.data[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want.data[i])));
          });
        };
        const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
        check(ops.sum(t, given, keep), sum);
        check(ops.mean(t, given, keep), (xs) => sum(xs) / xs.length);
        check(ops.prod(t, given, keep), (xs) => xs.reduce((a, b) => a * b, 1));
        check(ops.var(t, given, 1, keep), (xs) => {
          const m = sum(xs) / xs.length;
          return sum(xs.map((x) => (x - m) ** 2)) / (xs.length - 1);
        });
        // amax has no identity: an empty group raises (tested elsewhere)
        if (!axes.some((a) => shape[a] === 0)) check(ops.amax(t, given, keep), (xs) => Math.max(...xs));
      }),
      RUNS,
    );
  });
});

describe("reshape / transpose round trips", () => {
  const caseArb = shapeArb(4, 4, 1).chain((shape) => fc.tuple(withData(shape), fc.shuffledSubarray(shape.map((_, i) => i), { minLength: shape.length })));

  it("transpose moves elements as the permutation says; its inverse and reshape undo it", () => {
    fc.assert(
      fc.property(caseArb, ([{ shape, data }, perm]) => {
        const t = tensorOf(data, shape);
        const tt = ops.transpose(t, perm);
        const outShape = perm.map((p) => shape[p]);
        expect(tt.shape).toEqual(outShape);
        const want = [...indices(outShape)].map((ix) => {
          const src = new Array<number>(shape.length);
          perm.forEach((p, i) => (src[p] = ix[i]));
          return at(data, shape, src);
        });
        expect(values(tt)).toEqual(want);
        const inv = new Array<number>(perm.length);
        perm.forEach((p, i) => (inv[p] = i));
        expect(values(ops.transpose(tt, inv))).toEqual(data);
        // reshape of a (possibly non-contiguous) transpose is row-major order of the transposed values
        expect(values(ops.reshape(tt, [-1]))).toEqual(want);
        expect(values(ops.reshape(ops.reshape(tt, [prodOf(outShape)]), outShape))).toEqual(want);
      }),
      RUNS,
    );
  });
});

// ------------------------------------------------------------- indexing

type Entry = { k: "int"; v: number } | { k: "slice"; start: number | null; stop: number | null; step: number | null } | { k: "new" } | { k: "arr"; v: number[] } | { k: "ell" };

/** Python's range for a slice, written as the loop Python documents. */
function pySlice(n: number, start: number | null, stop: number | null, step: number | null): number[] {
  const s = step ?? 1;
  const out: number[] = [];
  if (s > 0) {
    let a = start === null ? 0 : start < 0 ? Math.max(0, start + n) : Math.min(start, n);
    const b = stop === null ? n : stop < 0 ? Math.max(0, stop + n) : Math.min(stop, n);
    for (; a < b; a += s) out.push(a);
  } else {
    let a = start === null ? n - 1 : start < 0 ? start + n : Math.min(start, n - 1);
    const b = stop === null ? -1 : stop < 0 ? Math.max(-1, stop + n) : Math.min(stop, n - 1);
    for (; a > b; a += s) if (a >= 0) out.push(a);
  }
  return out;
}

/** Naive NumPy indexing for ints, slices, new axes, one ellipsis and at most one 1-D int array. */
function naiveIndex(shape: number[], items: Entry[]): { shape: number[]; src: number[][] } {
  const used = items.filter((e) => e.k === "int" || e.k === "slice" || e.k === "arr").length;
  const full: Entry = { k: "slice", start: null, stop: null, step: null };
  const e = items.findIndex((x) => x.k === "ell");
  const fill = Array.from({ length: shape.length - used }, () => full);
  const ex = e >= 0 ? [...items.slice(0, e), ...fill, ...items.slice(e + 1)] : [...items, ...fill];
  // per output axis: which input axis it walks and the input positions it takes
  const axes: { dim: number | null; pos: number[] }[] = [];
  const fixed: (number | null)[] = shape.map(() => null);
  let d = 0;
  const wrap = (v: number, n: number) => (v < 0 ? v + n : v);
  for (const it of ex) {
    if (it.k === "new") {
      axes.push({ dim: null, pos: [0] });
      continue;
    }
    const n = shape[d];
    if (it.k === "int") fixed[d] = wrap(it.v, n);
    else if (it.k === "slice") axes.push({ dim: d, pos: pySlice(n, it.start, it.stop, it.step) });
    else if (it.k === "arr") axes.push({ dim: d, pos: it.v.map((v) => wrap(v, n)) });
    d++;
  }
  const outShape = axes.map((a) => a.pos.length);
  const src = [...indices(outShape)].map((ix) => {
    const s = fixed.slice() as number[];
    axes.forEach((a, i) => {
      if (a.dim !== null) s[a.dim] = a.pos[ix[i]];
    });
    return s;
  });
  return { shape: outShape, src };
}

const toIndex = (items: Entry[]): unknown[] =>
  items.map((e) =>
    e.k === "int" ? e.v : e.k === "new" ? null : e.k === "ell" ? "..." : e.k === "arr" ? new Tensor(e.v, ms.int32) : `${e.start ?? ""}:${e.stop ?? ""}:${e.step ?? ""}`,
  );

const indexCaseArb = shapeArb(3, 4).chain((shape) => {
  const perDim = shape.map((n) => {
    const opts: fc.Arbitrary<Entry>[] = [
      fc.record({
        k: fc.constant("slice" as const),
        start: fc.option(fc.integer({ min: -6, max: 6 }), { nil: null }),
        stop: fc.option(fc.integer({ min: -6, max: 6 }), { nil: null }),
        step: fc.option(fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0), { nil: null }),
      }),
    ];
    if (n > 0) {
      opts.push(fc.integer({ min: -n, max: n - 1 }).map((v) => ({ k: "int" as const, v })));
      opts.push(fc.array(fc.integer({ min: -n, max: n - 1 }), { maxLength: 4 }).map((v) => ({ k: "arr" as const, v })));
    }
    return fc.oneof(...opts);
  });
  return fc.tuple(withData(shape), fc.tuple(...perDim), fc.integer({ min: 0, max: shape.length }), fc.boolean(), fc.integer({ min: 0, max: shape.length }));
}).map(([x, entries, cut, ell, newAt]) => {
  // at most one array (so the naive oracle stays simple); ints then stay basic
  let seen = false;
  let items: Entry[] = (entries as Entry[]).map((e) => (e.k === "arr" ? (seen ? { k: "slice", start: null, stop: null, step: null } : ((seen = true), e)) : e));
  if (seen) items = items.map((e) => (e.k === "int" ? { k: "slice", start: e.v, stop: e.v === -1 ? null : e.v + 1, step: null } : e));
  items = items.slice(0, cut);
  if (ell) items.push({ k: "ell" });
  items.splice(Math.min(newAt, items.length), 0, { k: "new" });
  return { x, items };
});

describe("indexing against a naive implementation", () => {
  it("getitem", () => {
    fc.assert(
      fc.property(indexCaseArb, ({ x, items }) => {
        const t = tensorOf(x.data, x.shape);
        const got = t.getitem(...(toIndex(items) as never[]));
        const want = naiveIndex(x.shape, items);
        expect(got.shape).toEqual(want.shape);
        expect(values(got)).toEqual(want.src.map((s) => at(x.data, x.shape, s)));
      }),
      RUNS,
    );
  });
  it("setitem writes exactly the indexed positions", () => {
    fc.assert(
      fc.property(indexCaseArb, ({ x, items }) => {
        const t = tensorOf(x.data, x.shape);
        const want = naiveIndex(x.shape, items);
        const v = want.src.map((_, i) => 100 + i);
        t.setitem(...(toIndex(items) as never[]), tensorOf(v, want.shape));
        const expected = x.data.slice();
        const strides = stridesOf(x.shape);
        want.src.forEach((s, i) => (expected[s.reduce((acc, c, j) => acc + c * strides[j], 0)] = v[i]));
        expect(values(t)).toEqual(expected);
        expect(t.shape).toEqual(x.shape);
      }),
      RUNS,
    );
  });
});
